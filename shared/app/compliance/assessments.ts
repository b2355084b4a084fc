// R15, R14 use cases: assessors of the factory's country (or an administrator) create the compliance
// assessment of a cycle (unannounced visit or Virtual Compliance Check, its days, its assessors), record
// findings one by one or all in one request, and complete it; Better Work staff read it, organised by cluster
// and compliance point, with the timing facts of R14. Completing writes the factory's cycle, the assessment
// and the audit event in one batch, then wakes the cycle's timeline (the release clock of R16 starts).
import type { Principal } from '../../domain/access/roles';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors';
import type { CycleEntry, FactoryDocument } from '../../domain/factory/factory';
import {
  assessmentIdOf,
  assessorCount,
  completeAssessment as completeRule,
  newComplianceAssessment,
  recordFindings as recordRule,
  timingFacts,
  type AssessmentPlanInput,
  type ComplianceAssessmentDocument,
  type FindingInput,
  type SelfAssessmentFacts,
  type TimingFacts,
} from '../../domain/compliance/assessment';
import type { ComplianceOutline } from '../../domain/compliance/scope';
import { selfAssessmentIdOf, type SelfAssessmentDocument } from '../../domain/selfAssessment/selfAssessment';
import type { Versioned } from '../../ports/documentStore';
import { loadFactoryFor, saveFactoryChange, type Actor } from '../factories/factoryStore';
import { actorOf, loadScope } from '../users/userDirectory';
import {
  auditEvent,
  cycleOf,
  outlineOf,
  readBeside,
  raceable,
  retryOnRace,
  wakeTimeline,
  type TimelineWaker,
} from './common';
import type { ComplianceDeps } from './deps';

export interface LoadedAssessment {
  factory: FactoryDocument;
  cycle: CycleEntry;
  doc: ComplianceAssessmentDocument;
  outline: ComplianceOutline;
}

function alreadyAssessed(cycleId: string): ConflictError {
  return new ConflictError(
    `Cycle ${cycleId} already has its compliance assessment ${assessmentIdOf(cycleId)} (one per cycle).`
  );
}

function noAssessment(cycleId: string): NotFoundError {
  return new NotFoundError(`Cycle ${cycleId} has no compliance assessment yet.`);
}

async function loadAssessment(
  deps: ComplianceDeps,
  actor: Actor,
  factoryId: string,
  cycleId: string,
  action: 'assess' | 'readAssessment'
): Promise<LoadedAssessment & { etag: string }> {
  const factory = await loadFactoryFor(deps.store, actor, factoryId, action);
  const cycle = cycleOf(factory.doc, cycleId);
  const read = await readBeside<ComplianceAssessmentDocument>(
    deps.store,
    factory.doc,
    assessmentIdOf(cycle.cycleId),
    'complianceAssessment'
  );
  if (!read) throw noAssessment(cycleId);
  return {
    factory: factory.doc,
    cycle,
    doc: read.doc,
    etag: read.etag,
    outline: await outlineOf(deps, read.doc.toolVersion),
  };
}

/** The factory's self-assessment of the cycle as R14 needs it (one point read); none when not started. */
async function selfAssessmentFacts(
  deps: ComplianceDeps,
  cycleId: string
): Promise<{
  facts: SelfAssessmentFacts | undefined;
  toolVersion: string | undefined;
}> {
  const id = selfAssessmentIdOf(cycleId);
  const read = await deps.store.read<SelfAssessmentDocument>('selfAssessments', id, id);
  if (!read || read.doc.type !== 'selfAssessment') return { facts: undefined, toolVersion: undefined };
  return {
    facts: { selfAssessmentId: id, status: read.doc.status, submittedAt: read.doc.submittedAt },
    toolVersion: read.doc.toolVersion,
  };
}

/** Assessors are Better Work people of the factory's country programme, as the user directory says. */
async function checkAssessors(deps: ComplianceDeps, countryCode: string, userIds: readonly string[]): Promise<void> {
  const errors: { pointer: string; detail: string }[] = [];
  if (userIds.length < assessorCount.min || userIds.length > assessorCount.max) {
    errors.push({ pointer: '/assessors', detail: `must name ${assessorCount.min} to ${assessorCount.max} assessors` });
  }
  const seen = new Set<string>();
  const scopes = await Promise.all(userIds.map((userId) => loadScope(deps.store, userId)));
  userIds.forEach((userId, i) => {
    if (seen.has(userId)) errors.push({ pointer: `/assessors/${i}`, detail: 'is named twice' });
    seen.add(userId);
    if (!scopes[i]?.countryCodes.includes(countryCode)) {
      errors.push({
        pointer: `/assessors/${i}`,
        detail: `is not a Better Work person of the ${countryCode} programme`,
      });
    }
  });
  if (errors.length > 0) throw new ValidationError('The assessors are not valid.', errors);
}

export interface CreateAssessmentInput extends AssessmentPlanInput {
  /** User ids; the caller alone when absent. */
  assessors?: string[] | undefined;
}

/**
 * R15: an assessor of the factory's country (or an administrator) creates the assessment of an activated
 * cycle, on the question bank version of the factory's self-assessment (the latest when there is none), with
 * the R14 timing facts as they stand; one per cycle (409). Audited.
 */
export async function createAssessment(
  deps: ComplianceDeps,
  principal: Principal,
  factoryId: string,
  cycleId: string,
  input: CreateAssessmentInput
): Promise<LoadedAssessment> {
  const actor = await actorOf(deps.store, principal);
  const factory = await loadFactoryFor(deps.store, actor, factoryId, 'assess');
  const cycle = cycleOf(factory.doc, cycleId);
  const assessors = input.assessors ?? [principal.userId];
  // One per cycle comes first: a second creation is a conflict whatever its body says.
  if (await readBeside(deps.store, factory.doc, assessmentIdOf(cycle.cycleId), 'complianceAssessment')) {
    throw alreadyAssessed(cycle.cycleId);
  }
  const [sa] = await Promise.all([
    selfAssessmentFacts(deps, cycle.cycleId),
    checkAssessors(deps, factory.doc.countryCode, assessors),
  ]);
  const toolVersion = sa.toolVersion ?? (await deps.banks.latest()).version;
  const now = deps.clock.now();
  const at = now.toISOString();
  const doc = newComplianceAssessment({
    factoryId: factory.doc.factoryId,
    cycle,
    plan: { method: input.method, firstDay: input.firstDay, lastDay: input.lastDay },
    assessorUserIds: assessors,
    toolVersion,
    timing: timingFacts({ factory: factory.doc, cycle, selfAssessment: sa.facts, firstDay: input.firstDay, now }),
    userId: principal.userId,
    now: at,
  });
  const audit = auditEvent(factory.doc, principal, at, {
    action: 'complianceAssessmentCreated',
    before: null,
    after: {
      assessmentId: doc.assessmentId,
      cycleId: doc.cycleId,
      method: doc.method,
      firstDay: doc.firstDay,
      lastDay: doc.lastDay,
      assessorUserIds: doc.assessorUserIds,
      toolVersion: doc.toolVersion,
    },
  });
  try {
    await deps.store.write('factories', factory.doc.countryCode, [
      { kind: 'create', doc },
      { kind: 'create', doc: audit },
    ]);
  } catch (error) {
    if (error instanceof ConflictError) throw alreadyAssessed(cycle.cycleId);
    throw error;
  }
  return { factory: factory.doc, cycle, doc, outline: await outlineOf(deps, toolVersion) };
}

export interface ReadAssessment extends LoadedAssessment {
  /** The factory's self-assessment of the cycle as it is now (to read, not to verify: R15). */
  selfAssessment: SelfAssessmentFacts | undefined;
}

/** R15, R14: the assessment for Better Work staff (never the factory's managers, never brands). */
export async function readAssessment(
  deps: ComplianceDeps,
  principal: Principal,
  factoryId: string,
  cycleId: string
): Promise<ReadAssessment> {
  const { etag: _etag, ...loaded } = await loadAssessment(
    deps,
    await actorOf(deps.store, principal),
    factoryId,
    cycleId,
    'readAssessment'
  );
  const sa = await selfAssessmentFacts(deps, loaded.cycle.cycleId);
  return { ...loaded, selfAssessment: sa.facts };
}

export interface RecordedFindings extends LoadedAssessment {
  /** How many findings changed (a repeat of the same finding changes nothing and writes nothing). */
  changed: number;
}

/**
 * R15: records findings: one (`single`: PUT of one question) or many in one request (`batch`), all or nothing.
 * One read of the assessment and one batch (the assessment with If-Match, the audit event naming each
 * finding before → after); when another assessor changed it meanwhile, it reads again and retries.
 */
export async function recordFindings(
  deps: ComplianceDeps,
  principal: Principal,
  factoryId: string,
  cycleId: string,
  entries: readonly FindingInput[],
  shape: 'single' | 'batch'
): Promise<RecordedFindings> {
  const actor = await actorOf(deps.store, principal);
  return retryOnRace(`Assessment ${assessmentIdOf(cycleId)}`, async () => {
    const current = await loadAssessment(deps, actor, factoryId, cycleId, 'assess');
    const at = deps.clock.now().toISOString();
    const recorded = recordRule(current.doc, current.outline, entries, { userId: principal.userId, now: at }, shape);
    const { etag, ...loaded } = current;
    if (recorded.changes.length === 0) return { ...loaded, changed: 0 };
    const audit = auditEvent(current.factory, principal, at, {
      action: 'assessmentFindingsRecorded',
      before: Object.fromEntries(recorded.changes.map((c) => [c.questionId, c.before])),
      after: Object.fromEntries(recorded.changes.map((c) => [c.questionId, c.after])),
    });
    await raceable(
      deps.store.write('factories', current.factory.countryCode, [
        { kind: 'replace', doc: recorded.doc, ifMatch: etag },
        { kind: 'create', doc: audit },
      ])
    );
    return { ...loaded, doc: recorded.doc, changed: recorded.changes.length };
  });
}

export interface CompletedAssessment extends LoadedAssessment {
  /** False when it was already completed (nothing was written, the timeline was not woken again). */
  changed: boolean;
  /** Whether the cycle's timeline took the signal (false: the daily reconciliation catches up). */
  timelineSignalled: boolean;
}

/**
 * R15: completes the assessment: every question in scope has a finding (else 422 with the count missing) and
 * its last day has come. `cycle.assessment` on the factory, the completed assessment (with the R14 facts taken
 * again) and the audit event are written in one batch; then the cycle's timeline is woken (`assessmentCompleted`:
 * the release deadline of R16 runs). Idempotent.
 */
export async function completeAssessment(
  deps: ComplianceDeps,
  principal: Principal,
  factoryId: string,
  cycleId: string,
  timeline: { wake?: TimelineWaker | undefined; warn: (message: string) => void }
): Promise<CompletedAssessment> {
  const actor = await actorOf(deps.store, principal);
  const outcome = await retryOnRace(`Assessment ${assessmentIdOf(cycleId)}`, async () => {
    const factory = await loadFactoryFor(deps.store, actor, factoryId, 'assess');
    const cycle = cycleOf(factory.doc, cycleId);
    const read: Versioned<ComplianceAssessmentDocument> | undefined = await readBeside(
      deps.store,
      factory.doc,
      assessmentIdOf(cycle.cycleId),
      'complianceAssessment'
    );
    if (!read) throw noAssessment(cycleId);
    const outline = await outlineOf(deps, read.doc.toolVersion);
    const now = deps.clock.now();
    const timing: TimingFacts =
      read.doc.status === 'completed'
        ? read.doc.timing
        : timingFacts({
            factory: factory.doc,
            cycle,
            selfAssessment: (await selfAssessmentFacts(deps, cycle.cycleId)).facts,
            firstDay: read.doc.firstDay,
            now,
          });
    const completion = completeRule({
      doc: read.doc,
      outline,
      factory: factory.doc,
      timing,
      userId: principal.userId,
      now,
    });
    const completedCycle = cycleOf(completion.factory, cycle.cycleId);
    if (!completion.changed) {
      return { factory: factory.doc, cycle, doc: read.doc, outline, changed: false };
    }
    await raceable(
      saveFactoryChange(deps.store, deps.clock, {
        actor: principal,
        action: 'complianceAssessmentCompleted',
        before: factory,
        after: completion.factory,
        alsoWrite: completion.doc === read.doc ? [] : [{ kind: 'replace', doc: completion.doc, ifMatch: read.etag }],
      })
    );
    return { factory: completion.factory, cycle: completedCycle, doc: completion.doc, outline, changed: true };
  });
  // After the commit, outside the retried part: the signal only wakes the timeline, which re-reads the facts.
  const timelineSignalled = outcome.changed
    ? await wakeTimeline(timeline.wake, cycleId, 'assessmentCompleted', timeline.warn)
    : false;
  return { ...outcome, timelineSignalled };
}
