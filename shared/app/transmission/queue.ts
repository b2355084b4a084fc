// R17, R19: queueing a cycle's transmission. The payload is built from the submitted self-assessment and the
// released compliance assessment and validated against the Gateway contract first; one that fails is never
// sent (the record says `invalid`, staff are alerted). A valid one is kept in blob storage (content-addressed,
// create-only: the evidence of what was sent, and what a replay sends again), then ONE batch in the factory's
// partition writes the cycle's hand-off (`readyToTransmitAt`, `transmission`), the record (status `queued`,
// `sentToQueueAt` unset) and their audit events; only then is the Service Bus message sent (MessageId = the
// send's message id, the transmission id for the first), and the record marked sent. A crash between the batch
// and the send loses nothing: a re-run of the activity, or the sweep a few minutes later, finds the record
// unsent and sends it; a re-send of a message that did go is dropped by duplicate detection, and beyond its
// window the sender finds the record settled, and the Gateway the key known.
import { createHash } from 'node:crypto';
import { transmissionQueue } from '../../config/queues';
import { assessmentIdOf, type ComplianceAssessmentDocument } from '../../domain/compliance/assessment';
import { complianceOutline } from '../../domain/compliance/scope';
import { ConflictError, PreconditionFailedError } from '../../domain/errors';
import type { CycleEntry, FactoryDocument } from '../../domain/factory/factory';
import type { Principal } from '../../domain/access/roles';
import { progressOf } from '../../domain/selfAssessment/progress';
import {
  selfAssessmentIdOf,
  stateOf,
  type AnswerDocument,
  type SelfAssessmentDocument,
} from '../../domain/selfAssessment/selfAssessment';
import type { AnswerValue } from '../../domain/selfAssessment/plan';
import { milestoneStates, type MilestoneState } from '../../domain/timeline/cycleTimeline';
import { later } from '../../domain/timeline/waits';
import { buildSubmissionPayload, type BuiltPayload } from '../../domain/transmission/payload';
import {
  markSentToQueue,
  newTransmission,
  payloadBlobName,
  transmissionIdOf,
  type PayloadRef,
  type TransmissionDocument,
  type TransmissionStatus,
} from '../../domain/transmission/transmission';
import type { DocumentStore, Versioned } from '../../ports/documentStore';
import type { OutgoingMessage } from '../../ports/messageQueue';
import { inlinePayloadLimitBytes, transmissionMessageKind, type TransmissionMessage } from '../../schemas/transmission';
import { saveFactoryChange } from '../factories/factoryStore';
import { loadedPlan } from '../selfAssessment/bank';
import { factsOfCycle, readFactory } from '../timeline/cycleFacts';
import type { TransmissionDeps } from './deps';
import { changeTransmission, readTransmission, staffAlert, transmissionActor, transmissionAudit } from './records';

/** Where the Gateway calls back about a submission (below the API's public base URL). */
export const submissionCallbackPath = 'gateway/submission-callbacks';

export const payloadContentType = 'application/json';

export function sha256Of(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

// ---------------------------------------------------------------------------------------------------
// The payload (R17)
// ---------------------------------------------------------------------------------------------------

async function readAnswers(store: DocumentStore, selfAssessmentId: string): Promise<Map<string, AnswerDocument>> {
  const answers = new Map<string, AnswerDocument>();
  let continuation: string | undefined;
  do {
    const page = await store.query<AnswerDocument>(
      'selfAssessments',
      selfAssessmentId,
      { query: "SELECT * FROM c WHERE c.selfAssessmentId = @pk AND c.type = 'answer'" },
      { maxItems: 500, continuation }
    );
    for (const answer of page.items) answers.set(answer.questionId, answer);
    continuation = page.continuation;
  } while (continuation);
  return answers;
}

/** R17: the cycle's payload from what is stored, validated; every reason it cannot be sent otherwise. */
export async function buildCyclePayload(
  deps: Pick<TransmissionDeps, 'store' | 'banks' | 'settings'>,
  factory: FactoryDocument,
  cycle: CycleEntry
): Promise<BuiltPayload> {
  const problems: string[] = [];
  const saId = selfAssessmentIdOf(cycle.cycleId);
  const header = await deps.store.read<SelfAssessmentDocument>('selfAssessments', saId, saId);
  const assessment = await deps.store.read<ComplianceAssessmentDocument>(
    'factories',
    factory.countryCode,
    assessmentIdOf(cycle.cycleId)
  );
  if (!header || header.doc.type !== 'selfAssessment') problems.push(`there is no self-assessment ${saId}`);
  if (!assessment || assessment.doc.type !== 'complianceAssessment') {
    problems.push(`there is no compliance assessment of cycle ${cycle.cycleId}`);
  }
  if (!header || header.doc.type !== 'selfAssessment' || !assessment || problems.length > 0) {
    return { ok: false, problems };
  }
  const bank = await deps.banks.version(header.doc.toolVersion);
  const assessmentBank =
    assessment.doc.toolVersion === header.doc.toolVersion ? bank : await deps.banks.version(assessment.doc.toolVersion);
  if (!bank) return { ok: false, problems: [`the question bank version ${header.doc.toolVersion} is missing`] };
  if (!assessmentBank) {
    return { ok: false, problems: [`the question bank version ${assessment.doc.toolVersion} is missing`] };
  }
  let questions;
  try {
    const loaded = loadedPlan(bank, header.doc.step);
    const progress = progressOf(loaded.plan, stateOf(loaded.plan, header.doc));
    questions = loaded.plan.questions.map((q) => {
      const at = loaded.questionAt(q.index);
      return { id: q.id, section: at.section.code, step: at.question.step, applies: progress.applies[q.index]! };
    });
  } catch (error) {
    return { ok: false, problems: [`the self-assessment cannot be read: ${(error as Error).message}`] };
  }
  const answers = new Map<string, { value: AnswerValue; comment: string | undefined }>();
  for (const [questionId, answer] of await readAnswers(deps.store, saId)) {
    answers.set(questionId, { value: answer.value, comment: answer.comment?.trim() ? answer.comment : undefined });
  }
  const outline = complianceOutline(assessmentBank);
  const compliance = new Map(
    [...outline.byId.values()].map((q) => [q.id, { cluster: q.cluster, point: q.point, vccScope: q.vccScope }])
  );
  return buildSubmissionPayload({
    transmissionId: transmissionIdOf(cycle.cycleId),
    callbackUrl: `${deps.settings.publicApiBaseUrl}/${submissionCallbackPath}`,
    factory,
    cycle,
    selfAssessment: header.doc,
    questions,
    answers,
    assessment: assessment.doc,
    compliance,
  });
}

/** Keeps a valid payload in blob storage under a name made of its hash (a second write of it is a no-op). */
export async function storePayload(
  deps: Pick<TransmissionDeps, 'files'>,
  ref: { factoryId: string; cycleId: string; transmissionId: string },
  built: Extract<BuiltPayload, { ok: true }>
): Promise<PayloadRef> {
  const sha256 = sha256Of(built.json);
  const blobName = payloadBlobName(ref, sha256);
  await deps.files.create('transmissions', blobName, { content: built.json, contentType: payloadContentType });
  return { sha256, bytes: built.bytes, blobName, summary: built.payload.summary };
}

// ---------------------------------------------------------------------------------------------------
// The Service Bus message
// ---------------------------------------------------------------------------------------------------

/** The message of the record's current send: the payload inline when it fits, else the name of its blob. */
export function transmissionMessage(doc: TransmissionDocument, payloadJson: string | undefined): OutgoingMessage {
  if (!doc.payload) throw new Error(`Transmission ${doc.transmissionId} has no payload to send.`);
  const base: TransmissionMessage = {
    kind: transmissionMessageKind,
    transmissionId: doc.transmissionId,
    countryCode: doc.countryCode,
    factoryId: doc.factoryId,
    cycleId: doc.cycleId,
    payloadSha256: doc.payload.sha256,
    payloadBytes: doc.payload.bytes,
  };
  const inline = payloadJson === undefined ? undefined : { ...base, payload: payloadJson };
  const body =
    inline && Buffer.byteLength(JSON.stringify(inline), 'utf8') <= inlinePayloadLimitBytes
      ? inline
      : { ...base, payloadBlob: doc.payload.blobName };
  return {
    messageId: doc.messageId,
    body,
    subject: transmissionMessageKind,
    correlationId: doc.cycleId,
    applicationProperties: {
      transmissionId: doc.transmissionId,
      factoryId: doc.factoryId,
      cycleId: doc.cycleId,
      replay: doc.replays,
    },
  };
}

/** The payload's JSON text from blob storage, checked against the record's hash. */
export async function readPayload(deps: Pick<TransmissionDeps, 'files'>, payload: PayloadRef): Promise<string> {
  const file = await deps.files.read('transmissions', payload.blobName);
  if (!file) throw new Error(`The payload ${payload.blobName} is missing from blob storage.`);
  const json = file.content.toString('utf8');
  if (sha256Of(json) !== payload.sha256) throw new Error(`The payload ${payload.blobName} does not match its hash.`);
  return json;
}

/**
 * Sends the record's current message when it is queued and not marked sent, then marks it (with its audit
 * event). True when the current send is on the queue (now or before). A failed send throws; the record stays
 * unsent and a re-run or the sweep sends it.
 */
export async function sendQueuedTransmission(
  deps: Pick<TransmissionDeps, 'store' | 'clock' | 'files' | 'queue'>,
  ref: { countryCode: string; transmissionId: string },
  payloadJson?: string
): Promise<boolean> {
  const current = await readTransmission(deps.store, ref.countryCode, ref.transmissionId);
  return current ? (await sendTransmissionMessage(deps, current, payloadJson)).sent : false;
}

/**
 * The same from a version of the record the caller just read or wrote (no read of its own); answers whether the
 * message is on the queue and the record as it is afterwards.
 */
export async function sendTransmissionMessage(
  deps: Pick<TransmissionDeps, 'store' | 'clock' | 'files' | 'queue'>,
  current: Versioned<TransmissionDocument>,
  payloadJson?: string
): Promise<{ sent: boolean; latest: Versioned<TransmissionDocument> }> {
  if (current.doc.status !== 'queued') return { sent: false, latest: current };
  if (current.doc.sentToQueueAt !== null) return { sent: true, latest: current };
  const json = payloadJson ?? (current.doc.payload ? await readPayload(deps, current.doc.payload) : undefined);
  const message = transmissionMessage(current.doc, json);
  await deps.queue.send(transmissionQueue.name, [message]);
  const marked = await changeTransmission(
    deps.store,
    deps.clock,
    current.doc,
    async (latest) => {
      if (latest.doc.messageId !== message.messageId) return undefined;
      const after = markSentToQueue(latest.doc, deps.clock.now().toISOString());
      return after ? { after, action: 'transmission.sentToQueue' } : undefined;
    },
    current
  );
  const latest = marked.doc && marked.etag ? { doc: marked.doc, etag: marked.etag } : current;
  return { sent: true, latest };
}

// ---------------------------------------------------------------------------------------------------
// Queueing (the timeline's R17 activity, for a cycle shared by preference or by an R19 request)
// ---------------------------------------------------------------------------------------------------

export interface QueueOutcome {
  acted: boolean;
  at: string | null;
  reason: string | null;
  transmissionId: string;
  status: TransmissionStatus | null;
  /** The message is on the queue. */
  sentToQueue: boolean;
}

function describe(state: MilestoneState): string {
  switch (state.state) {
    case 'waiting':
      return `waiting for ${state.for}`;
    case 'missed':
    case 'notApplicable':
      return state.reason;
    case 'scheduled':
      return `not due before ${state.dueAt}`;
    default:
      return state.state;
  }
}

const maxQueueAttempts = 5;

/**
 * R17: queues the cycle's transmission when its hand-off is due (report released; sharing effective for the
 * cycle, Gateway connected, self-assessment submitted) and records the hand-off in the same batch. When the
 * hand-off is done already, makes sure its message went (a crash after the batch). `asOf` is when the
 * orchestration decided (the later of it and the clock counts).
 */
export async function queueCycleTransmission(
  deps: TransmissionDeps,
  ref: { factoryId: string; cycleId: string },
  options: {
    actor: Principal;
    asOf?: Date;
    /** A failed send is thrown (the activity is retried) unless this takes it (then the sweep sends it). */
    onSendError?: (error: unknown) => void;
  }
): Promise<QueueOutcome> {
  const send = async (ref: { countryCode: string; transmissionId: string }, payloadJson?: string) => {
    try {
      return await sendQueuedTransmission(deps, ref, payloadJson);
    } catch (error) {
      if (!options.onSendError) throw error;
      options.onSendError(error);
      return false;
    }
  };
  const transmissionId = transmissionIdOf(ref.cycleId);
  const outcome = (fields: Partial<QueueOutcome>): QueueOutcome => ({
    acted: false,
    at: null,
    reason: null,
    transmissionId,
    status: null,
    sentToQueue: false,
    ...fields,
  });
  for (let attempt = 1; ; attempt++) {
    const loaded = await readFactory(deps.store, ref.factoryId);
    if (!loaded) return outcome({ reason: 'the factory is not found' });
    const now = deps.clock.now();
    const decidedAt = options.asOf ? later(now, options.asOf) : now;
    const facts = await factsOfCycle(deps.store, loaded.doc, ref.cycleId, decidedAt);
    const cycle = loaded.doc.cycles.find((c) => c.cycleId === ref.cycleId);
    if (!facts || !cycle) return outcome({ reason: 'the cycle is not found' });
    const state = milestoneStates(facts, decidedAt).readyToTransmit;
    const existing = await readTransmission(deps.store, loaded.doc.countryCode, transmissionId);
    if (state.state === 'done' || existing) {
      const sent = existing ? await send(existing.doc) : false;
      return outcome({
        reason: `already done at ${facts.readyToTransmitAt ?? existing?.doc.queuedAt ?? '?'}`,
        at: facts.readyToTransmitAt ?? existing?.doc.queuedAt ?? null,
        status: existing?.doc.status ?? null,
        sentToQueue: sent || existing?.doc.sentToQueueAt != null,
      });
    }
    if (state.state !== 'due') return outcome({ reason: describe(state) });

    const built = await buildCyclePayload(deps, loaded.doc, cycle);
    const at = now.toISOString();
    const payload = built.ok ? await storePayload(deps, { ...ref, transmissionId }, built) : null;
    const record = newTransmission({
      factoryId: loaded.doc.factoryId,
      countryCode: loaded.doc.countryCode,
      cycleId: ref.cycleId,
      gatewayFacilityId: loaded.doc.gateway.gatewayFacilityId ?? null,
      // The factory's own request after the assessment (R19) rather than its preference for the cycle (R17).
      trigger: cycle.midCycleRequest ? 'R19' : 'R17',
      payload,
      invalidReasons: built.ok ? [] : built.problems,
      now: at,
    });
    const handedOff: FactoryDocument = {
      ...loaded.doc,
      cycles: loaded.doc.cycles.map((c) =>
        c.cycleId === ref.cycleId ? { ...c, readyToTransmitAt: at, transmission: { transmissionId, queuedAt: at } } : c
      ),
    };
    const deliver = built.ok
      ? []
      : await staffAlert(deps.store, deps.settings.portalBaseUrl, record, {
          subject: `Not transmitted to the SLCP Gateway: ${loaded.doc.name}`,
          text:
            `The data of ${loaded.doc.name} for cycle ${ref.cycleId} was not sent to the SLCP Gateway: it failed ` +
            `validation (R17). ${built.problems.slice(0, 5).join('; ')}. Fix the cause, then replay the transmission.`,
        });
    try {
      await saveFactoryChange(deps.store, deps.clock, {
        actor: options.actor,
        action: 'timeline.readyToTransmit',
        before: loaded,
        after: handedOff,
        ifMatch: loaded.etag,
        deliver,
        alsoWrite: [
          { kind: 'create', doc: record },
          {
            kind: 'create',
            doc: transmissionAudit(record, options.actor, at, {
              action: record.status === 'invalid' ? 'transmission.invalid' : 'transmission.queued',
              before: null,
              after: record,
            }),
          },
        ],
      });
    } catch (error) {
      const raced = error instanceof PreconditionFailedError || error instanceof ConflictError;
      if (!raced || attempt >= maxQueueAttempts) throw error;
      continue; // the factory changed meanwhile (or another run queued it): decide again on what is stored now
    }
    const sent = built.ok ? await send({ countryCode: record.countryCode, transmissionId }, built.json) : false;
    return outcome({ acted: true, at, status: record.status, sentToQueue: sent });
  }
}

/** The same, by the timeline (R17, and R19 once the factory asked): acts as the scheduler. */
export function queueTransmissionOnTimeline(
  deps: TransmissionDeps,
  input: { factoryId: string; cycleId: string; asOf: string },
  actor: Principal
): Promise<QueueOutcome> {
  return queueCycleTransmission(deps, input, { actor, asOf: new Date(input.asOf) });
}

/** Every queued transmission whose message did not reach the queue `olderThanMs` after it was queued. */
export async function resendUnsentTransmissions(
  deps: Pick<TransmissionDeps, 'store' | 'clock' | 'files' | 'queue'>,
  options: { olderThanMs: number; log?: (line: string) => void }
): Promise<{ found: number; sent: number; failed: number }> {
  const before = deps.clock.now().getTime() - options.olderThanMs;
  const queued = await deps.store.queryAcrossPartitions<TransmissionDocument>('factories', {
    query: "SELECT * FROM c WHERE c.type = 'transmission' AND c.status = 'queued'",
  });
  const unsent = queued.filter((t) => t.sentToQueueAt === null && Date.parse(t.queuedAt) <= before);
  let sent = 0;
  let failed = 0;
  for (const doc of unsent) {
    try {
      if (await sendQueuedTransmission(deps, doc)) sent++;
    } catch (error) {
      failed++;
      options.log?.(
        `transmission ${doc.transmissionId} could not be sent: ${(error as Error)?.message ?? String(error)}`
      );
    }
  }
  return { found: unsent.length, sent, failed };
}

export { transmissionActor };
