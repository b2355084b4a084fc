// R17: the sender, behind the Service Bus trigger on `gateway-transmissions`. Each delivery of a message reads
// the transmission record; one the Gateway has already (or refused, or that was dead-lettered) is completed as
// it is, without calling the Gateway. Otherwise it sends the payload (the exact bytes kept when it was queued,
// checked against their hash) with the transmission id as the idempotency key, retrying transient failures
// with backoff and jitter within the delivery, and records the outcome with its audit event:
// - accepted (with the Gateway's submission id): the message is completed;
// - rejected for good (4xx): recorded with the reasons, staff alerted, the message completed (never retried);
// - a transient failure: recorded, then thrown, so Service Bus delivers the message again (delivery count + 1),
//   and after its maximum deliveries moves it to the dead-letter queue (see deadLetter.ts).
// Exactly once at the Gateway: a redelivery after a success finds the record accepted and calls nobody, and
// two deliveries racing both use the same idempotency key, which the Gateway answers with one submission.
import { submitData } from '../../adapters/gateway/gatewaySubmissions';
import {
  deliveryDecision,
  recordAccepted,
  recordFailed,
  recordRejected,
  type TransmissionDocument,
} from '../../domain/transmission/transmission';
import { transmissionMessageSchema, type TransmissionMessage } from '../../schemas/transmission';
import { metricNames } from '../../ports/metrics';
import type { TransmissionDeps } from './deps';
import { readPayload, sha256Of } from './queue';
import { changeTransmission, factoryName, readTransmission, staffAlert } from './records';

/** A message that can never be processed (not a transmission message): thrown, so it ends in the dead-letter queue. */
export class PoisonMessageError extends Error {
  override name = 'PoisonMessageError';
}

/** A transient failure: thrown so that Service Bus delivers the message again. */
export class TransientTransmissionError extends Error {
  override name = 'TransientTransmissionError';
}

export interface Delivery {
  /** The message body as the trigger gives it (parsed JSON, or its text). */
  body: unknown;
  messageId: string | undefined;
  /** 1 on the first delivery. */
  deliveryCount: number;
}

export type ProcessOutcome =
  | { outcome: 'accepted'; transmissionId: string; submissionId: string; replayed: boolean; attempts: number }
  | { outcome: 'rejected'; transmissionId: string; status: number; attempts: number }
  | { outcome: 'skipped'; transmissionId: string; reason: string }
  | { outcome: 'unknown'; transmissionId: string };

/** The message of a delivery, or a PoisonMessageError. */
export function parseTransmissionMessage(body: unknown): TransmissionMessage {
  let value = body;
  if (typeof value === 'string' || Buffer.isBuffer(value)) {
    try {
      value = JSON.parse(value.toString());
    } catch {
      throw new PoisonMessageError('the message body is not JSON');
    }
  }
  const parsed = transmissionMessageSchema.safeParse(value);
  if (!parsed.success) {
    throw new PoisonMessageError(
      `the message is not a transmission message: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `/${i.path.map(String).join('/')}: ${i.message}`)
        .join('; ')}`
    );
  }
  return parsed.data;
}

async function payloadOf(deps: TransmissionDeps, message: TransmissionMessage, doc: TransmissionDocument) {
  const expected = doc.payload!;
  if (message.payload !== undefined) {
    if (message.payloadSha256 === expected.sha256 && sha256Of(message.payload) === expected.sha256) {
      return message.payload;
    }
    // An older send's message (a replay brought a new payload): what the record says is sent.
  }
  return readPayload(deps, expected);
}

/**
 * Processes one delivery. Returns when the message is to be completed; throws TransientTransmissionError (the
 * Gateway may answer later) or PoisonMessageError (never processable) for Service Bus to deliver it again.
 */
export async function processTransmission(
  deps: TransmissionDeps,
  delivery: Delivery,
  log: (line: string) => void = () => undefined
): Promise<ProcessOutcome> {
  const message = parseTransmissionMessage(delivery.body);
  const ref = { countryCode: message.countryCode, transmissionId: message.transmissionId };
  const current = await readTransmission(deps.store, ref.countryCode, ref.transmissionId);
  if (!current) {
    log(`transmission ${ref.transmissionId}: no record; the message is completed`);
    return { outcome: 'unknown', transmissionId: ref.transmissionId };
  }
  const decision = deliveryDecision(current.doc);
  if (!decision.send) {
    log(`transmission ${ref.transmissionId}: not sent (${decision.reason})`);
    return { outcome: 'skipped', transmissionId: ref.transmissionId, reason: decision.reason };
  }
  const body = await payloadOf(deps, message, current.doc);
  const result = await submitData(
    {
      gatewayBaseUrl: deps.settings.gateway.baseUrl,
      secret: deps.settings.gateway.sharedSecret,
      clock: deps.clock,
      ...(deps.gateway?.fetch ? { fetch: deps.gateway.fetch } : {}),
      ...(deps.gateway?.timeoutMs ? { timeoutMs: deps.gateway.timeoutMs } : {}),
      ...(deps.gateway?.retry ? { retry: deps.gateway.retry } : {}),
      ...(deps.gateway?.hooks ? { hooks: deps.gateway.hooks } : {}),
    },
    body,
    current.doc.transmissionId
  );
  const at = deps.clock.now().toISOString();
  const { outcome } = result;
  const facts = {
    at,
    deliveryCount: delivery.deliveryCount,
    attempts: result.attempts.length,
    status: outcome.status,
    detail: result.attempts
      .map((a) => `#${a.attempt} ${a.detail}`)
      .join(' | ')
      .slice(0, 1000),
  };

  if (outcome.kind === 'accepted') {
    await changeTransmission(deps.store, deps.clock, ref, async (latest) => ({
      after: recordAccepted(latest.doc, {
        ...facts,
        submissionId: outcome.submission.submissionId,
        replayed: outcome.replayed,
      }),
      action: 'transmission.accepted',
    }));
    log(`transmission ${ref.transmissionId}: accepted as ${outcome.submission.submissionId}`);
    deps.metrics?.add(metricNames.transmissionsAccepted, { country: ref.countryCode });
    return {
      outcome: 'accepted',
      transmissionId: ref.transmissionId,
      submissionId: outcome.submission.submissionId,
      replayed: outcome.replayed,
      attempts: result.attempts.length,
    };
  }

  if (outcome.kind === 'rejected') {
    const name = await factoryName(deps.store, ref.countryCode, message.factoryId);
    const deliver = await staffAlert(deps.store, deps.settings.portalBaseUrl, current.doc, {
      subject: `The SLCP Gateway refused the data of ${name}`,
      text:
        `The SLCP Gateway refused the transmission ${ref.transmissionId} of ${name} (cycle ${message.cycleId}): ` +
        `${outcome.detail}${outcome.reasons.length > 0 ? ` (${outcome.reasons.slice(0, 5).join('; ')})` : ''}. ` +
        'It is not retried: fix the cause, then replay it.',
    });
    await changeTransmission(deps.store, deps.clock, ref, async (latest) =>
      deliveryDecision(latest.doc).send
        ? {
            after: recordRejected(latest.doc, { ...facts, status: outcome.status, reasons: outcome.reasons }),
            action: 'transmission.rejected',
            deliver,
          }
        : undefined
    );
    log(`transmission ${ref.transmissionId}: rejected (${outcome.status})`);
    deps.metrics?.add(metricNames.transmissionsRejected, { country: ref.countryCode });
    return {
      outcome: 'rejected',
      transmissionId: ref.transmissionId,
      status: outcome.status,
      attempts: result.attempts.length,
    };
  }

  // Transient: recorded (best effort: the redelivery matters more than the record), then thrown.
  deps.metrics?.add(metricNames.transmissionDeliveryFailures, { country: ref.countryCode });
  try {
    await changeTransmission(deps.store, deps.clock, ref, async (latest) =>
      deliveryDecision(latest.doc).send
        ? { after: recordFailed(latest.doc, facts), action: 'transmission.failed' }
        : undefined
    );
  } catch (error) {
    log(
      `transmission ${ref.transmissionId}: the failure could not be recorded: ${(error as Error)?.message ?? String(error)}`
    );
  }
  throw new TransientTransmissionError(
    `transmission ${ref.transmissionId}, delivery ${delivery.deliveryCount}: ${outcome.detail}`
  );
}
