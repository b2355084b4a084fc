// Cycles ready to transmit to the SLCP Gateway (R17), for the `transmission` benchmark and the transmission fault
// tests: written through the app's own store, domain constructors and use cases, without the HTTP round trips a
// person would make (answering 295 questions one request at a time would take the whole run). Per factory:
// - the factory (the app's constructors: newFactoryDocument, registerFirstCycle, activateCycle), connected to the
//   Gateway with the given Gateway Facility ID, sharing via SLCP effective for its first cycle;
// - its Step 1 self-assessment answered in memory with the domain rules (giveAnswer, then submit) and written as
//   the header and its answer documents (batches of 100 in the self-assessment's partition);
// - the compliance assessment through the use cases (created by the assessor, every finding in scope recorded in
//   one batch, completed) and the report released by registration staff (its files in blob storage).
// Then `queueReadyCycle` queues the transmission with the app's own R17 use case, as the timeline's activity does.
import { findDemoUser } from '../local/seed/demoUsers';
import { completeAssessment, createAssessment, recordFindings } from '../shared/app/compliance/assessments';
import type { ComplianceDeps } from '../shared/app/compliance/deps';
import { releaseReport } from '../shared/app/compliance/reports';
import { loadedPlan } from '../shared/app/selfAssessment/bank';
import { schedulerActor } from '../shared/app/timeline/contacts';
import type { TransmissionDeps } from '../shared/app/transmission/deps';
import { queueCycleTransmission, type QueueOutcome } from '../shared/app/transmission/queue';
import type { Principal } from '../shared/domain/access/roles';
import { scopeOf } from '../shared/domain/compliance/scope';
import { utcDay } from '../shared/domain/countryProgrammes';
import { activateCycle, registerFirstCycle } from '../shared/domain/factory/cycles';
import { newFactoryDocument, type FactoryDocument } from '../shared/domain/factory/factory';
import { nextUnanswered } from '../shared/domain/selfAssessment/navigation';
import type { AnswerValue } from '../shared/domain/selfAssessment/plan';
import { progressOf } from '../shared/domain/selfAssessment/progress';
import {
  answerDocId,
  giveAnswer,
  newSelfAssessment,
  stateOf,
  submit,
  type AnswerDocument,
  type SelfAssessmentDocument,
} from '../shared/domain/selfAssessment/selfAssessment';
import { transmissionIdOf } from '../shared/domain/transmission/transmission';
import type { WriteOperation } from '../shared/ports/documentStore';
import { sampleAnswer } from '../local/demo/sampleAnswers';

const dayMs = 86_400_000;
/** Cosmos DB takes at most 100 operations in one transactional batch. */
const maxBatch = 100;

/** Who acts in the seeding: registration staff and an assessor of Bangladesh (demo users), and the factory's manager. */
export interface SeedPeople {
  staff: Principal;
  assessor: Principal;
  managerUserId: string;
}

export function demoPrincipal(key: string): Principal {
  const user = findDemoUser(key);
  if (!user) throw new Error(`There is no demo user ${key}.`);
  return { userId: user.userId, roles: [...user.roles], email: user.email, name: user.name };
}

/** registration-bd, assessor-bd (both in the demo data `npm start` and the test harness seed). */
export function bangladeshPeople(): SeedPeople {
  return {
    staff: demoPrincipal('registration-bd'),
    assessor: demoPrincipal('assessor-bd'),
    managerUserId: 'transmission-seed-manager',
  };
}

/** A `GW-` + 8 characters Gateway Facility ID for seeded factory `index` (distinct per index below 36^8). */
export function seededFacilityId(index: number): string {
  return `GW-T${index.toString(36).toUpperCase().padStart(7, '0')}`;
}

export interface ReadyCycle {
  factoryId: string;
  cycleId: string;
  transmissionId: string;
  gatewayFacilityId: string;
}

/** The factory document: enrolled, connected to the Gateway, its first cycle (sharing effective) activated. */
export function readyFactoryDocument(
  spec: { factoryId: string; name: string; gatewayFacilityId: string },
  people: SeedPeople,
  now: Date
): FactoryDocument {
  const created = newFactoryDocument({
    factoryId: spec.factoryId,
    name: spec.name,
    address: `Plot 7, Road 3, Export Processing Zone`,
    osHubId: undefined,
    now: now.toISOString(),
  });
  const registered = registerFirstCycle(
    { ...created, status: 'registered', managerUserIds: [people.managerUserId] },
    { startsOn: utcDay(new Date(now.getTime() - 60 * dayMs)), endsOn: utcDay(new Date(now.getTime() + 305 * dayMs)) },
    now
  );
  const connected: FactoryDocument = {
    ...registered,
    cycles: registered.cycles.map((c) => ({ ...c, sharingEffective: true })),
    gateway: {
      ...registered.gateway,
      status: 'connected',
      gatewayFacilityId: spec.gatewayFacilityId,
      linkedBy: 'gateway',
      updatedAt: now.toISOString(),
    },
  };
  return activateCycle(connected, connected.cycles[0]!.cycleId, people.staff.userId, now).factory;
}

/** The Step 1 self-assessment of the cycle answered with valid sample answers and submitted, as documents. */
export async function submittedSelfAssessment(
  deps: Pick<ComplianceDeps, 'banks'>,
  factory: FactoryDocument,
  userId: string,
  now: Date
): Promise<{ header: SelfAssessmentDocument; answers: AnswerDocument[] }> {
  const loaded = loadedPlan(await deps.banks.latest(), 1);
  const { plan } = loaded;
  const at = now.toISOString();
  const cycle = factory.cycles[0]!;
  let header = newSelfAssessment({ cycle, factoryId: factory.factoryId, step: 1, plan, userId, now: at });
  const answers = new Map<string, AnswerDocument>();
  for (;;) {
    const next = nextUnanswered(plan, progressOf(plan, stateOf(plan, header)));
    if (next === null) break;
    const question = plan.byId.get(next)!;
    const value = sampleAnswer(loaded.questionAt(question.index).question.answer) as AnswerValue;
    header = giveAnswer(plan, header, question, value, at).header;
    answers.set(question.id, {
      id: answerDocId(question.id),
      type: 'answer',
      selfAssessmentId: header.selfAssessmentId,
      questionId: question.id,
      value,
      comment: next.endsWith('-1') ? `As seen in the register (${next}).` : undefined,
      answeredAt: at,
      answeredBy: userId,
    });
  }
  const submission = submit(plan, header, userId, now);
  if (submission.submissionDate) {
    const { question, value } = submission.submissionDate;
    answers.set(question.id, {
      id: answerDocId(question.id),
      type: 'answer',
      selfAssessmentId: header.selfAssessmentId,
      questionId: question.id,
      value,
      comment: undefined,
      answeredAt: at,
      answeredBy: userId,
    });
  }
  return { header: submission.header, answers: [...answers.values()] };
}

/**
 * Seeds one factory whose first cycle is ready to transmit (report released, sharing effective, Gateway
 * connected, self-assessment submitted). `now` is the clock's time; the assessment was a visit 21 and 20 days ago.
 */
export async function seedReadyCycle(
  deps: ComplianceDeps,
  spec: { factoryId: string; name: string; gatewayFacilityId: string },
  people: SeedPeople = bangladeshPeople()
): Promise<ReadyCycle> {
  const now = deps.clock.now();
  const factory = readyFactoryDocument(spec, people, now);
  const cycleId = factory.cycles[0]!.cycleId;
  await deps.store.write('factories', factory.countryCode, [{ kind: 'create', doc: factory }]);

  const { header, answers } = await submittedSelfAssessment(deps, factory, people.managerUserId, now);
  const operations: WriteOperation[] = [
    { kind: 'create', doc: header },
    ...answers.map((doc): WriteOperation => ({ kind: 'create', doc })),
  ];
  for (let i = 0; i < operations.length; i += maxBatch) {
    await deps.store.write('selfAssessments', header.selfAssessmentId, operations.slice(i, i + maxBatch));
  }

  const day = (offset: number) => utcDay(new Date(now.getTime() + offset * dayMs));
  const created = await createAssessment(deps, people.assessor, factory.factoryId, cycleId, {
    method: 'visit',
    firstDay: day(-21),
    lastDay: day(-20),
  });
  const scope = scopeOf(created.outline, created.doc.method);
  await recordFindings(
    deps,
    people.assessor,
    factory.factoryId,
    cycleId,
    scope.map((q, i) =>
      i % 40 === 0
        ? { questionId: q.id, result: 'nonCompliant' as const, notes: `Seen on the floor (${q.id}).` }
        : { questionId: q.id, result: 'compliant' as const }
    ),
    'batch'
  );
  const quiet = { warn: () => undefined };
  await completeAssessment(deps, people.assessor, factory.factoryId, cycleId, quiet);
  await releaseReport(deps, people.staff, factory.factoryId, cycleId, quiet);
  return {
    factoryId: factory.factoryId,
    cycleId,
    transmissionId: transmissionIdOf(cycleId),
    gatewayFacilityId: spec.gatewayFacilityId,
  };
}

/**
 * R17 as the timeline's activity does it: the record (queued) and the hand-off in one batch, then the message. A
 * failure (the queue's store busy, say) is retried the way the activity's retry policy would run it again: the
 * re-run finds the record and sends its message. `onRetry` hears of each retry.
 */
export async function queueReadyCycle(
  deps: TransmissionDeps,
  cycle: ReadyCycle,
  options: { attempts?: number; onRetry?: (error: unknown) => void } = {}
): Promise<QueueOutcome> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    let outcome: QueueOutcome;
    try {
      outcome = await queueCycleTransmission(
        deps,
        { factoryId: cycle.factoryId, cycleId: cycle.cycleId },
        { actor: schedulerActor }
      );
    } catch (error) {
      if (attempt >= attempts) throw error;
      options.onRetry?.(error);
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** (attempt - 1)));
      continue;
    }
    if (!outcome.sentToQueue || (attempt === 1 && (!outcome.acted || outcome.status !== 'queued'))) {
      throw new Error(
        `${cycle.transmissionId} was not queued: ${outcome.reason ?? outcome.status ?? 'no reason'} (acted ${outcome.acted})`
      );
    }
    return outcome;
  }
}

/** Runs `work` over `items`, `limit` at a time; the first failure stops the run. */
export async function inPool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
