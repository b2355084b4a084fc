// R11, R12, R13: the SLCP self-assessment of a factory for one service cycle, as stored (container
// `selfAssessments`, partition = selfAssessmentId): a header with the compact progress state, one document
// per answer, and the audit events, all in one partition so an answer is one transactional batch. Pure.
import { ConflictError, RuleViolationError, ValidationError } from '../errors';
import { factoryIdPattern, type CycleEntry } from '../factory/factory';
import type { StoredDocument } from '../../ports/documentStore';
import { answerProblems } from './answers';
import type { AnswerValue, AssessmentPlan, PlanQuestion, Step } from './plan';
import {
  checkSubmission,
  decodeProgress,
  emptyProgress,
  encodeProgress,
  progressOf,
  withAnswer,
  type Progress,
  type ProgressState,
  type StoredProgress,
  type SubmissionCheck,
} from './progress';

/** One self-assessment per cycle: `${cycleId}-SA`, e.g. `BD-7KQ2M9XA-C1-SA`, so its factory and partition follow from the id. */
export const selfAssessmentIdPattern = /^([A-Z]{2}-[0-9A-Z]{8})-C([1-9][0-9]{0,3})-SA$/;

export function selfAssessmentIdOf(cycleId: string): string {
  return `${cycleId}-SA`;
}

/** The factory and cycle a self-assessment id names; undefined for anything that is not one. */
export function parseSelfAssessmentId(
  id: string
): { factoryId: string; countryCode: string; cycleId: string } | undefined {
  const match = selfAssessmentIdPattern.exec(id);
  if (!match || !factoryIdPattern.test(match[1]!)) return undefined;
  return { factoryId: match[1]!, countryCode: match[1]!.slice(0, 2), cycleId: `${match[1]}-C${match[2]}` };
}

export interface SelfAssessmentDocument extends StoredDocument {
  type: 'selfAssessment';
  /** Same as selfAssessmentId. */
  id: string;
  selfAssessmentId: string;
  factoryId: string;
  countryCode: string;
  cycleId: string;
  step: Step;
  /** The question bank version it started on; it stays on it. */
  toolVersion: string;
  status: 'open' | 'submitted';
  startedAt: string;
  startedBy: string;
  submittedAt: string | undefined;
  submittedBy: string | undefined;
  progress: StoredProgress;
  updatedAt: string;
}

export const answerDocId = (questionId: string) => `answer-${questionId}`;

export interface AnswerDocument extends StoredDocument {
  type: 'answer';
  /** `answer-<questionId>` */
  id: string;
  selfAssessmentId: string;
  questionId: string;
  value: AnswerValue;
  comment: string | undefined;
  answeredAt: string;
  answeredBy: string;
}

/**
 * Who did what to a self-assessment, written in the same batch as the change. An answer event holds the
 * answer given (`after`); the answer it replaced is the `after` of that question's previous event.
 */
export interface SelfAssessmentAuditDocument extends StoredDocument {
  type: 'audit';
  selfAssessmentId: string;
  factoryId: string;
  at: string;
  actor: { userId: string; roles: string[] };
  action: 'selfAssessmentStarted' | 'answerGiven' | 'answerCleared' | 'selfAssessmentSubmitted';
  questionId?: string;
  before: unknown;
  after: unknown;
}

/** R11: staff activated the service cycle, so its self-assessment may start. */
export function assertCycleActivated(cycle: CycleEntry): void {
  if (!cycle.activatedAt) {
    throw new RuleViolationError(
      'R11',
      `The self-assessment of cycle ${cycle.cycleId} opens once Better Work has activated the service cycle; it is not activated yet.`
    );
  }
}

export function newSelfAssessment(fields: {
  cycle: CycleEntry;
  factoryId: string;
  step: Step;
  plan: AssessmentPlan;
  userId: string;
  now: string;
}): SelfAssessmentDocument {
  assertCycleActivated(fields.cycle);
  const id = selfAssessmentIdOf(fields.cycle.cycleId);
  return {
    id,
    type: 'selfAssessment',
    selfAssessmentId: id,
    factoryId: fields.factoryId,
    countryCode: fields.factoryId.slice(0, 2),
    cycleId: fields.cycle.cycleId,
    step: fields.step,
    toolVersion: fields.plan.version,
    status: 'open',
    startedAt: fields.now,
    startedBy: fields.userId,
    submittedAt: undefined,
    submittedBy: undefined,
    progress: encodeProgress(emptyProgress(fields.plan)),
    updatedAt: fields.now,
  };
}

export function stateOf(plan: AssessmentPlan, header: SelfAssessmentDocument): ProgressState {
  return decodeProgress(plan, header.progress);
}

function assertOpen(header: SelfAssessmentDocument): void {
  if (header.status !== 'open') {
    throw new ConflictError(
      `Self-assessment ${header.selfAssessmentId} was submitted on ${header.submittedAt}; its answers are frozen (R13).`
    );
  }
}

export interface AnswerChange {
  header: SelfAssessmentDocument;
  progress: Progress;
}

/**
 * R12: takes one answer: the assessment is open (else 409), the question applies given the answers so far
 * (else 422), and the value fits the question's type and bounds (else 400 with the field details).
 */
export function giveAnswer(
  plan: AssessmentPlan,
  header: SelfAssessmentDocument,
  question: PlanQuestion,
  value: unknown,
  now: string
): AnswerChange {
  assertOpen(header);
  const state = stateOf(plan, header);
  if (!progressOf(plan, state).applies[question.index]) {
    throw new RuleViolationError(
      'R12',
      `Question ${question.id} does not apply: its condition on ${question.condition?.questionId} is not met by the answers so far.`
    );
  }
  const problems = answerProblems(question.answer, value);
  if (problems.length > 0) {
    throw new ValidationError(`The answer does not fit question ${question.id} (${question.answer.type}).`, problems);
  }
  const next = withAnswer(plan, state, question, value as AnswerValue);
  return { header: { ...header, progress: encodeProgress(next), updatedAt: now }, progress: progressOf(plan, next) };
}

/** Clears an answer (open assessments only); undefined when the question has no answer (nothing to do). */
export function clearAnswer(
  plan: AssessmentPlan,
  header: SelfAssessmentDocument,
  question: PlanQuestion,
  now: string
): AnswerChange | undefined {
  assertOpen(header);
  const state = stateOf(plan, header);
  if (!state.answered.has(question.index)) return undefined;
  const next = withAnswer(plan, state, question, undefined);
  return { header: { ...header, progress: encodeProgress(next), updatedAt: now }, progress: progressOf(plan, next) };
}

export interface Submission {
  header: SelfAssessmentDocument;
  check: SubmissionCheck;
  /** The submission date answer the platform fills in (FP-BAS-26 style), when the tool has that question. */
  submissionDate: { question: PlanQuestion; value: string } | undefined;
}

/**
 * R13: submits when overall completion is at least 95 % and the Facility Profile section is 100 %, counted
 * with the submission date filled in from the clock; otherwise 422 with the numbers and what is missing.
 * After submission the answers are frozen.
 */
export function submit(plan: AssessmentPlan, header: SelfAssessmentDocument, userId: string, now: Date): Submission {
  assertOpen(header);
  let state = stateOf(plan, header);
  const dateQuestion = plan.submissionDateIndex === undefined ? undefined : plan.questions[plan.submissionDateIndex];
  const day = now.toISOString().slice(0, 10);
  if (dateQuestion) state = withAnswer(plan, state, dateQuestion, day);
  const check = checkSubmission(plan, progressOf(plan, state));
  if (!check.allowed) throw new SubmissionRefusedError(check);
  const at = now.toISOString();
  return {
    header: {
      ...header,
      status: 'submitted',
      submittedAt: at,
      submittedBy: userId,
      progress: encodeProgress(state),
      updatedAt: at,
    },
    check,
    submissionDate: dateQuestion ? { question: dateQuestion, value: day } : undefined,
  };
}

/** R13 refused: the 422 carries the numbers and what is missing. */
export class SubmissionRefusedError extends RuleViolationError {
  override name = 'SubmissionRefusedError';
  constructor(readonly check: SubmissionCheck) {
    super('R13', `The self-assessment cannot be submitted yet: ${check.reasons.join('; ')}.`, {
      completion: {
        overall: check.overall,
        facilityProfile: check.facilityProfile,
        requiredPercent: { overall: 95, facilityProfile: 100 },
      },
      missing: { facilityProfile: check.missingFacilityProfile, all: check.missing },
    });
  }
}
