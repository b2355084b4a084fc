// R17: behind the trigger on `gateway-transmissions/$DeadLetterQueue`. Service Bus moved a transmission's
// message there after its maximum deliveries (or because it could not be processed at all): the record says
// `deadLettered` with the reason, and staff of the factory's country are alerted (notification and email
// through the outbox, in the same batch). Staff then look at why and replay it once the cause is fixed.
import { transmissionQueue } from '../../config/queues';
import { recordDeadLettered } from '../../domain/transmission/transmission';
import { metricNames } from '../../ports/metrics';
import type { TransmissionDeps } from './deps';
import { parseTransmissionMessage, PoisonMessageError } from './process';
import { changeTransmission, factoryName, staffAlert } from './records';

export interface DeadLetteredDelivery {
  body: unknown;
  messageId: string | undefined;
  deliveryCount: number;
  /** `MaxDeliveryCountExceeded`, or what the receiver said when it dead-lettered the message. */
  deadLetterReason: string | undefined;
  deadLetterErrorDescription: string | undefined;
}

/** The dead-letter reason Service Bus gives a message it delivered `maxDeliveryCount` times. */
export const maxDeliveryCountExceeded = 'MaxDeliveryCountExceeded';

export type DeadLetterOutcome =
  | { outcome: 'recorded'; transmissionId: string }
  | { outcome: 'ignored'; transmissionId: string | null; reason: string };

export async function recordDeadLetteredTransmission(
  deps: Pick<TransmissionDeps, 'store' | 'clock' | 'settings' | 'metrics'>,
  delivery: DeadLetteredDelivery,
  log: (line: string) => void = () => undefined
): Promise<DeadLetterOutcome> {
  let message;
  try {
    message = parseTransmissionMessage(delivery.body);
  } catch (error) {
    if (!(error instanceof PoisonMessageError)) throw error;
    // Nothing to attach it to: logged (ids only) for the operators; completing it removes it from the queue.
    log(`dead letter ${delivery.messageId ?? '(no id)'} is not a transmission message: ${error.message}`);
    return { outcome: 'ignored', transmissionId: null, reason: error.message };
  }
  const ref = { countryCode: message.countryCode, transmissionId: message.transmissionId };
  const reason = delivery.deadLetterReason ?? 'DeadLettered';
  // How often the queue delivered it: its maximum when that is why it was dead-lettered. The delivery count of
  // this delivery (from the dead-letter queue) is not that: a delivery from the dead-letter queue counts on.
  const deliveries = reason === maxDeliveryCountExceeded ? transmissionQueue.maxDeliveryCount : delivery.deliveryCount;
  const description = (delivery.deadLetterErrorDescription ?? 'no description').slice(0, 1000);
  const name = await factoryName(deps.store, ref.countryCode, message.factoryId);
  const result = await changeTransmission(deps.store, deps.clock, ref, async (current) => {
    const after = recordDeadLettered(current.doc, {
      at: deps.clock.now().toISOString(),
      reason,
      description,
      deliveryCount: deliveries,
    });
    if (!after) return undefined;
    const deliver = await staffAlert(deps.store, deps.settings.portalBaseUrl, current.doc, {
      subject: `Transmission to the SLCP Gateway failed: ${name}`,
      text:
        `The data of ${name} for cycle ${message.cycleId} could not be sent to the SLCP Gateway after ` +
        `${deliveries} deliveries (${reason}). Last failure: ${current.doc.failure?.detail ?? 'none recorded'}. ` +
        'Once the cause is fixed, replay the transmission; the Gateway will not receive it twice.',
    });
    return { after, action: 'transmission.deadLettered', deliver };
  });
  if (!result.doc) {
    log(`dead letter of transmission ${ref.transmissionId}: no record`);
    return { outcome: 'ignored', transmissionId: ref.transmissionId, reason: 'no record' };
  }
  if (!result.changed) {
    return {
      outcome: 'ignored',
      transmissionId: ref.transmissionId,
      reason: `the transmission is ${result.doc.status}`,
    };
  }
  log(`transmission ${ref.transmissionId}: dead-lettered (${reason}); staff alerted`);
  deps.metrics?.add(metricNames.transmissionsDeadLettered, { country: ref.countryCode });
  return { outcome: 'recorded', transmissionId: ref.transmissionId };
}
