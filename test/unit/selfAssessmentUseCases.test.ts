// The self-assessment use cases on the memory store with the shipped question banks: R11 activation and
// start, who may read and answer, what an answer costs (one read, one write under 2 KB), concurrent answers
// never lost, R13 submission with the submission date, and the audit trail in the assessment's partition.
import { withRequestMetrics, type RequestMetrics } from '../../shared/adapters/requestMetrics';
import { questionBankCatalogue, questionBankDeps } from '../../shared/app/questionBank/questionBanks';
import {
  activateServiceCycle,
  answerQuestion,
  clearAnswer,
  readQuestion,
  readSelfAssessment,
  startSelfAssessment,
  submitSelfAssessment,
  type SelfAssessmentDeps,
} from '../../shared/app/selfAssessment/selfAssessments';
import { ConflictError, ForbiddenError, NotFoundError, RuleViolationError } from '../../shared/domain/errors';
import { registerFirstCycle } from '../../shared/domain/factory/cycles';
import type { FactoryDocument } from '../../shared/domain/factory/factory';
import { nextUnanswered } from '../../shared/domain/selfAssessment/navigation';
import { SubmissionRefusedError, type AnswerDocument } from '../../shared/domain/selfAssessment/selfAssessment';
import { sampleAnswer } from '../../local/demo/sampleAnswers';
import { factoryOne, factoryTwo, people, readFactory, sharingWorld } from '../support/sharingFixtures';

const now = new Date('2030-03-01T08:00:00Z');
const cycleId = `${factoryOne}-C1`;
const saId = `${cycleId}-SA`;

async function world() {
  const { store, clock } = await sharingWorld(now);
  for (const id of [factoryOne, factoryTwo]) {
    const found = (await store.read<FactoryDocument>('factories', 'BD', id))!;
    const doc = registerFirstCycle(found.doc, { startsOn: '2030-01-01', endsOn: '2030-12-31' }, now);
    await store.write('factories', 'BD', [{ kind: 'replace', doc, ifMatch: found.etag }]);
  }
  const deps: SelfAssessmentDeps = { store, clock, banks: questionBankCatalogue(questionBankDeps({ store, clock })) };
  return { store, clock, deps };
}

async function measured<T>(work: () => Promise<T>): Promise<{ result: T; metrics: RequestMetrics }> {
  let metrics: RequestMetrics | undefined;
  const result = await withRequestMetrics(async (m) => {
    metrics = m;
    return work();
  });
  return { result, metrics: metrics! };
}

async function partition(deps: SelfAssessmentDeps, type: string) {
  const page = await deps.store.query<{ id: string; type: string; [k: string]: unknown }>(
    'selfAssessments',
    saId,
    {
      query: 'SELECT * FROM c WHERE c.selfAssessmentId = @pk AND c.type = @type',
      parameters: [{ name: '@type', value: type }],
    },
    { maxItems: 1000 }
  );
  return page.items;
}

/** Answers the next unanswered question until none is left (or `stopAt` answered of applicable). */
async function answerAll(deps: SelfAssessmentDeps, stop?: (answered: number, applicable: number) => boolean) {
  for (;;) {
    const read = await readSelfAssessment(deps, people.manager, saId);
    if (stop?.(read.progress.overall.answered, read.progress.overall.applicable)) return read;
    const next = nextUnanswered(read.loaded.plan, read.progress);
    if (!next) return read;
    const question = read.loaded.questionAt(read.loaded.plan.byId.get(next)!.index).question;
    await answerQuestion(deps, people.manager, saId, next, { value: sampleAnswer(question.answer) });
  }
}

describe('R11: activation and start', () => {
  it('R11: the manager cannot start before staff activate the cycle; activation is audited and idempotent', async () => {
    const { deps, store } = await world();
    await expect(startSelfAssessment(deps, people.manager, factoryOne, { cycleId, step: 1 })).rejects.toMatchObject({
      rule: 'R11',
    });
    await expect(activateServiceCycle(deps, people.manager, factoryOne, cycleId)).rejects.toThrow(ForbiddenError);
    await expect(activateServiceCycle(deps, people.staffVn, factoryOne, cycleId)).rejects.toThrow(NotFoundError);
    const first = await activateServiceCycle(deps, people.staff, factoryOne, cycleId);
    expect(first).toMatchObject({
      changed: true,
      cycle: { activatedBy: people.staff.userId, activatedAt: now.toISOString() },
    });
    const before = store.size();
    const again = await activateServiceCycle(deps, people.admin, factoryOne, cycleId);
    expect(again).toMatchObject({ changed: false, cycle: { activatedBy: people.staff.userId } });
    expect(store.size()).toBe(before);
    expect((await readFactory(store, factoryOne)).cycles[0]).toMatchObject({ activatedAt: now.toISOString() });
    const audits = await store.query('factories', 'BD', {
      query: 'SELECT * FROM c WHERE c.countryCode = @pk AND c.action = @a',
      parameters: [{ name: '@a', value: 'cycleActivated' }],
    });
    expect(audits.items).toHaveLength(1);
  });

  it('R11: the manager starts one self-assessment per cycle on the latest tool version, in the Step chosen', async () => {
    const { deps } = await world();
    await activateServiceCycle(deps, people.staff, factoryOne, cycleId);
    await expect(startSelfAssessment(deps, people.otherManager, factoryOne, { cycleId, step: 1 })).rejects.toThrow(
      NotFoundError
    );
    await expect(
      startSelfAssessment(deps, people.manager, factoryOne, { cycleId: `${factoryOne}-C7`, step: 1 })
    ).rejects.toThrow(NotFoundError);
    const started = await startSelfAssessment(deps, people.manager, factoryOne, { cycleId, step: 2 });
    expect(started.header).toMatchObject({
      id: saId,
      status: 'open',
      step: 2,
      toolVersion: '1.5.0',
      factoryId: factoryOne,
    });
    expect(started.progress.overall.answered).toBe(0);
    expect(started.loaded.plan.questions.length).toBeGreaterThan(294);
    await expect(startSelfAssessment(deps, people.manager, factoryOne, { cycleId, step: 1 })).rejects.toThrow(
      ConflictError
    );
    expect(await partition(deps, 'audit')).toHaveLength(1);
  });
});

describe('R12: reading and answering', () => {
  async function started() {
    const w = await world();
    await activateServiceCycle(w.deps, people.staff, factoryOne, cycleId);
    await startSelfAssessment(w.deps, people.manager, factoryOne, { cycleId, step: 1 });
    return w;
  }

  it('R12: the manager, the advisor, staff and assessors of the country and Admin read; brands and strangers do not', async () => {
    const { deps } = await started();
    for (const reader of [people.manager, people.advisor, people.staff, people.assessor, people.admin]) {
      await expect(readSelfAssessment(deps, reader, saId)).resolves.toMatchObject({ header: { id: saId } });
    }
    await expect(readSelfAssessment(deps, people.brand, saId)).rejects.toThrow(ForbiddenError); // subscribed
    await expect(readSelfAssessment(deps, people.otherBrand, saId)).rejects.toThrow(NotFoundError);
    await expect(readSelfAssessment(deps, people.otherManager, saId)).rejects.toThrow(NotFoundError);
    await expect(readSelfAssessment(deps, people.staffVn, saId)).rejects.toThrow(NotFoundError);
    await expect(readSelfAssessment(deps, people.manager, 'BD-FACT0001-C2-SA')).rejects.toThrow(NotFoundError);
    await expect(readSelfAssessment(deps, people.manager, 'not-an-id')).rejects.toThrow(NotFoundError);
    // (administrators may by the policy; the HTTP endpoint takes factory managers only)
    for (const writer of [people.staff, people.advisor, people.assessor]) {
      await expect(answerQuestion(deps, writer, saId, 'FP-BAS-1', { value: 'x' })).rejects.toThrow(ForbiddenError);
    }
    await expect(answerQuestion(deps, people.otherManager, saId, 'FP-BAS-1', { value: 'x' })).rejects.toThrow(
      NotFoundError
    );
  });

  it('R12: an answer is one read and one write round trip of under 2 KB; the overview one read', async () => {
    const { deps } = await started();
    await readSelfAssessment(deps, people.manager, saId); // the caller's directory entry is cached from here on
    const { result, metrics } = await measured(() =>
      answerQuestion(deps, people.manager, saId, 'FP-BAS-1', {
        value: 'Meghna Knit Composite Ltd.',
        comment: 'As on the licence',
      })
    );
    expect(metrics).toMatchObject({ cosmosRoundTrips: 2, cosmosWrites: 1, crossPartitionQueries: 0 });
    expect(metrics.cosmosBytesWritten).toBeLessThan(2048);
    expect(result.progress.overall.answered).toBe(1);
    const overview = await measured(() => readSelfAssessment(deps, people.manager, saId));
    expect(overview.metrics).toMatchObject({ cosmosRoundTrips: 1, cosmosWrites: 0 });
    const question = await readQuestion(deps, people.advisor, saId, 'FP-BAS-1');
    expect(question.answer).toMatchObject({
      value: 'Meghna Knit Composite Ltd.',
      comment: 'As on the licence',
      answeredBy: people.manager.userId,
    });
    await expect(readQuestion(deps, people.manager, saId, 'XX-YYY-1')).rejects.toThrow(NotFoundError);
  });

  it('R12: two people answering at the same time never lose an answer and the counters stay exact', async () => {
    const { deps } = await started();
    const read = await readSelfAssessment(deps, people.manager, saId);
    const plain = read.loaded.plan.questions.filter((q) => !q.condition && q.sourceSlot === undefined).slice(0, 24);
    await Promise.all(
      plain.map((q) =>
        answerQuestion(deps, people.manager, saId, q.id, {
          value: sampleAnswer(read.loaded.questionAt(q.index).question.answer),
        })
      )
    );
    const after = await readSelfAssessment(deps, people.manager, saId);
    expect(after.progress.overall.answered).toBe(24);
    expect((await partition(deps, 'answer')).map((a) => a.questionId).sort()).toEqual(plain.map((q) => q.id).sort());
    expect((await partition(deps, 'audit')).filter((a) => a.action === 'answerGiven')).toHaveLength(24);
  });

  it('R12: an answer racing one written through another instance reads again and retries: both land', async () => {
    const { deps, store } = await started();
    const read = await readSelfAssessment(deps, people.manager, saId);
    const [first, second] = read.loaded.plan.questions.filter((q) => !q.condition && q.sourceSlot === undefined);
    const valueOf = (q: typeof first) => sampleAnswer(read.loaded.questionAt(q!.index).question.answer);
    // "another instance": the same database through another store object (its own queue of changes),
    // writing its answer between this answer's read and its write, once
    let raced = false;
    const racing: typeof store = {
      ...store,
      write: async (container, partitionKey, operations) => {
        if (container === 'selfAssessments' && !raced) {
          raced = true;
          await answerQuestion({ ...deps, store }, people.manager, saId, second!.id, { value: valueOf(second) });
        }
        return store.write(container, partitionKey, operations);
      },
    };
    const { result, metrics } = await measured(() =>
      answerQuestion({ ...deps, store: racing }, people.manager, saId, first!.id, { value: valueOf(first) })
    );
    expect(raced).toBe(true);
    expect(result.progress.overall.answered).toBe(2);
    expect(metrics.cosmosWrites).toBe(3); // the other instance's, this one's refused (412), this one's again
    expect((await partition(deps, 'answer')).map((a) => a.questionId).sort()).toEqual([first!.id, second!.id].sort());
  });

  it('R12: a question whose condition is off cannot be answered; once its condition holds it can, and counts', async () => {
    const { deps } = await started();
    const read = await readSelfAssessment(deps, people.manager, saId);
    const conditional = read.loaded.plan.questions.find(
      (q) =>
        q.condition?.operator === 'equals' &&
        q.condition.value === true &&
        !read.loaded.plan.byId.get(q.condition.questionId)!.condition
    )!;
    const answer = sampleAnswer(read.loaded.questionAt(conditional.index).question.answer);
    await expect(answerQuestion(deps, people.manager, saId, conditional.id, { value: answer })).rejects.toMatchObject({
      rule: 'R12',
    });
    const before = read.progress.overall.applicable;
    const on = await answerQuestion(deps, people.manager, saId, conditional.condition!.questionId, { value: true });
    expect(on.progress.overall.applicable).toBeGreaterThan(before);
    const taken = await answerQuestion(deps, people.manager, saId, conditional.id, { value: answer });
    expect(taken.progress.overall.answered).toBe(2);
    const off = await answerQuestion(deps, people.manager, saId, conditional.condition!.questionId, { value: false });
    expect(off.progress.overall.answered).toBe(1); // the stored answer stops counting
    const cleared = await clearAnswer(deps, people.manager, saId, conditional.condition!.questionId);
    expect(cleared.progress.overall.answered).toBe(0);
  });
});

describe('R13: submission', () => {
  it('R13: refused below 95 % with the numbers; allowed at 100 %; records the date, freezes the answers, audits', async () => {
    const { deps, clock } = await world();
    await activateServiceCycle(deps, people.staff, factoryOne, cycleId);
    await startSelfAssessment(deps, people.manager, factoryOne, { cycleId, step: 1 });
    const partly = await answerAll(deps, (answered, applicable) => answered * 100 >= 90 * applicable);
    const refused = await submitSelfAssessment(deps, people.manager, saId).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SubmissionRefusedError);
    expect((refused as RuleViolationError).extensions).toMatchObject({
      completion: {
        overall: { answered: partly.progress.overall.answered, applicable: partly.progress.overall.applicable },
        facilityProfile: { complete: true },
        requiredPercent: { overall: 95, facilityProfile: 100 },
      },
      missing: { all: expect.arrayContaining([expect.stringMatching(/^[A-Z]+-[A-Z]+-\d+$/)]) },
    });
    await answerAll(deps);
    clock.advance(3_600_000);
    const submitted = await submitSelfAssessment(deps, people.manager, saId);
    expect(submitted.header).toMatchObject({
      status: 'submitted',
      submittedBy: people.manager.userId,
      submittedAt: '2030-03-01T09:00:00.000Z',
    });
    expect(submitted.submissionDate).toEqual({ questionId: 'FP-BAS-26', value: '2030-03-01' });
    const date = await deps.store.read<AnswerDocument>('selfAssessments', saId, 'answer-FP-BAS-26');
    expect(date!.doc.value).toBe('2030-03-01');
    await expect(answerQuestion(deps, people.manager, saId, 'FP-BAS-1', { value: 'x' })).rejects.toThrow(ConflictError);
    await expect(clearAnswer(deps, people.manager, saId, 'FP-BAS-1')).rejects.toThrow(ConflictError);
    await expect(submitSelfAssessment(deps, people.manager, saId)).rejects.toThrow(ConflictError);
    expect((await partition(deps, 'audit')).filter((a) => a.action === 'selfAssessmentSubmitted')).toHaveLength(1);
  });
});
