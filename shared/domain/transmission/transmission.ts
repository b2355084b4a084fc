// R17, R18: the transmission of a cycle's data to the SLCP Gateway, as stored (container `factories`, partition
// = country code, beside the factory: queueing it writes the cycle's hand-off, the record and their audit
// events in one transactional batch, and every later change of the record goes with its audit event and its
// alerts in one batch too). One transmission per cycle, with a stable id that is the Cosmos document id, the
// Service Bus message id of its first send and the Gateway's idempotency key, so no retry, redelivery or
// replay ever makes a second submission at the Gateway. Pure: time is passed in.
//
//   queued ──(Gateway accepts)──▶ accepted ──(SLCP validates)──▶ validated
//     │  ▲                          └──────────(SLCP refuses)───▶ validationFailed
//     │  └──(staff replay)─── failed, deadLettered, rejected, invalid
//     ├──(transient failure)──▶ failed ──(Service Bus redelivers)──▶ accepted | rejected | failed
//     │                           └──(max deliveries)──▶ deadLettered (staff alerted)
//     └──(final refusal: 4xx)──▶ rejected (staff alerted, never retried)
//   invalid: the payload failed validation before queueing; never sent (staff alerted)
import { ConflictError } from '../errors';
import type { StoredDocument } from '../../ports/documentStore';

export const transmissionStatuses = [
  'queued',
  'accepted',
  'rejected',
  'failed',
  'deadLettered',
  'invalid',
  'validated',
  'validationFailed',
] as const;
export type TransmissionStatus = (typeof transmissionStatuses)[number];

/** What staff look into: a final refusal, a failure (still retried), a dead letter, a payload that never left. */
export const attentionStatuses: readonly TransmissionStatus[] = [
  'invalid',
  'rejected',
  'failed',
  'deadLettered',
  'validationFailed',
];
/** What staff may send again once they fixed the cause; the Gateway sees the same idempotency key. */
export const replayableStatuses: readonly TransmissionStatus[] = ['invalid', 'rejected', 'failed', 'deadLettered'];
/** The Gateway has the submission: a message of it changes nothing any more. */
export const submittedStatuses: readonly TransmissionStatus[] = ['accepted', 'validated', 'validationFailed'];

/** One transmission per cycle: `${cycleId}-TX`, e.g. `BD-7KQ2M9XA-C1-TX`. */
export function transmissionIdOf(cycleId: string): string {
  return `${cycleId}-TX`;
}

/**
 * The Service Bus message id of a send: the transmission id for the first one, `<id>.replay-<n>` for the n-th
 * replay. Service Bus drops a message whose id it accepted within its duplicate-detection window, which would
 * swallow a replay sent soon after the first send; a re-send of the same send (after a crash between the send
 * and its record) keeps the id, and that one duplicate detection drops.
 */
export function messageIdOf(transmissionId: string, replay: number): string {
  return replay === 0 ? transmissionId : `${transmissionId}.replay-${replay}`;
}

/** Where the payload of a transmission is kept: `<factoryId>/<cycleId>/<transmissionId>-<sha256>.json`. */
export function payloadBlobName(
  ref: { factoryId: string; cycleId: string; transmissionId: string },
  sha256: string
): string {
  return `${ref.factoryId}/${ref.cycleId}/${ref.transmissionId}-${sha256}.json`;
}

export interface PayloadRef {
  sha256: string;
  bytes: number;
  /** In the `transmissions` blob container. */
  blobName: string;
  summary: {
    step1: number;
    assessedByBetterWork: number;
    facilityProfile: number;
    neitherAssessedNorVerified: number;
    enhanced: number;
  };
}

export interface HistoryEntry {
  at: string;
  event: string;
  detail: string | null;
}

/** The history keeps the latest entries; the audit trail keeps everything. */
export const maxHistoryEntries = 50;

export interface TransmissionDocument extends StoredDocument {
  type: 'transmission';
  /** Same as transmissionId. */
  id: string;
  transmissionId: string;
  countryCode: string;
  factoryId: string;
  cycleId: string;
  gatewayFacilityId: string | null;
  /** R17: queued by the cycle's timeline after the release; R19: by a mid-cycle request after the assessment. */
  trigger: 'R17' | 'R19';
  status: TransmissionStatus;
  createdAt: string;
  /** The Service Bus message id of the current send (see messageIdOf). */
  messageId: string;
  queuedAt: string;
  /** When the current send reached the queue; null until then (a re-run or the sweep sends it). */
  sentToQueueAt: string | null;
  /** null when the payload failed validation (invalid). */
  payload: PayloadRef | null;
  invalidReasons: string[];
  /** Deliveries of its messages the sender processed, and the Gateway attempts they made. */
  deliveries: number;
  attempts: number;
  lastAttempt: { at: string; deliveryCount: number; outcome: string; status: number | null; detail: string } | null;
  submissionId: string | null;
  acceptedAt: string | null;
  rejection: { at: string; status: number; detail: string; reasons: string[] } | null;
  failure: { at: string; deliveryCount: number; detail: string } | null;
  deadLetter: { at: string; reason: string; description: string; deliveryCount: number } | null;
  validatedAt: string | null;
  validationFailure: { at: string; reason: string } | null;
  replays: number;
  lastReplay: { at: string; by: string } | null;
  history: HistoryEntry[];
  updatedAt: string;
}

function withHistory(doc: TransmissionDocument, at: string, event: string, detail: string | null) {
  return [...doc.history, { at, event, detail }].slice(-maxHistoryEntries);
}

export function newTransmission(fields: {
  factoryId: string;
  countryCode: string;
  cycleId: string;
  gatewayFacilityId: string | null;
  trigger: 'R17' | 'R19';
  payload: PayloadRef | null;
  invalidReasons: string[];
  now: string;
}): TransmissionDocument {
  const transmissionId = transmissionIdOf(fields.cycleId);
  const invalid = fields.payload === null;
  return {
    id: transmissionId,
    type: 'transmission',
    transmissionId,
    countryCode: fields.countryCode,
    factoryId: fields.factoryId,
    cycleId: fields.cycleId,
    gatewayFacilityId: fields.gatewayFacilityId,
    trigger: fields.trigger,
    status: invalid ? 'invalid' : 'queued',
    createdAt: fields.now,
    messageId: messageIdOf(transmissionId, 0),
    queuedAt: fields.now,
    sentToQueueAt: null,
    payload: fields.payload,
    invalidReasons: invalid ? fields.invalidReasons : [],
    deliveries: 0,
    attempts: 0,
    lastAttempt: null,
    submissionId: null,
    acceptedAt: null,
    rejection: null,
    failure: null,
    deadLetter: null,
    validatedAt: null,
    validationFailure: null,
    replays: 0,
    lastReplay: null,
    history: [
      invalid
        ? { at: fields.now, event: 'invalid', detail: fields.invalidReasons.slice(0, 5).join('; ') }
        : { at: fields.now, event: 'queued', detail: `${fields.trigger}, ${fields.payload!.bytes} bytes` },
    ],
    updatedAt: fields.now,
  };
}

/** The current send reached the queue (idempotent: the first time counts). */
export function markSentToQueue(doc: TransmissionDocument, at: string): TransmissionDocument | undefined {
  if (doc.sentToQueueAt !== null) return undefined;
  return {
    ...doc,
    sentToQueueAt: at,
    history: withHistory(doc, at, 'sentToQueue', doc.messageId),
    updatedAt: at,
  };
}

/** Whether a message must go on to the Gateway, or is settled already (then it is completed as it is). */
export function deliveryDecision(doc: TransmissionDocument): { send: true } | { send: false; reason: string } {
  if (submittedStatuses.includes(doc.status)) {
    return { send: false, reason: `the Gateway has it already (${doc.status}, ${doc.submissionId ?? 'no id'})` };
  }
  if (doc.status === 'rejected') return { send: false, reason: 'the Gateway refused it; staff replay it once fixed' };
  if (doc.status === 'invalid') return { send: false, reason: 'its payload is not valid; it is never sent' };
  if (doc.status === 'deadLettered') return { send: false, reason: 'it was dead-lettered; staff replay it' };
  if (doc.payload === null) return { send: false, reason: 'it has no payload' };
  return { send: true };
}

export interface AttemptFacts {
  at: string;
  deliveryCount: number;
  attempts: number;
  status: number | null;
  detail: string;
}

function attempted(doc: TransmissionDocument, facts: AttemptFacts, outcome: string): TransmissionDocument {
  return {
    ...doc,
    deliveries: doc.deliveries + 1,
    attempts: doc.attempts + facts.attempts,
    lastAttempt: {
      at: facts.at,
      deliveryCount: facts.deliveryCount,
      outcome,
      status: facts.status,
      detail: facts.detail,
    },
    updatedAt: facts.at,
  };
}

/** The Gateway accepted it (a first answer, or the replay of one): its submission id. */
export function recordAccepted(
  doc: TransmissionDocument,
  facts: AttemptFacts & { submissionId: string; replayed: boolean }
): TransmissionDocument {
  const next = attempted(doc, facts, 'accepted');
  const keep = doc.status === 'validated' || doc.status === 'validationFailed';
  return {
    ...next,
    status: keep ? doc.status : 'accepted',
    submissionId: facts.submissionId,
    acceptedAt: doc.acceptedAt ?? facts.at,
    failure: null,
    history: withHistory(
      doc,
      facts.at,
      'accepted',
      `${facts.submissionId}${facts.replayed ? ' (replayed answer)' : ''}, delivery ${facts.deliveryCount}`
    ),
  };
}

/** The Gateway refused it for good (400, 401, 403, 404, 409, 413, 422): not retried; staff look into it. */
export function recordRejected(
  doc: TransmissionDocument,
  facts: AttemptFacts & { status: number; reasons: string[] }
): TransmissionDocument {
  return {
    ...attempted(doc, facts, 'rejected'),
    status: 'rejected',
    rejection: { at: facts.at, status: facts.status, detail: facts.detail, reasons: facts.reasons.slice(0, 50) },
    history: withHistory(doc, facts.at, 'rejected', facts.detail),
  };
}

/** A transient failure: the message goes back to the queue and Service Bus delivers it again. */
export function recordFailed(doc: TransmissionDocument, facts: AttemptFacts): TransmissionDocument {
  return {
    ...attempted(doc, facts, 'failed'),
    status: doc.status === 'queued' || doc.status === 'failed' ? 'failed' : doc.status,
    failure: { at: facts.at, deliveryCount: facts.deliveryCount, detail: facts.detail },
    history: withHistory(doc, facts.at, 'failed', `delivery ${facts.deliveryCount}: ${facts.detail}`),
  };
}

/**
 * Service Bus gave up after its maximum deliveries. Nothing changes when the Gateway has it or refused it
 * already (a late dead letter of a message that was settled another way): undefined.
 */
export function recordDeadLettered(
  doc: TransmissionDocument,
  facts: { at: string; reason: string; description: string; deliveryCount: number }
): TransmissionDocument | undefined {
  if (doc.status !== 'queued' && doc.status !== 'failed') return undefined;
  return {
    ...doc,
    status: 'deadLettered',
    deadLetter: { ...facts },
    history: withHistory(doc, facts.at, 'deadLettered', `${facts.reason}: ${facts.description}`),
    updatedAt: facts.at,
  };
}

/** R18: SLCP validated it (the callback, or the status when asked); the submission id from the Gateway. */
export function recordValidated(
  doc: TransmissionDocument,
  facts: { at: string; submissionId: string; source: 'callback' | 'statusCheck' }
): TransmissionDocument | undefined {
  if (doc.status === 'validated') return undefined;
  return {
    ...doc,
    status: 'validated',
    submissionId: doc.submissionId ?? facts.submissionId,
    acceptedAt: doc.acceptedAt ?? facts.at,
    validatedAt: facts.at,
    validationFailure: null,
    history: withHistory(doc, facts.at, 'validated', `${facts.submissionId} (${facts.source})`),
    updatedAt: facts.at,
  };
}

/** SLCP did not validate it: staff look into it. */
export function recordValidationFailed(
  doc: TransmissionDocument,
  facts: { at: string; submissionId: string; reason: string }
): TransmissionDocument | undefined {
  if (doc.status === 'validated' || doc.status === 'validationFailed') return undefined;
  return {
    ...doc,
    status: 'validationFailed',
    submissionId: doc.submissionId ?? facts.submissionId,
    validationFailure: { at: facts.at, reason: facts.reason },
    history: withHistory(doc, facts.at, 'validationFailed', facts.reason),
    updatedAt: facts.at,
  };
}

/**
 * Staff send it again once they fixed the cause: a new Service Bus message (its own id, see messageIdOf), the
 * same idempotency key at the Gateway. Only what is settled without the Gateway having it (409 otherwise). An
 * invalid one needs its new, valid payload.
 */
export function replayTransmission(
  doc: TransmissionDocument,
  by: { userId: string; at: string; payload?: PayloadRef | undefined }
): TransmissionDocument {
  if (!replayableStatuses.includes(doc.status)) {
    throw new ConflictError(
      `Transmission ${doc.transmissionId} is ${doc.status}: only a ${replayableStatuses.join(', ')} transmission is replayed.`
    );
  }
  const payload = by.payload ?? doc.payload;
  if (payload === null) throw new ConflictError(`Transmission ${doc.transmissionId} has no valid payload to send.`);
  const replays = doc.replays + 1;
  return {
    ...doc,
    status: 'queued',
    payload,
    invalidReasons: [],
    messageId: messageIdOf(doc.transmissionId, replays),
    queuedAt: by.at,
    sentToQueueAt: null,
    replays,
    lastReplay: { at: by.at, by: by.userId },
    history: withHistory(doc, by.at, 'replayed', `replay ${replays} from ${doc.status}`),
    updatedAt: by.at,
  };
}

/** Why a transmission needs attention, in one line for staff. */
export function whyOf(doc: TransmissionDocument): string | null {
  switch (doc.status) {
    case 'invalid':
      return `The payload failed validation and was never sent: ${doc.invalidReasons.slice(0, 5).join('; ')}`;
    case 'rejected':
      return `The Gateway refused it (${doc.rejection?.detail ?? 'no detail'})${
        doc.rejection && doc.rejection.reasons.length > 0 ? `: ${doc.rejection.reasons.slice(0, 5).join('; ')}` : ''
      }`;
    case 'failed':
      return `Sending failed (delivery ${doc.failure?.deliveryCount ?? '?'}: ${doc.failure?.detail ?? 'no detail'}); Service Bus delivers it again`;
    case 'deadLettered':
      return `Service Bus gave up after ${doc.deadLetter?.deliveryCount ?? '?'} deliveries (${doc.deadLetter?.reason ?? 'no reason'}); last failure: ${doc.failure?.detail ?? 'none recorded'}`;
    case 'validationFailed':
      return `SLCP did not validate the data: ${doc.validationFailure?.reason ?? 'no reason given'}`;
    default:
      return null;
  }
}

/** The record without its bookkeeping, as the audit trail keeps it. */
export function auditViewOf(doc: TransmissionDocument): Record<string, unknown> {
  const { history: _history, updatedAt: _updatedAt, ...rest } = doc;
  return rest;
}
