// R11-R13 use cases: staff activate a service cycle; the factory manager starts its self-assessment, answers
// question by question, clears answers and submits; the manager, the factory's advisors, staff and assessors
// of its country and administrators read the overview and the questions. An answer costs one read (the
// header, with its ETag) and one transactional batch (the header with If-Match, the answer, its audit event);
// two people answering at once never lose an answer: the loser of the race reads again and retries.
// (Within one instance the changes of one assessment take turns, so they rarely race at all.)
import { randomUUID } from 'node:crypto';
import type { Principal } from '../../domain/access/roles';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../../domain/errors';
import { activateCycle } from '../../domain/factory/cycles';
import { questionIdPattern } from '../../domain/questionBank/vocabulary';
import type { CycleEntry, FactoryDocument } from '../../domain/factory/factory';
import type { AnswerValue, PlanQuestion, Step } from '../../domain/selfAssessment/plan';
import { progressOf, type Progress } from '../../domain/selfAssessment/progress';
import {
  answerDocId,
  assertCycleActivated,
  clearAnswer as clearAnswerRule,
  giveAnswer,
  newSelfAssessment,
  selfAssessmentIdOf,
  stateOf,
  submit,
  type AnswerDocument,
  type SelfAssessmentAuditDocument,
  type SelfAssessmentDocument,
} from '../../domain/selfAssessment/selfAssessment';
import type { Clock } from '../../ports/clock';
import type { DocumentStore, Versioned, WriteOperation } from '../../ports/documentStore';
import { loadFactoryFor, saveFactoryChange } from '../factories/factoryStore';
import { actorOf } from '../users/userDirectory';
import { authorizeSelfAssessment, selfAssessmentNotFound } from './access';
import { loadedPlan, type LoadedPlan, type QuestionBanks } from './bank';

export interface SelfAssessmentDeps {
  store: DocumentStore;
  clock: Clock;
  banks: QuestionBanks;
}

/** How often an answer re-reads and retries when someone else changed the assessment meanwhile. */
export const maxAnswerAttempts = 10;

// ---------------------------------------------------------------------------------------------------
// R11: activation
// ---------------------------------------------------------------------------------------------------

export interface ActivatedCycle {
  factoryId: string;
  cycle: CycleEntry;
  /** False when it was already activated (nothing was written). */
  changed: boolean;
}

/** R11: registration staff of the factory's country (or an administrator) activate a service cycle; idempotent. */
export async function activateServiceCycle(
  deps: Pick<SelfAssessmentDeps, 'store' | 'clock'>,
  principal: Principal,
  factoryId: string,
  cycleId: string
): Promise<ActivatedCycle> {
  const actor = await actorOf(deps.store, principal);
  const loaded = await loadFactoryFor(deps.store, actor, factoryId, 'registerCycle');
  const result = activateCycle(loaded.doc, cycleId, principal.userId, deps.clock.now());
  if (result.changed) {
    await saveFactoryChange(deps.store, deps.clock, {
      actor: principal,
      action: 'cycleActivated',
      before: loaded,
      after: result.factory,
    });
  }
  return { factoryId, cycle: result.cycle, changed: result.changed };
}

// ---------------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------------

export interface LoadedSelfAssessment {
  header: SelfAssessmentDocument;
  etag: string;
  loaded: LoadedPlan;
  progress: Progress;
}

async function planFor(deps: SelfAssessmentDeps, header: SelfAssessmentDocument): Promise<LoadedPlan> {
  const bank = await deps.banks.version(header.toolVersion);
  if (!bank)
    throw new Error(
      `Self-assessment ${header.selfAssessmentId} is on tool version ${header.toolVersion}, which is missing.`
    );
  return loadedPlan(bank, header.step);
}

async function readHeader(
  deps: SelfAssessmentDeps,
  selfAssessmentId: string
): Promise<Versioned<SelfAssessmentDocument>> {
  const read = await deps.store.read<SelfAssessmentDocument>('selfAssessments', selfAssessmentId, selfAssessmentId);
  if (!read || read.doc.type !== 'selfAssessment') throw selfAssessmentNotFound(selfAssessmentId);
  return read;
}

async function load(deps: SelfAssessmentDeps, selfAssessmentId: string): Promise<LoadedSelfAssessment> {
  const read = await readHeader(deps, selfAssessmentId);
  const loaded = await planFor(deps, read.doc);
  return {
    header: read.doc,
    etag: read.etag,
    loaded,
    progress: progressOf(loaded.plan, stateOf(loaded.plan, read.doc)),
  };
}

function questionOf(loaded: LoadedPlan, selfAssessmentId: string, questionId: string): PlanQuestion {
  const question = loaded.plan.byId.get(questionId);
  if (!question) {
    throw new NotFoundError(
      `Self-assessment ${selfAssessmentId} (tool ${loaded.plan.version}, Step ${loaded.plan.step}) has no question ${questionId}.`
    );
  }
  return question;
}

function auditOf(
  header: SelfAssessmentDocument,
  principal: Principal,
  at: string,
  event: Pick<SelfAssessmentAuditDocument, 'action' | 'before' | 'after'> & { questionId?: string }
): SelfAssessmentAuditDocument {
  return {
    id: `audit-${randomUUID()}`,
    type: 'audit',
    selfAssessmentId: header.selfAssessmentId,
    factoryId: header.factoryId,
    at,
    actor: { userId: principal.userId, roles: [...principal.roles] },
    ...event,
  };
}

type Change<T> = (current: LoadedSelfAssessment) => {
  result: T;
  header?: SelfAssessmentDocument;
  alsoWrite?: WriteOperation[];
};

/** Changes of one self-assessment queued in this process, per store: they take turns instead of racing. */
const queues = new WeakMap<DocumentStore, Map<string, Promise<unknown>>>();

/** Runs `work` once the changes of the same self-assessment queued before it in this process have settled. */
function inTurn<T>(store: DocumentStore, key: string, work: () => Promise<T>): Promise<T> {
  let perStore = queues.get(store);
  if (!perStore) queues.set(store, (perStore = new Map()));
  const queue = perStore;
  const run = (queue.get(key) ?? Promise.resolve()).then(work);
  const tail = run.catch(() => undefined);
  queue.set(key, tail);
  void tail.then(() => {
    if (queue.get(key) === tail) queue.delete(key);
  });
  return run;
}

/**
 * Reads the header, computes the change and writes it with If-Match on the header in one batch. Changes of
 * one assessment reaching the same instance take turns, so they do not spend round trips racing each other;
 * when another instance changed the assessment meanwhile (412), it reads again and retries, a few times,
 * with jittered backoff. An answer is never lost: it lands, or its request fails (409) and says so.
 */
function readModifyWrite<T>(deps: SelfAssessmentDeps, selfAssessmentId: string, change: Change<T>): Promise<T> {
  return inTurn(deps.store, selfAssessmentId, () => attemptChange(deps, selfAssessmentId, change));
}

async function attemptChange<T>(deps: SelfAssessmentDeps, selfAssessmentId: string, change: Change<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await load(deps, selfAssessmentId);
    const { result, header, alsoWrite = [] } = change(current);
    if (!header) return result;
    try {
      await deps.store.write('selfAssessments', selfAssessmentId, [
        { kind: 'replace', doc: header, ifMatch: current.etag },
        ...alsoWrite,
      ]);
      return result;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
      if (attempt >= maxAnswerAttempts) {
        throw new ConflictError(
          `Self-assessment ${selfAssessmentId} is being changed by others right now; your change was not taken, send it again.`
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** attempt)));
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// R11: start
// ---------------------------------------------------------------------------------------------------

/** R11: the factory manager starts the self-assessment of an activated cycle, on the latest tool version. */
export async function startSelfAssessment(
  deps: SelfAssessmentDeps,
  principal: Principal,
  factoryId: string,
  input: { cycleId: string; step: Step }
): Promise<LoadedSelfAssessment> {
  const actor = await actorOf(deps.store, principal);
  const factory = await loadFactoryFor(deps.store, actor, factoryId, 'answerSelfAssessment');
  const cycle = cycleOf(factory.doc, input.cycleId);
  assertCycleActivated(cycle);
  const bank = await deps.banks.latest();
  const loaded = loadedPlan(bank, input.step);
  const now = deps.clock.now().toISOString();
  const header = newSelfAssessment({
    cycle,
    factoryId,
    step: input.step,
    plan: loaded.plan,
    userId: principal.userId,
    now,
  });
  const audit = auditOf(header, principal, now, {
    action: 'selfAssessmentStarted',
    before: null,
    after: { cycleId: header.cycleId, step: header.step, toolVersion: header.toolVersion },
  });
  try {
    const [etag] = await deps.store.write('selfAssessments', header.selfAssessmentId, [
      { kind: 'create', doc: header },
      { kind: 'create', doc: audit },
    ]);
    return { header, etag: etag!, loaded, progress: progressOf(loaded.plan, stateOf(loaded.plan, header)) };
  } catch (error) {
    if (error instanceof ConflictError) {
      throw new ConflictError(
        `The self-assessment of cycle ${cycle.cycleId} was already started: ${selfAssessmentIdOf(cycle.cycleId)} (one per cycle).`
      );
    }
    throw error;
  }
}

function cycleOf(factory: FactoryDocument, cycleId: string): CycleEntry {
  const cycle = factory.cycles.find((c) => c.cycleId === cycleId);
  if (!cycle) throw new NotFoundError(`Factory ${factory.factoryId} has no cycle ${cycleId}.`);
  return cycle;
}

// ---------------------------------------------------------------------------------------------------
// R12: reading
// ---------------------------------------------------------------------------------------------------

/** The overview: one point read of the header; progress is computed in memory. */
export async function readSelfAssessment(
  deps: SelfAssessmentDeps,
  principal: Principal,
  selfAssessmentId: string
): Promise<LoadedSelfAssessment> {
  await authorizeSelfAssessment(deps.store, principal, selfAssessmentId, 'readSelfAssessment');
  return load(deps, selfAssessmentId);
}

export interface ReadQuestion extends LoadedSelfAssessment {
  question: PlanQuestion;
  answer: AnswerDocument | undefined;
}

/** One question with its current answer: the header and the answer, read side by side. */
export async function readQuestion(
  deps: SelfAssessmentDeps,
  principal: Principal,
  selfAssessmentId: string,
  questionId: string
): Promise<ReadQuestion> {
  await authorizeSelfAssessment(deps.store, principal, selfAssessmentId, 'readSelfAssessment');
  // Only well-formed ids reach the database as a document id (the header and the answer are read together).
  if (!questionIdPattern.test(questionId)) {
    throw new NotFoundError(`Self-assessment ${selfAssessmentId} has no question ${questionId}.`);
  }
  const [current, answer] = await Promise.all([
    load(deps, selfAssessmentId),
    deps.store.read<AnswerDocument>('selfAssessments', selfAssessmentId, answerDocId(questionId)),
  ]);
  const question = questionOf(current.loaded, selfAssessmentId, questionId);
  return { ...current, question, answer: answer?.doc.type === 'answer' ? answer.doc : undefined };
}

// ---------------------------------------------------------------------------------------------------
// R12: answering
// ---------------------------------------------------------------------------------------------------

export interface AnswerOutcome {
  header: SelfAssessmentDocument;
  loaded: LoadedPlan;
  progress: Progress;
  question: PlanQuestion;
  /** False after a clear. */
  answered: boolean;
}

/** R12: one answer (and an optional comment), validated; frozen after submission (409). */
export async function answerQuestion(
  deps: SelfAssessmentDeps,
  principal: Principal,
  selfAssessmentId: string,
  questionId: string,
  input: { value: unknown; comment?: string | undefined }
): Promise<AnswerOutcome> {
  await authorizeSelfAssessment(deps.store, principal, selfAssessmentId, 'answerSelfAssessment');
  return readModifyWrite(deps, selfAssessmentId, (current) => {
    const question = questionOf(current.loaded, selfAssessmentId, questionId);
    const now = deps.clock.now().toISOString();
    const change = giveAnswer(current.loaded.plan, current.header, question, input.value, now);
    const comment = input.comment?.trim() ? input.comment : undefined;
    const answer: AnswerDocument = {
      id: answerDocId(question.id),
      type: 'answer',
      selfAssessmentId,
      questionId: question.id,
      value: input.value as AnswerValue,
      comment,
      answeredAt: now,
      answeredBy: principal.userId,
    };
    const audit = auditOf(current.header, principal, now, {
      action: 'answerGiven',
      questionId: question.id,
      before: null,
      after: comment === undefined ? { value: answer.value } : { value: answer.value, comment },
    });
    return {
      result: { header: change.header, loaded: current.loaded, progress: change.progress, question, answered: true },
      header: change.header,
      alsoWrite: [
        { kind: 'upsert', doc: answer },
        { kind: 'create', doc: audit },
      ],
    };
  });
}

/** Clears an answer before submission; clearing a question without an answer writes nothing. */
export async function clearAnswer(
  deps: SelfAssessmentDeps,
  principal: Principal,
  selfAssessmentId: string,
  questionId: string
): Promise<AnswerOutcome> {
  await authorizeSelfAssessment(deps.store, principal, selfAssessmentId, 'answerSelfAssessment');
  return readModifyWrite(deps, selfAssessmentId, (current) => {
    const question = questionOf(current.loaded, selfAssessmentId, questionId);
    const now = deps.clock.now().toISOString();
    const change = clearAnswerRule(current.loaded.plan, current.header, question, now);
    if (!change) {
      return {
        result: {
          header: current.header,
          loaded: current.loaded,
          progress: current.progress,
          question,
          answered: false,
        },
      };
    }
    const audit = auditOf(current.header, principal, now, {
      action: 'answerCleared',
      questionId: question.id,
      before: null,
      after: null,
    });
    return {
      result: { header: change.header, loaded: current.loaded, progress: change.progress, question, answered: false },
      header: change.header,
      alsoWrite: [
        { kind: 'delete', id: answerDocId(question.id), ifMatch: undefined },
        { kind: 'create', doc: audit },
      ],
    };
  });
}

// ---------------------------------------------------------------------------------------------------
// R13: submission
// ---------------------------------------------------------------------------------------------------

export interface SubmittedSelfAssessment {
  header: SelfAssessmentDocument;
  loaded: LoadedPlan;
  progress: Progress;
  facilityProfile: ReturnType<typeof submit>['check']['facilityProfile'];
  submissionDate: { questionId: string; value: string } | undefined;
}

/** R13: submit at ≥ 95 % with the Facility Profile 100 % (else 422 with the numbers and what is missing). */
export async function submitSelfAssessment(
  deps: SelfAssessmentDeps,
  principal: Principal,
  selfAssessmentId: string
): Promise<SubmittedSelfAssessment> {
  await authorizeSelfAssessment(deps.store, principal, selfAssessmentId, 'answerSelfAssessment');
  return readModifyWrite(deps, selfAssessmentId, (current) => {
    const now = deps.clock.now();
    const at = now.toISOString();
    const submission = submit(current.loaded.plan, current.header, principal.userId, now);
    const writes: WriteOperation[] = [];
    if (submission.submissionDate) {
      const answer: AnswerDocument = {
        id: answerDocId(submission.submissionDate.question.id),
        type: 'answer',
        selfAssessmentId,
        questionId: submission.submissionDate.question.id,
        value: submission.submissionDate.value,
        comment: undefined,
        answeredAt: at,
        answeredBy: principal.userId,
      };
      writes.push({ kind: 'upsert', doc: answer });
    }
    writes.push({
      kind: 'create',
      doc: auditOf(current.header, principal, at, {
        action: 'selfAssessmentSubmitted',
        before: { status: current.header.status },
        after: {
          status: 'submitted',
          answered: submission.check.overall.answered,
          applicable: submission.check.overall.applicable,
          ...(submission.submissionDate
            ? { [submission.submissionDate.question.id]: submission.submissionDate.value }
            : {}),
        },
      }),
    });
    const progress = progressOf(current.loaded.plan, stateOf(current.loaded.plan, submission.header));
    return {
      result: {
        header: submission.header,
        loaded: current.loaded,
        progress,
        facilityProfile: submission.check.facilityProfile,
        submissionDate: submission.submissionDate
          ? { questionId: submission.submissionDate.question.id, value: submission.submissionDate.value }
          : undefined,
      },
      header: submission.header,
      alsoWrite: writes,
    };
  });
}
