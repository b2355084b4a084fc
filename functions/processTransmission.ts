import { app, type InvocationContext } from '@azure/functions';
import { transmissionDeps } from '../shared/app/transmission/deps';
import { transmissionIds } from '../shared/observability/correlation';
import { processTransmission, TransientTransmissionError } from '../shared/app/transmission/process';
import { platform } from '../shared/composition';
import { transmissionQueue } from '../shared/config/queues';
import { eventLog } from '../shared/observability/log';
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
    const log = eventLog(context, {
      ...transmissionIds(delivery.body),
      messageId: delivery.messageId,
      deliveryCount: delivery.deliveryCount,
    });
    try {
      const result = await processTransmission(transmissionDeps(platform()), delivery, log.lines('transmission.step'));
      log.info(`transmission.${result.outcome}`, {
        transmissionId: result.transmissionId,
        ...('attempts' in result ? { attempts: result.attempts } : {}),
        ...('status' in result ? { status: result.status } : {}),
        ...('reason' in result ? { reason: result.reason } : {}),
      });
    } catch (error) {
      if (error instanceof TransientTransmissionError)
        log.warn('transmission.delivery_failed', { error: error.message });
      else log.error('transmission.failed', {}, error);
      throw error;
    }
  },
});
