import { app, type InvocationContext } from '@azure/functions';
import { transmissionDeps } from '../shared/app/transmission/deps';
import { processTransmission, TransientTransmissionError } from '../shared/app/transmission/process';
import { platform } from '../shared/composition';
import { transmissionQueue } from '../shared/config/queues';
import { deliveryOf } from './serviceBusMetadata';

/**
 * R17: sends each transmission to the SLCP Gateway (idempotency key = transmission id). Returning completes the
 * message (accepted, rejected for good, or settled before); a transient failure throws, so Service Bus delivers
 * it again, and after the queue's maximum deliveries dead-letters it (recordDeadLetteredTransmission).
 */
app.serviceBusQueue('processTransmission', {
  connection: 'ServiceBus',
  queueName: transmissionQueue.name,
  handler: async (message: unknown, context: InvocationContext) => {
    const delivery = deliveryOf(message, context);
    try {
      const result = await processTransmission(transmissionDeps(platform()), delivery, (line) => context.log(line));
      context.log(
        `processTransmission: ${result.transmissionId} ${result.outcome} (delivery ${delivery.deliveryCount})`
      );
    } catch (error) {
      if (error instanceof TransientTransmissionError) context.warn(error.message);
      throw error;
    }
  },
});
