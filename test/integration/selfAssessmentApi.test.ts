// The SLCP self-assessment through the HTTP API (R11-R13), in-process: the app's real function registrations
// on the local Functions host over real HTTP, a real local Cosmos server through the real SDK, ES256 tokens
// of the demo users (test/support/apiHarness). Staff activate the cycle; the factory manager starts the
// self-assessment, answers a whole Step 1 assessment question by question (four at a time), is refused at
// 94.x % with the numbers, and submits; every bad input answers a problem and writes nothing.
import { seedDemoData } from '../../local/seed/seedDemoData';
import type { SelfAssessmentAuditDocument } from '../../shared/domain/selfAssessment/selfAssessment';
import type { StoredDocument } from '../../shared/ports/documentStore';
import { invalidAnswers, sampleAnswer, type AnswerTypeLike } from '../../local/demo/sampleAnswers';
import { apiCalls, type Answer, type Json } from '../support/apiCalls';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';

jest.setTimeout(240_000);

const factoryId = 'BD-DEMO0001'; // managed by fm-bd-1, advised by advisor-bd, brand-1 subscribes
const cycleId = `${factoryId}-C1`;
const saId = `${cycleId}-SA`;
const otherFactory = 'BD-DEMO0002'; // managed by fm-bd-2
const otherSaId = `${otherFactory}-C1-SA`;
const manager = 'fm-bd-1';
const scopeCacheMs = 30_000;

interface BankQuestion {
  id: string;
  answer: AnswerTypeLike;
  condition?: { questionId: string };
}

interface Cost {
  roundTrips: number;
  writes: number;
  bytes: number;
}

let api: ApiHarness;
const { call, refusedWithoutWriting } = apiCalls(() => api);
let questions: BankQuestion[] = [];
let fpIds = new Set<string>();

const costOf = (answer: Answer): Cost => ({
  roundTrips: Number(answer.headers.get('x-cosmos-round-trips')),
  writes: Number(answer.headers.get('x-cosmos-writes')),
  bytes: Number(answer.headers.get('x-cosmos-bytes-written')),
});

const put = (questionId: string, value: unknown, as = manager, id = saId, comment?: string) =>
  call('PUT', `self-assessments/${id}/answers/${questionId}`, {
    as,
    json: comment === undefined ? { value } : { value, comment },
  });
const overview = (as = manager, query = '') => call('GET', `self-assessments/${saId}${query}`, { as });
const question = (id: string) => questions.find((q) => q.id === id)!;

async function partition(type: string): Promise<StoredDocument[]> {
  const page = await api.store.query(
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

beforeAll(async () => {
  api = await startApiHarness({ seed: (store, clock) => seedDemoData(store, clock) });
});

afterAll(async () => {
  await api?.stop();
});

describe('R11: staff activate the service cycle; the factory manager starts the self-assessment', () => {
  it('R11: starting before the cycle is activated is refused (422, R11) and writes nothing', async () => {
    const refused = await refusedWithoutWriting(
      () => call('POST', `factories/${factoryId}/self-assessments`, { as: manager, json: { cycleId } }),
      422
    );
    expect(refused.body).toMatchObject({ rule: 'R11' });
  });

  it('R11: only staff of the country (or Admin) activate; activation is idempotent', async () => {
    await refusedWithoutWriting(
      () => call('POST', `factories/${factoryId}/cycles/${cycleId}/activate`, { as: manager }),
      403
    );
    await refusedWithoutWriting(
      () => call('POST', `factories/${factoryId}/cycles/${cycleId}/activate`, { as: 'registration-vn' }),
      404
    );
    await refusedWithoutWriting(
      () => call('POST', `factories/${factoryId}/cycles/${factoryId}-C9/activate`, { as: 'registration-bd' }),
      404
    );
    const activated = await call('POST', `factories/${factoryId}/cycles/${cycleId}/activate`, {
      as: 'registration-bd',
    });
    expect(activated.status).toBe(200);
    expect(activated.body).toMatchObject({ factoryId, cycleId, changed: true, activatedAt: expect.any(String) });
    const before = await api.fingerprint();
    const again = await call('POST', `factories/${factoryId}/cycles/${cycleId}/activate`, { as: 'admin' });
    expect(again.body).toMatchObject({ changed: false, activatedAt: activated.body.activatedAt });
    expect(await api.fingerprint()).toEqual(before);
    const factory = await call('GET', `factories/${factoryId}`, { as: 'registration-bd' });
    expect(factory.body.currentCycle).toMatchObject({ cycleId, activatedAt: activated.body.activatedAt });
  });

  it('R11: the manager starts one self-assessment per cycle (201 + Location), on the latest tool version', async () => {
    const started = await call('POST', `factories/${factoryId}/self-assessments`, { as: manager, json: { cycleId } });
    expect(started.status).toBe(201);
    expect(started.headers.get('location')).toBe(`/api/self-assessments/${saId}`);
    expect(started.body).toMatchObject({ selfAssessmentId: saId, step: 1, stepName: 'Essential', status: 'open' });
    expect(started.body.overall).toMatchObject({ answered: 0, completedPercent: 0 });
    const versions = await call('GET', 'question-banks', { as: manager });
    const latest = (versions.body.items as Json[]).find((v) => v.latest)!;
    expect(started.body.toolVersion).toBe(latest.version);
    await refusedWithoutWriting(
      () => call('POST', `factories/${factoryId}/self-assessments`, { as: manager, json: { cycleId, step: 2 } }),
      409
    );
    await refusedWithoutWriting(
      () => call('POST', `factories/${factoryId}/self-assessments`, { as: manager, json: { cycleId, step: 4 } }),
      400
    );
    // another factory's self-assessment, for the refusals below
    await call('POST', `factories/${otherFactory}/cycles/${otherFactory}-C1/activate`, { as: 'registration-bd' });
    const other = await call('POST', `factories/${otherFactory}/self-assessments`, {
      as: 'fm-bd-2',
      json: { cycleId: `${otherFactory}-C1` },
    });
    expect(other.status).toBe(201);

    const bank = await call('GET', `question-banks/${started.body.toolVersion}?step=1`, { as: manager });
    expect(bank.status).toBe(200);
    questions = (bank.body.sections as Json[]).flatMap((s) =>
      (s.subsections as Json[]).flatMap((u) => u.questions as BankQuestion[])
    );
    fpIds = new Set(
      (bank.body.sections as Json[])
        .filter((s) => s.facilityProfile)
        .flatMap((s) => (s.subsections as Json[]).flatMap((u) => (u.questions as Json[]).map((q) => q.id as string)))
    );
    expect(questions.length).toBeGreaterThanOrEqual(120);
  });
});

describe('R12: who reads the self-assessment, and what they see', () => {
  it('R12: the manager, the advisor, staff and assessors of the country and Admin read it; brands and strangers do not', async () => {
    for (const reader of [manager, 'advisor-bd', 'registration-bd', 'assessor-bd', 'admin']) {
      const read = await overview(reader);
      expect({ reader, status: read.status }).toEqual({ reader, status: 200 });
    }
    expect((await overview('brand-1')).status).toBe(403); // subscribed: may see the factory, never this
    expect((await overview('brand-2')).status).toBe(404);
    expect((await overview('fm-bd-2')).status).toBe(404);
    expect((await overview('registration-vn')).status).toBe(404);
    expect((await call('GET', `self-assessments/${saId}`)).status).toBe(401);
  });

  it('R12: the overview lists sections and subsections with completed %, answered, to answer; bipartite questions highlighted; one read', async () => {
    const read = await overview(manager);
    expect(costOf(read).roundTrips).toBeLessThanOrEqual(1);
    expect(read.headers.get('x-cross-partition-queries')).toBe('0');
    const fp = (read.body.sections as Json[])[0]!;
    expect(fp).toMatchObject({ number: 1, code: 'FP', title: 'Facility Profile', facilityProfile: true });
    const rows = (fp.subsections as Json[]).map((s) => [
      s.name,
      s.category,
      s.completedPercent,
      s.answered,
      s.toAnswer,
    ]);
    // the guideline's table (G: E)
    expect(rows.slice(0, 6)).toEqual([
      ['Basic Information', 'Facility', 0, 0, expect.any(Number)],
      ['Basic Information', 'Hours of Operation', 0, 0, 3],
      ['Basic Information', 'Peak Months', 0, 0, 1],
      ['Basic Information', 'Assessment Submission', 0, 0, expect.any(Number)],
      ['Building Structures', 'Total', 0, 0, 1],
      ['Building Structures', 'Production', 0, 0, 1],
    ]);
    const bipartite = (read.body.sections as Json[]).flatMap((s) =>
      (s.subsections as Json[]).flatMap((u) => u.bipartiteDialogueQuestionIds as string[])
    );
    expect(bipartite.length).toBeGreaterThan(0);
    expect(read.body.nextUnansweredQuestionId).toBe('FP-BAS-1');
    const bangla = await overview(manager, '?lang=bn');
    expect((bangla.body.sections as Json[])[0]!.title).not.toBe('Facility Profile');
    expect((await overview(manager, '?lang=xx')).status).toBe(400);
  });

  it('R12: a question: text, guidance, answer type, law overlay of the country, navigation, position', async () => {
    const read = await call('GET', `self-assessments/${saId}/questions/FP-BAS-2?lang=vi`, { as: 'advisor-bd' });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      questionId: 'FP-BAS-2',
      lang: 'vi',
      applies: true,
      answer: null,
      previousQuestionId: 'FP-BAS-1',
      nextQuestionId: 'FP-BAS-3',
      nextUnansweredQuestionId: 'FP-BAS-3',
      position: { n: 2, of: expect.any(Number) },
      section: { code: 'FP' },
      subsection: { code: 'BAS', category: expect.any(String) },
      lawOverlay: { countryCode: 'BD', text: expect.any(String) },
    });
    expect(read.body.text).toEqual(expect.any(String));
    expect(read.body.guidance).toEqual(expect.any(String));
    expect((await call('GET', `self-assessments/${saId}/questions/XX-YYY-1`, { as: manager })).status).toBe(404);
    const oddId = encodeURIComponent('FP-BAS-1#?');
    expect((await call('GET', `self-assessments/${saId}/questions/${oddId}`, { as: manager })).status).toBe(404);
  });
});

describe('R12: bad input answers a problem and writes nothing', () => {
  it('unknown question ids, wrong types, out of bounds, options not in the list, text over its limit: 400/404', async () => {
    await refusedWithoutWriting(() => put('FP-BAS-999', 'x'), 404);
    await refusedWithoutWriting(() => put('not a question', 'x'), 404);
    const samples = new Map<string, BankQuestion>();
    for (const q of questions) {
      const key = `${q.answer.type}${q.answer.type === 'number' && q.answer.max !== undefined ? '+max' : ''}`;
      if (!q.condition && !samples.has(key)) samples.set(key, q);
    }
    expect([...samples.keys()].sort()).toEqual(
      expect.arrayContaining(['date', 'multipleChoice', 'number+max', 'singleChoice', 'text', 'yesNo'])
    );
    for (const q of samples.values()) {
      for (const bad of invalidAnswers(q.answer)) {
        const refused = await refusedWithoutWriting(() => put(q.id, bad.value), 400);
        expect({ question: q.id, why: bad.why, errors: refused.body.errors }).toMatchObject({
          errors: [expect.objectContaining({ pointer: expect.stringMatching(/^\/value/) })],
        });
      }
    }
    const yesNo = samples.get('yesNo')!;
    await refusedWithoutWriting(() => put(yesNo.id, { yes: true }), 400);
    await refusedWithoutWriting(
      () =>
        call('PUT', `self-assessments/${saId}/answers/${yesNo.id}`, { as: manager, json: { value: true, extra: 1 } }),
      400
    );
    await refusedWithoutWriting(() => put(yesNo.id, true, manager, saId, 'c'.repeat(1001)), 400);
  });

  it('R12: answering a question whose condition is off: 422', async () => {
    const conditional = questions.find((q) => q.condition)!;
    const refused = await refusedWithoutWriting(() => put(conditional.id, sampleAnswer(conditional.answer)), 422);
    expect(refused.body).toMatchObject({ rule: 'R12' });
    const view = await call('GET', `self-assessments/${saId}/questions/${conditional.id}`, { as: manager });
    expect(view.body).toMatchObject({ applies: false, position: null, condition: { met: false } });
  });

  it("another factory's self-assessment: 404 to its neighbour's manager, 403 to staff, nothing written", async () => {
    await refusedWithoutWriting(() => put('FP-BAS-1', 'x', manager, otherSaId), 404);
    await refusedWithoutWriting(
      () => call('DELETE', `self-assessments/${otherSaId}/answers/FP-BAS-1`, { as: manager }),
      404
    );
    await refusedWithoutWriting(() => call('POST', `self-assessments/${otherSaId}/submit`, { as: manager }), 404);
    await refusedWithoutWriting(() => put('FP-BAS-1', 'x', 'registration-bd'), 403);
    await refusedWithoutWriting(() => put('FP-BAS-1', 'x', 'admin'), 403);
    await refusedWithoutWriting(() => put('FP-BAS-1', 'x', manager, 'BD-DEMO0001-C2-SA'), 404);
  });
});

describe('R12, R13: a whole Step 1 assessment answered through the API, then submitted', () => {
  const costs: { questionId: string; cost: Cost; phase: 'concurrent' | 'sequential' }[] = [];
  let started = 0;

  it('R12: the manager answers every question, four at a time; no answer is lost and the counters are exact', async () => {
    started = Date.now();
    const queue = questions.map((q) => q.id);
    const taken = new Set<string>();
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const answer = await put(id, sampleAnswer(question(id).answer));
        if (answer.status === 422 && answer.body.rule === 'R12') continue; // its condition is off (for now)
        expect({ id, status: answer.status, body: answer.body }).toMatchObject({ status: 200 });
        taken.add(id);
        costs.push({ questionId: id, cost: costOf(answer), phase: 'concurrent' });
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    // then the questions whose condition holds now, one by one, following "next unanswered"
    for (let next = (await overview()).body.nextUnansweredQuestionId as string | null; next;) {
      const answer = await put(
        next,
        sampleAnswer(question(next).answer),
        manager,
        saId,
        'Checked with the bipartite committee'
      );
      expect({ next, status: answer.status }).toEqual({ next, status: 200 });
      taken.add(next);
      costs.push({ questionId: next, cost: costOf(answer), phase: 'sequential' });
      next = answer.body.nextUnansweredQuestionId as string | null;
    }
    const read = await overview();
    expect(read.body.overall).toMatchObject({ complete: true, completedPercent: 100, toAnswer: 0 });
    expect(read.body.overall.answered).toBe(taken.size);
    expect(read.body.nextUnansweredQuestionId).toBeNull();
    expect(read.body.submission).toMatchObject({ allowed: true });
    const answers = await partition('answer');
    expect(answers.map((a) => a.questionId).sort()).toEqual([...taken].sort());
    const audits = (await partition('audit')) as SelfAssessmentAuditDocument[];
    expect(audits.filter((a) => a.action === 'answerGiven')).toHaveLength(costs.length);
  });

  it('R12: each answer costs one read and one write round trip, writing under 2 KB (concurrent answers take turns)', () => {
    const elapsed = Date.now() - started;
    expect(costs.length).toBeGreaterThanOrEqual(120);
    for (const { questionId, cost } of costs) {
      expect({ questionId, writes: cost.writes, bytesUnder2K: cost.bytes < 2048 }).toEqual({
        questionId,
        writes: 1,
        bytesUnder2K: true,
      });
    }
    // 2 round trips: the header and the batch; the caller's directory entry is cached for 30 s, so an
    // answer now and then reads it again
    const overTwo = costs.filter((c) => c.cost.roundTrips > 2);
    expect(costs.every((c) => c.cost.roundTrips <= 3)).toBe(true);
    expect(overTwo.length).toBeLessThanOrEqual(Math.ceil(elapsed / scopeCacheMs));
  });

  it('R13: at 94.x % the submission is refused with the numbers and what is missing; so is an incomplete Facility Profile', async () => {
    const read = await overview();
    const n = read.body.overall.applicable as number;
    const keep = Math.ceil((95 * n) / 100) - 1; // the largest count below 95 %
    const sources = new Set(questions.flatMap((q) => (q.condition ? [q.condition.questionId] : [])));
    const clearable = questions
      .filter((q) => !fpIds.has(q.id) && !sources.has(q.id) && !q.condition)
      .slice(-(n - keep));
    for (const q of clearable) {
      const cleared = await call('DELETE', `self-assessments/${saId}/answers/${q.id}`, { as: manager });
      expect({ id: q.id, status: cleared.status, answered: cleared.body.answered }).toEqual({
        id: q.id,
        status: 200,
        answered: false,
      });
    }
    const refused = await refusedWithoutWriting(
      () => call('POST', `self-assessments/${saId}/submit`, { as: manager }),
      422
    );
    expect(refused.body).toMatchObject({
      rule: 'R13',
      completion: {
        overall: { answered: keep, applicable: n, complete: false },
        facilityProfile: { complete: true },
        requiredPercent: { overall: 95, facilityProfile: 100 },
      },
      missing: { facilityProfile: [], all: clearable.map((q) => q.id) },
    });
    expect(refused.body.completion.overall.completedPercent).toBeGreaterThanOrEqual(94);
    expect(refused.body.completion.overall.completedPercent).toBeLessThan(95);
    expect(refused.body.detail).toMatch(/at least 95 % is needed/);
    // clearing one without an answer writes nothing
    const before = await api.fingerprint();
    expect((await call('DELETE', `self-assessments/${saId}/answers/${clearable[0]!.id}`, { as: manager })).status).toBe(
      200
    );
    expect(await api.fingerprint()).toEqual(before);

    for (const q of clearable) expect((await put(q.id, sampleAnswer(q.answer))).status).toBe(200);
    expect((await call('DELETE', `self-assessments/${saId}/answers/FP-BAS-1`, { as: manager })).status).toBe(200);
    const fpRefused = await refusedWithoutWriting(
      () => call('POST', `self-assessments/${saId}/submit`, { as: manager }),
      422
    );
    expect(fpRefused.body).toMatchObject({
      rule: 'R13',
      missing: { facilityProfile: ['FP-BAS-1'], all: ['FP-BAS-1'] },
    });
    expect((await put('FP-BAS-1', sampleAnswer(question('FP-BAS-1').answer))).status).toBe(200);
  });

  it('R13: the whole assessment is submitted: the submission date is recorded, answers are frozen, it is audited', async () => {
    const submitted = await call('POST', `self-assessments/${saId}/submit`, { as: manager });
    expect(submitted.status).toBe(200);
    const today = api.clock.now().toISOString().slice(0, 10);
    expect(submitted.body).toMatchObject({
      status: 'submitted',
      overall: { complete: true },
      facilityProfile: { complete: true },
      submissionDate: { questionId: 'FP-BAS-26', value: today },
    });
    const date = await call('GET', `self-assessments/${saId}/questions/FP-BAS-26`, { as: 'advisor-bd' });
    expect(date.body.answer).toMatchObject({ value: today });
    expect((await overview('assessor-bd')).body).toMatchObject({
      status: 'submitted',
      submittedAt: submitted.body.submittedAt,
    });
    await refusedWithoutWriting(() => put('FP-BAS-1', 'Changed after submission'), 409);
    await refusedWithoutWriting(
      () => call('DELETE', `self-assessments/${saId}/answers/FP-BAS-1`, { as: manager }),
      409
    );
    await refusedWithoutWriting(() => call('POST', `self-assessments/${saId}/submit`, { as: manager }), 409);
    const audits = (await partition('audit')) as SelfAssessmentAuditDocument[];
    expect(audits.map((a) => a.action)).toEqual(
      expect.arrayContaining(['selfAssessmentStarted', 'answerGiven', 'answerCleared', 'selfAssessmentSubmitted'])
    );
    expect(audits.filter((a) => a.action === 'selfAssessmentSubmitted')).toEqual([
      expect.objectContaining({
        actor: expect.objectContaining({ roles: ['FactoryManager'] }),
        after: expect.objectContaining({ status: 'submitted' }),
      }),
    ]);
  });
});
