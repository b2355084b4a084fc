import { app, type InvocationContext } from '@azure/functions';
import { recordDeadLetteredTransmission } from '../shared/app/transmission/deadLetter';
import { platform } from '../shared/composition';
import { transmissionQueue } from '../shared/config/queues';
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
    const result = await recordDeadLetteredTransmission(platform(), delivery, (line) => context.warn(line));
    context.log(`recordDeadLetteredTransmission: ${result.transmissionId ?? '(unknown)'} ${result.outcome}`);
  },
});
