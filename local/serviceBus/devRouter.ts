// Local-only: GET /api/_dev/service-bus shows the local Service Bus queues (settings, counts, consumers) and
// each dead-letter queue's messages with their reason, description, delivery count and last error, for
// people and tests. Not in Azure (there: the portal's Service Bus Explorer).

import { devProblem } from '../devRoutes';
import type { DevRouter } from '../http/server';
import type { LocalServiceBus } from './engine';
import { deadLetterQueueSuffix } from './model';

export function createServiceBusDevRouter(bus: () => LocalServiceBus | undefined, apiBaseUrl: () => string): DevRouter {
  return async (request) => {
    if (request.path !== 'service-bus' && request.path !== 'service-bus/') return undefined;
    if (request.method !== 'GET') return devProblem(405, `${request.method} is not allowed on /_dev/service-bus.`);
    const queueBus = bus();
    if (!queueBus) return devProblem(503, 'The local Service Bus queue has not started.');
    return {
      status: 200,
      body: {
        api: apiBaseUrl(),
        store: queueBus.storeDescription,
        ...queueBus.metrics(),
        queues: queueBus.describeQueues().map((queue) => ({
          ...queue,
          deadLetters: queueBus.peek(`${queue.name}/${deadLetterQueueSuffix}`, { top: 100 }).map((m) => ({
            sequenceNumber: m.sequenceNumber,
            messageId: m.messageId,
            reason: m.deadLetterReason,
            description: m.deadLetterErrorDescription,
            deliveryCount: m.deliveryCount,
            enqueuedTimeUtc: m.enqueuedTimeUtc,
            deadLetteredAt: m.deadLetteredAt,
            lastError: m.lastError,
            state: m.state,
          })),
        })),
      },
    };
  };
}
