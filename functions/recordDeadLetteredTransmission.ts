import { app, type InvocationContext } from '@azure/functions';
import { recordDeadLetteredTransmission } from '../shared/app/transmission/deadLetter';
import { platform } from '../shared/composition';
import { transmissionQueue } from '../shared/config/queues';
import { transmissionIds } from '../shared/observability/correlation';
import { eventLog } from '../shared/observability/log';
import { deadLetterOf } from './serviceBusMetadata';

/**
 * R17: a transmission's message that Service Bus dead-lettered (after the queue's maximum deliveries): the record
 * says deadLettered with the reason and staff of the country are alerted; they replay it once the cause is fixed.
 */
app.serviceBusQueue('recordDeadLetteredTransmission', {
  connection: 'ServiceBus',
  queueName: `${transmissionQueue.name}/$DeadLetterQueue`,
  handler: async (message: unknown, context: InvocationContext) => {
    const delivery = deadLetterOf(message, context);
    const log = eventLog(context, {
      ...transmissionIds(delivery.body),
      messageId: delivery.messageId,
      reason: delivery.deadLetterReason,
    });
    const result = await recordDeadLetteredTransmission(
      platform(),
      delivery,
      log.lines('transmission.dead_letter', 'warning')
    );
    log.warn(`transmission.dead_letter_${result.outcome}`, {
      transmissionId: result.transmissionId ?? undefined,
      ...(result.outcome === 'ignored' ? { reason: result.reason } : {}),
    });
  },
});
