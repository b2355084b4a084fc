// R15, R14: Better Work's compliance assessment of a factory for one service cycle, as stored (container
// `factories`, partition = country code, beside the factory, so completing it writes the factory's cycle, the
// assessment and the audit event in one transactional batch). One document per assessment holds its findings
// (one per question in scope, at most a few hundred small entries), so a finding, or all of them in one
// request, is one read and one conditional write. The findings are Better Work's own: the self-assessment is
// shown to the assessors but never copied into them (R15). Pure: time is passed in.
import { utcDay, isCalendarDate } from '../countryProgrammes';
import { ConflictError, NotFoundError, RuleViolationError, ValidationError } from '../errors';
import type { CycleEntry, FactoryDocument } from '../factory/factory';
import type { StoredDocument } from '../../ports/documentStore';
import type { ComplianceCluster } from '../questionBank/vocabulary';
import { inScope, scopeOf, type AssessmentMethod, type ComplianceOutline } from './scope';

/** One compliance assessment per cycle: `${cycleId}-CA`, e.g. `BD-7KQ2M9XA-C1-CA`. */
export function assessmentIdOf(cycleId: string): string {
  return `${cycleId}-CA`;
}

export const findingResults = ['compliant', 'nonCompliant'] as const;
export type FindingResult = (typeof findingResults)[number];

/** Notes stay short enough that every finding of an assessment fits one document and one request. */
export const findingNotesMaxLength = 1000;
/** An assessment has one to four assessors (Better Work sends two). */
export const assessorCount = { min: 1, max: 4 } as const;
/** The longest an assessment may last, first to last day: a visit takes two days, a VCC a few more. */
export const maxAssessmentDays = 14;

export interface StoredFinding {
  result: FindingResult;
  notes: string | undefined;
  recordedAt: string;
  recordedBy: string;
}

/**
 * R14: whether the factory's wish to share and its submitted self-assessment reached Better Work before the
 * assessment (its first day). Facts for Better Work staff only: they speak of SLCP participation (R21).
 */
export interface TimingFacts {
  /** The moment the facts are measured against: the first day of the assessment, 00:00 UTC. */
  assessmentStartsAt: string;
  sharingWish: {
    /** The factory's request to share via SLCP, when it has one standing. */
    requestedAt: string | null;
    /** Sharing via SLCP applies to this cycle (the request came before the cycle was registered: R2, R23). */
    effectiveForCycle: boolean;
    reachedBeforeAssessment: boolean;
  };
  selfAssessment: {
    selfAssessmentId: string | null;
    status: 'notStarted' | 'open' | 'submitted';
    submittedAt: string | null;
    reachedBeforeAssessment: boolean;
  };
  /** When these facts were taken (at creation, again at completion). */
  recordedAt: string;
}

export interface ComplianceAssessmentDocument extends StoredDocument {
  type: 'complianceAssessment';
  /** Same as assessmentId. */
  id: string;
  assessmentId: string;
  factoryId: string;
  countryCode: string;
  cycleId: string;
  /** The question bank version whose Step 1 questions it assesses (the self-assessment's, else the latest). */
  toolVersion: string;
  method: AssessmentMethod;
  firstDay: string;
  lastDay: string;
  /** The user ids of the assessors (Better Work people of the factory's country programme). */
  assessorUserIds: string[];
  status: 'inProgress' | 'completed';
  createdAt: string;
  createdBy: string;
  completedAt: string | undefined;
  completedBy: string | undefined;
  timing: TimingFacts;
  /** By question id; only questions in the assessment's scope. */
  findings: Record<string, StoredFinding>;
  updatedAt: string;
}

export interface AssessmentPlanInput {
  method: AssessmentMethod;
  firstDay: string;
  lastDay: string;
}

/** The self-assessment facts R14 needs: none when the factory has not started one for the cycle. */
export interface SelfAssessmentFacts {
  selfAssessmentId: string;
  status: 'open' | 'submitted';
  submittedAt: string | undefined;
}

/** R14: the timing facts of an assessment starting on `firstDay`, from the factory and its self-assessment. */
export function timingFacts(input: {
  factory: FactoryDocument;
  cycle: CycleEntry;
  selfAssessment: SelfAssessmentFacts | undefined;
  firstDay: string;
  now: Date;
}): TimingFacts {
  const startsAt = `${input.firstDay}T00:00:00.000Z`;
  const before = (at: string | undefined) => at !== undefined && Date.parse(at) < Date.parse(startsAt);
  const requestedAt = input.factory.sharing.requestedAt;
  const effective = input.cycle.sharingEffective;
  const sa = input.selfAssessment;
  const submittedAt = sa?.status === 'submitted' ? sa.submittedAt : undefined;
  return {
    assessmentStartsAt: startsAt,
    sharingWish: {
      requestedAt: requestedAt ?? null,
      effectiveForCycle: effective,
      // A cycle that shares was asked for before it was registered, so before any assessment of it.
      reachedBeforeAssessment: effective || before(requestedAt),
    },
    selfAssessment: {
      selfAssessmentId: sa?.selfAssessmentId ?? null,
      status: sa?.status ?? 'notStarted',
      submittedAt: submittedAt ?? null,
      reachedBeforeAssessment: before(submittedAt),
    },
    recordedAt: input.now.toISOString(),
  };
}

/** R15: Better Work assesses a cycle it has activated (its timeline runs from then). */
export function assertCycleAssessable(cycle: CycleEntry): void {
  if (!cycle.activatedAt) {
    throw new RuleViolationError(
      'R15',
      `Cycle ${cycle.cycleId} is not activated yet: Better Work activates a service cycle before assessing it.`
    );
  }
}

/**
 * The assessment's days: calendar dates, the last not before the first, at most `maxAssessmentDays` days in
 * all (400 naming the field), inside the cycle's period (422, R15).
 */
export function assertAssessmentDays(days: { firstDay: string; lastDay: string }, cycle: CycleEntry): void {
  const errors: { pointer: string; detail: string }[] = [];
  if (!isCalendarDate(days.firstDay)) errors.push({ pointer: '/firstDay', detail: 'must be a date YYYY-MM-DD' });
  if (!isCalendarDate(days.lastDay)) errors.push({ pointer: '/lastDay', detail: 'must be a date YYYY-MM-DD' });
  if (errors.length === 0) {
    const span = (Date.parse(days.lastDay) - Date.parse(days.firstDay)) / 86_400_000 + 1;
    if (span < 1) errors.push({ pointer: '/lastDay', detail: 'must not be before firstDay' });
    else if (span > maxAssessmentDays) {
      errors.push({ pointer: '/lastDay', detail: `an assessment lasts at most ${maxAssessmentDays} days` });
    }
  }
  if (errors.length > 0) throw new ValidationError('The assessment days are not valid.', errors);
  if (days.firstDay < cycle.startsOn || days.lastDay > cycle.endsOn) {
    throw new RuleViolationError(
      'R15',
      `The assessment of cycle ${cycle.cycleId} must take place within the cycle (${cycle.startsOn} to ${cycle.endsOn}).`
    );
  }
}

export function newComplianceAssessment(fields: {
  factoryId: string;
  cycle: CycleEntry;
  plan: AssessmentPlanInput;
  assessorUserIds: string[];
  toolVersion: string;
  timing: TimingFacts;
  userId: string;
  now: string;
}): ComplianceAssessmentDocument {
  assertCycleAssessable(fields.cycle);
  assertAssessmentDays(fields.plan, fields.cycle);
  const id = assessmentIdOf(fields.cycle.cycleId);
  return {
    id,
    type: 'complianceAssessment',
    assessmentId: id,
    factoryId: fields.factoryId,
    countryCode: fields.factoryId.slice(0, 2),
    cycleId: fields.cycle.cycleId,
    toolVersion: fields.toolVersion,
    method: fields.plan.method,
    firstDay: fields.plan.firstDay,
    lastDay: fields.plan.lastDay,
    assessorUserIds: [...fields.assessorUserIds],
    status: 'inProgress',
    createdAt: fields.now,
    createdBy: fields.userId,
    completedAt: undefined,
    completedBy: undefined,
    timing: fields.timing,
    findings: {},
    updatedAt: fields.now,
  };
}

function assertInProgress(doc: ComplianceAssessmentDocument): void {
  if (doc.status !== 'inProgress') {
    throw new ConflictError(
      `Assessment ${doc.assessmentId} was completed on ${doc.completedAt}; its findings are final.`
    );
  }
}

export interface FindingInput {
  questionId: string;
  result: FindingResult;
  notes?: string | undefined;
}

export interface FindingChange {
  questionId: string;
  before: FindingResult | null;
  after: { result: FindingResult; notes: string | undefined };
}

export interface RecordedFindings {
  /** The assessment with the findings; the same object when nothing changed. */
  doc: ComplianceAssessmentDocument;
  /** Only the findings that changed (a repeat of the same finding changes nothing). */
  changes: FindingChange[];
}

/**
 * R15: records findings on an assessment in progress (409 once completed). Every question must be a Step 1
 * compliance question of the assessment's tool version (an unknown id: 404 for one finding, 400 naming the
 * entry in a batch) within the assessment's scope (a Facility Profile question, or one outside a VCC's scope:
 * 422, R15); a non-compliant finding says what was found (notes, 400). All or nothing.
 */
export function recordFindings(
  doc: ComplianceAssessmentDocument,
  outline: ComplianceOutline,
  entries: readonly FindingInput[],
  by: { userId: string; now: string },
  shape: 'single' | 'batch'
): RecordedFindings {
  assertInProgress(doc);
  const pointer = (i: number, field: string) => (shape === 'single' ? `/${field}` : `/findings/${i}/${field}`);
  const errors: { pointer: string; detail: string }[] = [];
  const outside: string[] = [];
  const seen = new Map<string, number>();
  entries.forEach((entry, i) => {
    const question = outline.byId.get(entry.questionId);
    if (!question) {
      if (outline.notAssessed.has(entry.questionId)) outside.push(entry.questionId);
      else if (shape === 'single') {
        throw new NotFoundError(`Tool version ${outline.version} has no Step 1 question ${entry.questionId}.`);
      } else {
        errors.push({ pointer: pointer(i, 'questionId'), detail: `no Step 1 question of tool ${outline.version}` });
      }
    } else if (!inScope(question, doc.method)) outside.push(entry.questionId);
    if (seen.has(entry.questionId)) {
      errors.push({ pointer: pointer(i, 'questionId'), detail: `repeats entry ${seen.get(entry.questionId)}` });
    } else seen.set(entry.questionId, i);
    const notes = entry.notes?.trim() ? entry.notes : undefined;
    if (entry.result === 'nonCompliant' && notes === undefined) {
      errors.push({
        pointer: pointer(i, 'notes'),
        detail: 'a non-compliant finding needs notes saying what was found',
      });
    }
    if (notes !== undefined && notes.length > findingNotesMaxLength) {
      errors.push({ pointer: pointer(i, 'notes'), detail: `must be at most ${findingNotesMaxLength} characters` });
    }
  });
  if (errors.length > 0) throw new ValidationError('The findings are not valid.', errors);
  if (outside.length > 0) throw new OutsideScopeError(doc, outside);

  const findings = { ...doc.findings };
  const changes: FindingChange[] = [];
  for (const entry of entries) {
    const notes = entry.notes?.trim() ? entry.notes : undefined;
    const before = findings[entry.questionId];
    if (before && before.result === entry.result && before.notes === notes) continue;
    findings[entry.questionId] = { result: entry.result, notes, recordedAt: by.now, recordedBy: by.userId };
    changes.push({
      questionId: entry.questionId,
      before: before?.result ?? null,
      after: { result: entry.result, notes },
    });
  }
  if (changes.length === 0) return { doc, changes };
  return { doc: { ...doc, findings, updatedAt: by.now }, changes };
}

/** R15: findings for questions the assessment does not cover: 422 with the ids. */
export class OutsideScopeError extends RuleViolationError {
  override name = 'OutsideScopeError';
  constructor(
    doc: ComplianceAssessmentDocument,
    readonly questionIds: string[]
  ) {
    const what =
      doc.method === 'vcc'
        ? 'a Virtual Compliance Check covers only the questions in VCC scope'
        : 'only Step 1 questions mapped to a compliance point are assessed (not the Facility Profile)';
    super('R15', `${questionIds.length} finding(s) are outside the scope of assessment ${doc.assessmentId}: ${what}.`, {
      outsideScope: questionIds,
    });
  }
}

export interface Tally {
  inScope: number;
  recorded: number;
  missing: number;
  nonCompliant: number;
}

/** R15: how far the findings cover the assessment's scope, and which questions still lack one. */
export function coverageOf(
  doc: ComplianceAssessmentDocument,
  outline: ComplianceOutline
): Tally & { missingQuestionIds: string[] } {
  const scope = scopeOf(outline, doc.method);
  const missingQuestionIds = scope.filter((q) => !doc.findings[q.id]).map((q) => q.id);
  const nonCompliant = scope.filter((q) => doc.findings[q.id]?.result === 'nonCompliant').length;
  return {
    inScope: scope.length,
    recorded: scope.length - missingQuestionIds.length,
    missing: missingQuestionIds.length,
    nonCompliant,
    missingQuestionIds,
  };
}

export interface PointTally extends Tally {
  point: string;
}

/** The tallies per cluster and compliance point (the read view and the report). */
export function talliesByCluster(
  doc: ComplianceAssessmentDocument,
  outline: ComplianceOutline
): { cluster: ComplianceCluster; tally: Tally; points: PointTally[] }[] {
  return outline.clusters
    .map(({ cluster, points }) => {
      const pointTallies = points
        .map(({ point, questions }) => {
          const scoped = questions.filter((q) => inScope(q, doc.method));
          const recorded = scoped.filter((q) => doc.findings[q.id]).length;
          return {
            point,
            inScope: scoped.length,
            recorded,
            missing: scoped.length - recorded,
            nonCompliant: scoped.filter((q) => doc.findings[q.id]?.result === 'nonCompliant').length,
          };
        })
        .filter((p) => p.inScope > 0);
      const sum = (key: keyof Tally) => pointTallies.reduce((n, p) => n + p[key], 0);
      return {
        cluster,
        tally: {
          inScope: sum('inScope'),
          recorded: sum('recorded'),
          missing: sum('missing'),
          nonCompliant: sum('nonCompliant'),
        },
        points: pointTallies,
      };
    })
    .filter((c) => c.tally.inScope > 0);
}

export interface Completion {
  doc: ComplianceAssessmentDocument;
  factory: FactoryDocument;
  /** False when it was already completed (nothing to write). */
  changed: boolean;
}

/**
 * R15: completes the assessment once it has taken place (its last day has come) and every question in its
 * scope has a finding (else 422 with the count missing). It records the assessment on the factory's cycle
 * (`cycle.assessment`): the release clock of R16 runs from its last day. Completing again changes nothing;
 * a completed assessment whose cycle lacks the record (a half-applied write) gets it again.
 */
export function completeAssessment(input: {
  doc: ComplianceAssessmentDocument;
  outline: ComplianceOutline;
  factory: FactoryDocument;
  timing: TimingFacts;
  userId: string;
  now: Date;
}): Completion {
  const { doc, factory } = input;
  const cycle = factory.cycles.find((c) => c.cycleId === doc.cycleId);
  if (!cycle) throw new NotFoundError(`Factory ${factory.factoryId} has no cycle ${doc.cycleId}.`);
  if (doc.status === 'completed') {
    if (cycle.assessment?.assessmentId === doc.assessmentId) return { doc, factory, changed: false };
    return { doc, factory: withCycleAssessment(factory, cycle, doc), changed: true };
  }
  const today = utcDay(input.now);
  if (doc.lastDay > today) {
    throw new RuleViolationError(
      'R15',
      `Assessment ${doc.assessmentId} ends on ${doc.lastDay}; it can be completed from that day on.`
    );
  }
  const coverage = coverageOf(doc, input.outline);
  if (coverage.missing > 0) {
    throw new RuleViolationError(
      'R15',
      `Assessment ${doc.assessmentId} cannot be completed: ${coverage.missing} of ${coverage.inScope} questions in its scope have no finding yet.`,
      { missing: coverage.missing, inScope: coverage.inScope, missingQuestionIds: coverage.missingQuestionIds }
    );
  }
  const at = input.now.toISOString();
  const completed: ComplianceAssessmentDocument = {
    ...doc,
    status: 'completed',
    completedAt: at,
    completedBy: input.userId,
    timing: input.timing,
    updatedAt: at,
  };
  return { doc: completed, factory: withCycleAssessment(factory, cycle, completed), changed: true };
}

function withCycleAssessment(
  factory: FactoryDocument,
  cycle: CycleEntry,
  doc: ComplianceAssessmentDocument
): FactoryDocument {
  const entry: CycleEntry = {
    ...cycle,
    assessment: {
      assessmentId: doc.assessmentId,
      method: doc.method,
      lastDay: doc.lastDay,
      completedAt: doc.completedAt!,
      completedBy: doc.completedBy!,
    },
  };
  return { ...factory, cycles: factory.cycles.map((c) => (c.cycleId === cycle.cycleId ? entry : c)) };
}
