// R18: SLCP's validation of a transmitted cycle. The Gateway calls back (signed like its registration
// callbacks, delivered at least once) when it validated the data or did not; the receipt of each event is
// written in the same batch as what it changed, so a repeated delivery changes nothing. `submission.validated`
// records the validation on the record and on the cycle (`transmission.validatedAt`), and the HTTP function
// wakes the cycle's timeline, which enables sharing and tells the factory. When no validation came within
// `validationDelay` of the release, the timeline's sharing activity asks the Gateway for the submission's
// status instead (`checkValidationAtGateway`): validated (the callback was lost) enables sharing; anything
// else chases staff, once.
import { verifySubmissionCallback, type HeaderSource } from '../../adapters/gateway/gatewayClient';
import { fetchSubmissionStatus, type SubmissionStatusAnswer } from '../../adapters/gateway/gatewaySubmissions';
import type { CommonSettings } from '../../config/settings';
import { utcDay } from '../../domain/countryProgrammes';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../../domain/errors';
import { countryOfFactoryId, factoryIdPattern, type FactoryDocument } from '../../domain/factory/factory';
import { validationAt, type CycleTimelineFacts } from '../../domain/timeline/cycleTimeline';
import {
  recordValidated,
  recordValidationFailed,
  transmissionIdOf,
  whyOf,
  type TransmissionDocument,
} from '../../domain/transmission/transmission';
import type { Clock } from '../../ports/clock';
import type { DocumentStore, StoredDocument, Versioned, WriteOperation } from '../../ports/documentStore';
import type { GatewaySubmissionEvent } from '../../schemas/gateway';
import { saveFactoryChange, type OutboxDraft } from '../factories/factoryStore';
import { gatewayActor, gatewayEventReceiptId, verifiedCallback } from '../sharing/gatewayConnection';
import { staffContacts, staffDeliveries } from '../timeline/contacts';
import { readFactory } from '../timeline/cycleFacts';
import {
  factoryName,
  readTransmission,
  saveTransmissionChange,
  staffAlert,
  transmissionAudit,
  transmissionLink,
} from './records';

export { submissionCallbackPath } from './queue';

export interface ValidationDeps {
  store: DocumentStore;
  clock: Clock;
  settings: Pick<CommonSettings, 'gateway' | 'portalBaseUrl'>;
  gateway?: { fetch?: typeof fetch; timeoutMs?: number };
}

/** The receipt of one submission event, written in the same batch as what the event changed. */
export interface SubmissionEventReceipt extends StoredDocument {
  type: 'gatewayEvent';
  id: string;
  countryCode: string;
  factoryId: string;
  eventId: string;
  eventType: GatewaySubmissionEvent['type'];
  outcome: 'applied' | 'ignored';
  receivedAt: string;
}

export interface SubmissionCallbackAck {
  eventId: string;
  duplicate: boolean;
  outcome: 'applied' | 'ignored' | 'duplicate';
  /** The cycle whose timeline to wake (validated and applied). */
  validatedCycleId: string | null;
}

const maxCallbackAttempts = 5;

/** The factory with the cycle's transmission marked validated. */
function withValidation(factory: FactoryDocument, record: TransmissionDocument, at: string): FactoryDocument {
  return {
    ...factory,
    cycles: factory.cycles.map((c) =>
      c.cycleId === record.cycleId
        ? {
            ...c,
            transmission: {
              transmissionId: record.transmissionId,
              queuedAt: c.transmission?.queuedAt ?? record.queuedAt,
              validatedAt: c.transmission?.validatedAt ?? at,
            },
          }
        : c
    ),
  };
}

/**
 * R18: verifies a submission callback (signature, timestamp, body) and applies its event once. 401 when it is
 * not provably from the Gateway, 400 when it is not a submission event; an event about a transmission this
 * platform does not have is acknowledged and ignored.
 */
export async function handleSubmissionCallback(
  deps: ValidationDeps,
  input: { headers: HeaderSource; rawBody: Uint8Array | string }
): Promise<SubmissionCallbackAck> {
  const event: GatewaySubmissionEvent = verifiedCallback(() =>
    verifySubmissionCallback({
      headers: input.headers,
      rawBody: input.rawBody,
      secret: deps.settings.gateway.sharedSecret,
      clock: deps.clock,
    })
  );
  if (!factoryIdPattern.test(event.factoryId)) throw new NotFoundError('The event names no known factory.');
  const countryCode = countryOfFactoryId(event.factoryId);
  const receiptId = gatewayEventReceiptId(event.eventId);
  const ack = (outcome: SubmissionCallbackAck['outcome'], validatedCycleId: string | null = null) => ({
    eventId: event.eventId,
    duplicate: outcome === 'duplicate',
    outcome,
    validatedCycleId,
  });
  for (let attempt = 1; ; attempt++) {
    if (await deps.store.read('factories', countryCode, receiptId)) return ack('duplicate');
    const now = deps.clock.now().toISOString();
    const receipt = (outcome: 'applied' | 'ignored'): SubmissionEventReceipt => ({
      id: receiptId,
      type: 'gatewayEvent',
      countryCode,
      factoryId: event.factoryId,
      eventId: event.eventId,
      eventType: event.type,
      outcome,
      receivedAt: now,
    });
    const record = await readTransmission(deps.store, countryCode, event.idempotencyKey);
    const factory = await readFactory(deps.store, event.factoryId);
    const after =
      !record || record.doc.factoryId !== event.factoryId || record.doc.cycleId !== event.cycleId
        ? undefined
        : event.type === 'submission.validated'
          ? recordValidated(record.doc, { at: now, submissionId: event.submissionId, source: 'callback' })
          : recordValidationFailed(record.doc, { at: now, submissionId: event.submissionId, reason: event.reason });
    try {
      if (!record || !factory || !after) {
        await deps.store.write('factories', countryCode, [{ kind: 'create', doc: receipt('ignored') }]);
        return ack('ignored');
      }
      if (event.type === 'submission.validated') {
        await saveFactoryChange(deps.store, deps.clock, {
          actor: gatewayActor,
          action: 'gateway.submission.validated',
          before: factory,
          after: withValidation(factory.doc, after, now),
          alsoWrite: recordWrites(record, after, now, 'transmission.validated', [receipt('applied')]),
        });
        return ack('applied', after.cycleId);
      }
      const name = await factoryName(deps.store, countryCode, event.factoryId);
      await saveTransmissionChange(
        deps.store,
        deps.clock,
        record,
        {
          after,
          action: 'transmission.validationFailed',
          deliver: await staffAlert(deps.store, deps.settings.portalBaseUrl, after, {
            subject: `SLCP did not validate the data of ${name}`,
            text:
              `SLCP did not validate the data of ${name} for cycle ${after.cycleId} (submission ${event.submissionId}): ` +
              `${event.type === 'submission.validationFailed' ? event.reason : ''}. Sharing via the Gateway is not enabled.`,
          }),
          alsoWrite: [{ kind: 'create', doc: receipt('applied') }],
        },
        gatewayActor
      );
      return ack('applied');
    } catch (error) {
      const raced = error instanceof PreconditionFailedError || error instanceof ConflictError;
      if (!raced || attempt >= maxCallbackAttempts) throw error;
    }
  }
}

/** The record's replace (If-Match), its audit event, and more documents, for a batch that changes the factory too. */
function recordWrites(
  before: Versioned<TransmissionDocument>,
  after: TransmissionDocument,
  at: string,
  action: string,
  extra: StoredDocument[] = []
): WriteOperation[] {
  return [
    { kind: 'replace', doc: after, ifMatch: before.etag },
    { kind: 'create', doc: transmissionAudit(after, gatewayActor, at, { action, before: before.doc, after }) },
    ...extra.map((doc): WriteOperation => ({ kind: 'create', doc })),
  ];
}

// ---------------------------------------------------------------------------------------------------
// R18: no validation by release + 15 days: ask the Gateway, chase staff
// ---------------------------------------------------------------------------------------------------

export type ValidationCheck =
  | { validated: true; at: string; alsoWrite: WriteOperation[] }
  | { validated: false; deliver: OutboxDraft[]; alsoWrite: WriteOperation[]; gateway: string };

function describeAnswer(answer: SubmissionStatusAnswer | undefined): string {
  if (!answer) return 'there is no transmission record to ask about';
  switch (answer.kind) {
    case 'found':
      return `the Gateway has submission ${answer.submission.submissionId}, ${answer.submission.status} since ${answer.submission.receivedAt} (facility status ${answer.submission.assessmentStatus})`;
    case 'notFound':
      return 'the Gateway has no submission with this key';
    case 'rejected':
      return `the Gateway refused the status request (${answer.detail})`;
    case 'transient':
      return `the Gateway could not be asked (${answer.detail})`;
  }
}

/**
 * R18: what the sharing activity finds when SLCP has not validated the data by `validationDelay` after the
 * release: the Gateway's status of the submission. Validated there: the record is marked validated (the
 * callback was lost). Otherwise staff of the country are chased with what the record and the Gateway say.
 */
export async function checkValidationAtGateway(
  deps: ValidationDeps,
  factory: FactoryDocument,
  facts: CycleTimelineFacts,
  at: string
): Promise<ValidationCheck> {
  const cycle = factory.cycles.find((c) => c.cycleId === facts.cycleId);
  const transmissionId = cycle?.transmission?.transmissionId ?? transmissionIdOf(facts.cycleId);
  const record = await readTransmission(deps.store, factory.countryCode, transmissionId);
  let answer: SubmissionStatusAnswer | undefined;
  if (record) {
    answer = await fetchSubmissionStatus(
      {
        gatewayBaseUrl: deps.settings.gateway.baseUrl,
        secret: deps.settings.gateway.sharedSecret,
        clock: deps.clock,
        ...(deps.gateway?.fetch ? { fetch: deps.gateway.fetch } : {}),
        ...(deps.gateway?.timeoutMs ? { timeoutMs: deps.gateway.timeoutMs } : {}),
      },
      transmissionId
    );
  }
  const alsoWrite: WriteOperation[] = [];
  if (record && answer?.kind === 'found') {
    const { submission } = answer;
    const after =
      submission.status === 'VALIDATED'
        ? recordValidated(record.doc, { at, submissionId: submission.submissionId, source: 'statusCheck' })
        : submission.status === 'VALIDATION_FAILED'
          ? recordValidationFailed(record.doc, {
              at,
              submissionId: submission.submissionId,
              reason: submission.validationFailureReason ?? 'no reason given',
            })
          : undefined;
    if (after) {
      alsoWrite.push(...recordWrites(record, after, at, `transmission.${after.status}`));
      if (after.status === 'validated') return { validated: true, at, alsoWrite };
    }
  }
  const expectedBy =
    facts.releasedAt && facts.readyToTransmitAt
      ? utcDay(validationAt(facts.releasedAt, facts.readyToTransmitAt))
      : 'release + 15 days';
  const status = record ? `${record.doc.status}${whyOf(record.doc) ? `: ${whyOf(record.doc)}` : ''}` : 'no record';
  const gateway = describeAnswer(answer);
  const staff = await staffContacts(deps.store, factory.countryCode);
  const deliver = staffDeliveries(staff, {
    subject: `No SLCP validation yet: ${factory.name}`,
    text:
      `SLCP has not validated the data of ${factory.name} for cycle ${facts.cycleId}: it was expected by ${expectedBy} ` +
      `(R18: 15 days after the report's release). Transmission ${transmissionId}: ${status}. Asked now, ${gateway}. ` +
      'Sharing via the Gateway is enabled as soon as the validation arrives.',
    link: transmissionLink(deps.settings.portalBaseUrl, factory.factoryId, facts.cycleId),
  });
  return { validated: false, deliver, alsoWrite, gateway };
}
