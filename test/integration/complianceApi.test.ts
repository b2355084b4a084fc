// Better Work's side of the cycle through the HTTP API, in-process: the app's real function registrations on
// the local Functions host over real HTTP, a real local Cosmos server through the real SDK, a real Azurite blob
// service for the released reports, ES256 tokens of the demo users. An assessor of Bangladesh assesses
// BD-DEMO0001 by visit (every finding in one request) and completes it (R15, R14); staff release the report
// (R16): JSON and an HTML page in blob storage, read by the factory and its subscribed brand without any SLCP
// hint (R21), in the dashboard's latest documents (R24); the non-compliant findings make the improvement plan,
// which the factory's advisor extends and works through with ETags (R25). A VCC of BD-DEMO0002 takes only
// VCC-scope findings. Every bad input answers a problem and writes nothing. Completion and release wake the
// cycle's timeline after their commit; a signal the Durable engine does not take is only logged.
import { seedDemoData } from '../../local/seed/seedDemoData';
import type { FactoryDocument } from '../../shared/domain/factory/factory';
import { apiCalls, type Json } from '../support/apiCalls';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';

jest.setTimeout(240_000);

const factoryId = 'BD-DEMO0001'; // managed by fm-bd-1, advised by advisor-bd, brand-1 subscribes
const cycleId = `${factoryId}-C1`;
const base = `factories/${factoryId}/cycles/${cycleId}`;
const vccFactory = 'BD-DEMO0002'; // managed by fm-bd-2, asked to share via SLCP 10 days ago, brand-2 subscribes
const vccBase = `factories/${vccFactory}/cycles/${vccFactory}-C1`;
const assessor = 'assessor-bd';
const dayMs = 86_400_000;

let api: ApiHarness;
const { call, refusedWithoutWriting } = apiCalls(() => api);
const day = (offset: number) => new Date(api.clock.now().getTime() + offset * dayMs).toISOString().slice(0, 10);
const warnings: string[] = [];

interface ScopeQuestion {
  questionId: string;
  cluster: string;
  point: string;
}
let scope: ScopeQuestion[] = [];
let nonCompliant: string[] = [];

const questionsOf = (view: Json): ScopeQuestion[] =>
  (view.clusters as Json[]).flatMap((c) =>
    (c.points as Json[]).flatMap((p) =>
      (p.questions as Json[]).map((q) => ({ questionId: q.questionId as string, cluster: c.cluster, point: p.point }))
    )
  );

async function factoryDoc(id: string): Promise<FactoryDocument> {
  return (await api.store.read<FactoryDocument>('factories', id.slice(0, 2), id))!.doc;
}

beforeAll(async () => {
  api = await startApiHarness({
    seed: (store, clock) => seedDemoData(store, clock),
    azurite: true,
    writeLine: (line) => {
      if (/timeline signal/.test(line)) warnings.push(line);
    },
  });
  for (const [id, staff] of [
    [factoryId, 'registration-bd'],
    [vccFactory, 'registration-bd'],
  ] as const) {
    const activated = await call('POST', `factories/${id}/cycles/${id}-C1/activate`, { as: staff });
    expect(activated.status).toBe(200);
  }
  // The manager starts the self-assessment (not submitted before the assessment: R14 says so)
  expect(
    (await call('POST', `factories/${factoryId}/self-assessments`, { as: 'fm-bd-1', json: { cycleId } })).status
  ).toBe(201);
});

afterAll(async () => {
  await api?.stop();
});

describe('R15: the assessors create the assessment of the cycle', () => {
  const body = () => ({ method: 'visit', firstDay: day(-3), lastDay: day(-2) });

  it('R15: only assessors of the country (and Admin) create it; bad bodies are problems; nothing is written', async () => {
    await refusedWithoutWriting(() => call('POST', `${base}/assessment`, { as: 'fm-bd-1', json: body() }), 403);
    await refusedWithoutWriting(() => call('POST', `${base}/assessment`, { as: 'advisor-bd', json: body() }), 403);
    await refusedWithoutWriting(() => call('POST', `${base}/assessment`, { as: 'registration-bd', json: body() }), 403);
    await refusedWithoutWriting(() => call('POST', `${base}/assessment`, { as: 'assessor-vn', json: body() }), 404);
    await refusedWithoutWriting(() => call('POST', `${base}/assessment`, { json: body() }), 401);
    await refusedWithoutWriting(
      () => call('POST', `factories/${factoryId}/cycles/${factoryId}-C7/assessment`, { as: assessor, json: body() }),
      404
    );
    const method = await refusedWithoutWriting(
      () => call('POST', `${base}/assessment`, { as: assessor, json: { ...body(), method: 'phone' } }),
      400
    );
    expect(method.body.errors).toEqual([expect.objectContaining({ pointer: '/method' })]);
    const extra = await refusedWithoutWriting(
      () => call('POST', `${base}/assessment`, { as: assessor, json: { ...body(), shareWithSlcp: true } }),
      400
    );
    expect(extra.body.errors).toEqual([{ pointer: '/shareWithSlcp', detail: 'is not a field of this request' }]);
    const reversed = await refusedWithoutWriting(
      () => call('POST', `${base}/assessment`, { as: assessor, json: { ...body(), lastDay: day(-4) } }),
      400
    );
    expect(reversed.body.errors).toEqual([{ pointer: '/lastDay', detail: 'must not be before firstDay' }]);
    const outside = await refusedWithoutWriting(
      () =>
        call('POST', `${base}/assessment`, {
          as: assessor,
          json: { method: 'visit', firstDay: day(-200), lastDay: day(-199) },
        }),
      422
    );
    expect(outside.body).toMatchObject({ rule: 'R15' });
    const stranger = await refusedWithoutWriting(
      () =>
        call('POST', `${base}/assessment`, {
          as: assessor,
          json: {
            ...body(),
            assessors: ['fc868a38-159a-4348-bd30-0a66ac10e41a', '8b7564c7-0239-4a52-a06b-42aace41e5e4'],
          },
        }),
      400
    );
    expect(stranger.body.errors).toEqual([expect.objectContaining({ pointer: '/assessors/1' })]);
    await refusedWithoutWriting(
      () => call('POST', `${base}/assessment`, { as: assessor, body: '{"method":', headers: {} }),
      400
    );
    await refusedWithoutWriting(
      () =>
        call('POST', `${base}/assessment`, {
          as: assessor,
          body: JSON.stringify(body()),
          headers: { 'content-type': 'text/plain' },
        }),
      415
    );
  });

  it('R15, R14: the assessor creates it (201 + Location), with the timing facts; once per cycle', async () => {
    const created = await call('POST', `${base}/assessment`, { as: assessor, json: body() });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/${base}/assessment`);
    expect(created.body).toMatchObject({
      assessmentId: `${cycleId}-CA`,
      method: 'visit',
      methodName: 'Unannounced assessment visit',
      status: 'inProgress',
      toolVersion: '1.5.0',
      assessors: ['fc868a38-159a-4348-bd30-0a66ac10e41a'],
      coverage: { recorded: 0, complete: false },
      timing: {
        sharingWish: { requestedAt: null, effectiveForCycle: false, reachedBeforeAssessment: false },
        selfAssessment: { selfAssessmentId: `${cycleId}-SA`, status: 'open', reachedBeforeAssessment: false },
      },
      release: null,
    });
    await refusedWithoutWriting(() => call('POST', `${base}/assessment`, { as: 'admin', json: body() }), 409);
  });

  it('R15: staff read it by the 8 clusters and their compliance points; the factory and brands do not', async () => {
    for (const reader of [assessor, 'registration-bd', 'advisor-bd', 'admin']) {
      expect({ reader, status: (await call('GET', `${base}/assessment`, { as: reader })).status }).toEqual({
        reader,
        status: 200,
      });
    }
    expect((await call('GET', `${base}/assessment`, { as: 'fm-bd-1' })).status).toBe(403);
    expect((await call('GET', `${base}/assessment`, { as: 'brand-1' })).status).toBe(403);
    expect((await call('GET', `${base}/assessment`, { as: 'registration-vn' })).status).toBe(404);
    const read = await call('GET', `${base}/assessment?lang=bn`, { as: 'registration-bd' });
    expect(read.body.lang).toBe('bn');
    expect((read.body.clusters as Json[]).map((c) => c.cluster)).toEqual([
      'Child Labour',
      'Forced Labour',
      'Discrimination',
      'Freedom of Association and Collective Bargaining',
      'Contracts & Human Resources',
      'Working Time',
      'Compensation & Benefits',
      'Occupational Safety and Health',
    ]);
    expect(read.body.selfAssessment).toMatchObject({ selfAssessmentId: `${cycleId}-SA`, status: 'open' });
    scope = questionsOf(read.body);
    expect(scope.length).toBe(read.body.coverage.inScope);
    expect(scope.length).toBeGreaterThan(200);
    expect(scope.some((q) => q.questionId.startsWith('FP-'))).toBe(false);
    nonCompliant = scope.filter((_, i) => i % 40 === 3).map((q) => q.questionId);
    // the assessor reads the self-assessment (read-only) but does not answer it
    expect((await call('GET', `self-assessments/${cycleId}-SA`, { as: assessor })).status).toBe(200);
    expect(
      (await call('PUT', `self-assessments/${cycleId}-SA/answers/FP-BAS-1`, { as: assessor, json: { value: 'x' } }))
        .status
    ).toBe(403);
  });
});

describe('R15: findings', () => {
  const put = (questionId: string, json: unknown, as = assessor) =>
    call('PUT', `${base}/assessment/findings/${encodeURIComponent(questionId)}`, { as, json });

  it('R15: one finding at a time; unknown questions 404, Facility Profile questions 422, bad findings 400; nothing written', async () => {
    await refusedWithoutWriting(() => put('XX-YYY-1', { result: 'compliant' }), 404);
    const fp = await refusedWithoutWriting(() => put('FP-BAS-1', { result: 'compliant' }), 422);
    expect(fp.body).toMatchObject({ rule: 'R15', outsideScope: ['FP-BAS-1'] });
    const q = scope[0]!.questionId;
    const noNotes = await refusedWithoutWriting(() => put(q, { result: 'nonCompliant' }), 400);
    expect(noNotes.body.errors).toEqual([{ pointer: '/notes', detail: expect.stringMatching(/needs notes/) }]);
    await refusedWithoutWriting(() => put(q, { result: 'partly' }), 400);
    await refusedWithoutWriting(() => put(q, { result: 'compliant', notes: 'x'.repeat(1001) }), 400);
    await refusedWithoutWriting(() => put(q, { result: 'compliant' }, 'registration-bd'), 403);
    await refusedWithoutWriting(() => put(q, { result: 'compliant' }, 'fm-bd-1'), 403);
    const one = await put(q, { result: 'compliant' });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ assessmentId: `${cycleId}-CA`, changed: 1, coverage: { recorded: 1 } });
    const before = await api.fingerprint();
    expect((await put(q, { result: 'compliant' })).body).toMatchObject({ changed: 0 });
    expect(await api.fingerprint()).toEqual(before);
  });

  it('R15: completing with findings missing is refused with the count missing', async () => {
    const refused = await refusedWithoutWriting(
      () => call('POST', `${base}/assessment/complete`, { as: assessor }),
      422
    );
    expect(refused.body).toMatchObject({ rule: 'R15', missing: scope.length - 1, inScope: scope.length });
    expect(refused.body.missingQuestionIds).toHaveLength(scope.length - 1);
  });

  it('R15: every finding in one request, all or nothing: a bad entry is named and nothing is written', async () => {
    const findings = scope.map(({ questionId }) =>
      nonCompliant.includes(questionId)
        ? {
            questionId,
            result: 'nonCompliant',
            notes: `Seen on the floor <${questionId}> & confirmed in interviews. ${'ঠ'.repeat(200)}`,
          }
        : { questionId, result: 'compliant', notes: 'Checked records and interviewed workers.' }
    );
    const bad = await refusedWithoutWriting(
      () =>
        call('POST', `${base}/assessment/findings`, {
          as: assessor,
          json: {
            findings: [...findings.slice(0, 10), { questionId: 'ZZ-ZZZ-9', result: 'compliant' }, { ...findings[0]! }],
          },
        }),
      400
    );
    expect(bad.body.errors).toEqual([
      { pointer: '/findings/10/questionId', detail: expect.stringMatching(/no Step 1 question/) },
      { pointer: '/findings/11/questionId', detail: 'repeats entry 0' },
    ]);
    const field = await refusedWithoutWriting(
      () =>
        call('POST', `${base}/assessment/findings`, {
          as: assessor,
          json: { findings: [{ questionId: 'X', result: 'ok', extra: 1 }] },
        }),
      400
    );
    expect(field.body.errors).toEqual([{ pointer: '/findings/0/extra', detail: 'is not a field of this request' }]);
    const withFp = await refusedWithoutWriting(
      () =>
        call('POST', `${base}/assessment/findings`, {
          as: assessor,
          json: { findings: [...findings, { questionId: 'FP-BAS-2', result: 'compliant' }] },
        }),
      422
    );
    expect(withFp.body).toMatchObject({ rule: 'R15', outsideScope: ['FP-BAS-2'] });
    const huge = await refusedWithoutWriting(
      () =>
        call('POST', `${base}/assessment/findings`, {
          as: assessor,
          json: { findings: [{ ...findings[0]!, notes: 'x'.repeat(800 * 1024) }] },
        }),
      413
    );
    expect(huge.body.detail).toMatch(/larger than/);

    const sent = JSON.stringify({ findings });
    expect(Buffer.byteLength(sent)).toBeGreaterThan(20_000);
    const all = await call('POST', `${base}/assessment/findings`, { as: assessor, json: { findings } });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({
      changed: scope.length, // the first one gets notes now
      coverage: { missing: 0, recorded: scope.length, nonCompliant: nonCompliant.length, complete: true },
    });
    expect(Number(all.headers.get('x-cosmos-writes'))).toBe(1);
    expect(Number(all.headers.get('x-cosmos-round-trips'))).toBeLessThanOrEqual(4);
    expect(all.headers.get('x-cross-partition-queries')).toBe('0');
  });

  it('R15: the read view shows each finding under its cluster and compliance point', async () => {
    const read = await call('GET', `${base}/assessment`, { as: 'advisor-bd' });
    const first = nonCompliant[0]!;
    const where = scope.find((q) => q.questionId === first)!;
    const cluster = (read.body.clusters as Json[]).find((c) => c.cluster === where.cluster)!;
    const point = (cluster.points as Json[]).find((p) => p.point === where.point)!;
    expect(point.nonCompliant).toBeGreaterThanOrEqual(1);
    expect((point.questions as Json[]).find((q) => q.questionId === first)!.finding).toMatchObject({
      result: 'nonCompliant',
      notes: expect.stringContaining(`<${first}>`),
      recordedBy: 'fc868a38-159a-4348-bd30-0a66ac10e41a',
    });
    expect(read.body.coverage).toMatchObject({ complete: true, nonCompliant: nonCompliant.length });
  });
});

describe('R15, R16: completion', () => {
  it('R15: completing records the assessment on the cycle (audited), answers the release deadline, and is idempotent', async () => {
    const completed = await call('POST', `${base}/assessment/complete`, { as: assessor });
    expect(completed.status).toBe(200);
    expect(completed.body).toMatchObject({
      assessmentId: `${cycleId}-CA`,
      lastDay: day(-2),
      changed: true,
      release: { deadline: day(26), releasedAt: null, late: null, overdue: false },
    });
    const cycle = (await factoryDoc(factoryId)).cycles[0]!;
    expect(cycle.assessment).toMatchObject({ assessmentId: `${cycleId}-CA`, method: 'visit', lastDay: day(-2) });
    const audit = await call('GET', `factories/${factoryId}/audit`, { as: 'registration-bd' });
    const actions = (audit.body.items as Json[]).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'complianceAssessmentCreated',
        'assessmentFindingsRecorded',
        'complianceAssessmentCompleted',
      ])
    );
    // The cycle's timeline was woken after the commit; where the Durable engine does not take the signal, it is
    // only logged (the daily reconciliation catches up) and the completion stands all the same.
    expect(warnings.every((w) => /failed after the change committed/.test(w))).toBe(true);
    const before = await api.fingerprint();
    const again = await call('POST', `${base}/assessment/complete`, { as: 'admin' });
    expect(again.body).toMatchObject({ changed: false, completedAt: completed.body.completedAt });
    expect(await api.fingerprint()).toEqual(before);
    await refusedWithoutWriting(
      () =>
        call('PUT', `${base}/assessment/findings/${scope[0]!.questionId}`, {
          as: assessor,
          json: { result: 'compliant' },
        }),
      409
    );
  });
});

describe('R16, R21, R24, R25: the release', () => {
  let reportId = '';

  it('R16: before the release there is no report; only staff of the country, assessors and Admin release', async () => {
    expect((await call('GET', `${base}/report`, { as: 'fm-bd-1' })).status).toBe(404);
    expect((await call('GET', `${base}/improvement-plan`, { as: 'fm-bd-1' })).status).toBe(404);
    await refusedWithoutWriting(() => call('POST', `${base}/report/release`, { as: 'fm-bd-1' }), 403);
    await refusedWithoutWriting(() => call('POST', `${base}/report/release`, { as: 'advisor-bd' }), 403);
    await refusedWithoutWriting(() => call('POST', `${base}/report/release`, { as: 'brand-1' }), 403);
    await refusedWithoutWriting(() => call('POST', `${base}/report/release`, { as: 'registration-vn' }), 404);
    const early = await refusedWithoutWriting(
      () => call('POST', `${vccBase}/report/release`, { as: 'registration-bd' }),
      422
    );
    expect(early.body).toMatchObject({ rule: 'R16' });
  });

  it('R16, R25: staff release the report: on time, audited, the plan made, Progress Report 1 due in 30 days; idempotent', async () => {
    const released = await call('POST', `${base}/report/release`, { as: 'registration-bd' });
    expect(released.status).toBe(200);
    reportId = released.body.reportId;
    expect(released.body).toMatchObject({
      factoryId,
      cycleId,
      reportId: expect.stringMatching(new RegExp(`^${cycleId}-R[0-9A-Z]{6}$`)),
      release: { deadline: day(26), late: false, overdue: false },
      improvementPlan: { completed: 0, pending: nonCompliant.length, progressReport1DueOn: day(30) },
      links: {
        json: `/api/${base}/report`,
        html: `/api/${base}/report/html`,
        improvementPlan: `/api/${base}/improvement-plan`,
      },
      changed: true,
    });
    expect((await factoryDoc(factoryId)).cycles[0]!.report).toMatchObject({ reportId });
    const audit = await call('GET', `factories/${factoryId}/audit`, { as: 'registration-bd' });
    expect((audit.body.items as Json[]).map((e) => e.action)).toContain('assessmentReportReleased');
    // the factory's manager is told in the same batch: a portal notification and an email, in the outbox
    const { resources: outbox } = await (
      await api.database()
    )
      .container('factories')
      .items.query<Json>({
        query: 'SELECT * FROM c WHERE c.type = "outbox" AND c.factoryId = @f AND c.subject = @s',
        parameters: [
          { name: '@f', value: factoryId },
          { name: '@s', value: 'Your Better Work assessment report is released' },
        ],
      })
      .fetchAll();
    expect(outbox.map((o) => o.kind).sort()).toEqual(['email', 'notification']);
    expect(outbox[0]!.link).toBe(`https://portal.example.org/factories/${factoryId}/cycles/${cycleId}/report`);
    const before = await api.fingerprint();
    const again = await call('POST', `${base}/report/release`, { as: assessor });
    expect(again.body).toMatchObject({ reportId, changed: false });
    expect(await api.fingerprint()).toEqual(before);
  });

  it('R21: the factory, Better Work and the subscribed brand read the JSON report: every finding, no SLCP anything', async () => {
    for (const reader of ['fm-bd-1', 'registration-bd', assessor, 'advisor-bd', 'admin', 'brand-1']) {
      const read = await call('GET', `${base}/report`, { as: reader });
      expect({ reader, status: read.status }).toEqual({ reader, status: 200 });
    }
    expect((await call('GET', `${base}/report`, { as: 'brand-2' })).status).toBe(404);
    expect((await call('GET', `${base}/report`, { as: 'fm-bd-2' })).status).toBe(404);
    const report = await call('GET', `${base}/report`, { as: 'brand-1' });
    expect(report.body).toMatchObject({
      reportId,
      title: 'Better Work compliance assessment report',
      factory: { factoryId, name: 'Meghna Knit Composite Ltd.' },
      assessment: { method: 'visit', firstDay: day(-3), lastDay: day(-2) },
      release: { deadline: day(26), late: false },
      summary: { assessed: scope.length, nonCompliant: nonCompliant.length },
    });
    const findings = (report.body.clusters as Json[]).flatMap((c) =>
      (c.points as Json[]).flatMap((p) => p.findings as Json[])
    );
    expect(findings.map((f) => f.questionId).sort()).toEqual(scope.map((q) => q.questionId).sort());
    expect(JSON.stringify(report.body)).not.toMatch(/slcp|gateway|sharing/i);
  });

  it('R16: the HTML page opens as text/html under a strict Content-Security-Policy, its texts escaped', async () => {
    const page = await call('GET', `${base}/report/html`, { as: 'brand-1' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const policy = page.headers.get('content-security-policy')!;
    expect(policy).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+';/);
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toMatch(/unsafe|script/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('content-disposition')).toBe(`inline; filename="${reportId}.html"`);
    expect(page.text).toMatch(/^<!DOCTYPE html>/);
    expect(page.text).toContain('Meghna Knit Composite Ltd.');
    expect(page.text).toContain(`&lt;${nonCompliant[0]}&gt; &amp; confirmed`);
    expect(page.text).not.toMatch(/<script|slcp|gateway/i);
    expect((await call('GET', `${base}/report/html`, { as: 'gateway' })).status).toBe(403);
    expect((await call('GET', `${base}/report/html`)).status).toBe(401);
  });

  it('R24, R21: the report is in the latest documents and in the brand\u2019s list; the improvement counts come from the plan', async () => {
    for (const reader of ['fm-bd-1', 'brand-1']) {
      const dashboard = await call('GET', `factories/${factoryId}/dashboard`, { as: reader });
      expect(dashboard.body.latestDocuments).toEqual([
        {
          title: 'Better Work compliance assessment report',
          cycleId,
          date: day(0),
          fileName: `${reportId}.html`,
          href: `/api/${base}/report/html`,
        },
      ]);
      expect(dashboard.body.quickFacts.improvementActivities).toEqual({ completed: 0, pending: nonCompliant.length });
    }
    const listed = await call('GET', `factories/${factoryId}/reports`, { as: 'brand-1' });
    expect(listed.body).toEqual({
      factoryId,
      reports: [
        {
          title: 'Better Work compliance assessment report',
          cycleId,
          reportId,
          releasedAt: expect.any(String),
          links: { json: `/api/${base}/report`, html: `/api/${base}/report/html` },
        },
      ],
    });
    expect((await call('GET', `factories/${factoryId}/reports`, { as: 'brand-2' })).status).toBe(404);
  });

  it('R25: the manager reads the plan; the advisor adds an advisory item and marks items done with If-Match (412 when stale)', async () => {
    const plan = await call('GET', `${base}/improvement-plan`, { as: 'fm-bd-1' });
    expect(plan.status).toBe(200);
    expect(plan.body).toMatchObject({
      reportId,
      progressReport1DueOn: day(30),
      counts: { completed: 0, pending: nonCompliant.length },
    });
    const first = (plan.body.items as Json[])[0]!;
    expect(first).toMatchObject({
      itemId: `assessment-${nonCompliant[0]}`,
      source: 'assessment',
      questionId: nonCompliant[0],
      cluster: scope.find((q) => q.questionId === nonCompliant[0])!.cluster,
      status: 'pending',
    });
    expect((await call('GET', `${base}/improvement-plan`, { as: 'brand-1' })).status).toBe(403);
    await refusedWithoutWriting(
      () => call('POST', `${base}/improvement-plan/items`, { as: 'fm-bd-1', json: { title: 'Mine' } }),
      403
    );
    await refusedWithoutWriting(
      () =>
        call('POST', `${base}/improvement-plan/items`, {
          as: 'advisor-bd',
          json: { title: 'x', cluster: 'Elsewhere' },
        }),
      400
    );
    const added = await call('POST', `${base}/improvement-plan/items`, {
      as: 'advisor-bd',
      json: {
        title: 'Fire exits blocked in the finishing section',
        description: 'Found during the advisory visit; the committee agreed to clear them.',
        cluster: 'Occupational Safety and Health',
        point: 'Emergency Preparedness',
      },
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ itemId: 'advisory-1', source: 'advisory', status: 'pending' });
    expect(added.headers.get('etag')).toBe(added.body.etag);
    expect(added.headers.get('location')).toBe(`/api/${base}/improvement-plan/items/advisory-1`);

    const patch = (itemId: string, status: string, headers: Record<string, string>, as = 'advisor-bd') =>
      call('PATCH', `${base}/improvement-plan/items/${itemId}`, { as, json: { status }, headers });
    await refusedWithoutWriting(() => patch(first.itemId, 'done', {}), 412);
    await refusedWithoutWriting(() => patch(first.itemId, 'done', { 'if-match': '"stale"' }), 412);
    await refusedWithoutWriting(() => patch(first.itemId, 'done', { 'if-match': first.etag }, 'fm-bd-1'), 403);
    await refusedWithoutWriting(() => patch('advisory-9', 'done', { 'if-match': '*' }), 404);
    await refusedWithoutWriting(() => patch(first.itemId, 'finished', { 'if-match': first.etag }), 400);
    const done = await patch(first.itemId, 'done', { 'if-match': first.etag });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      status: 'done',
      changed: true,
      counts: { completed: 1, pending: nonCompliant.length },
    });
    expect(done.headers.get('etag')).not.toBe(first.etag);
    await refusedWithoutWriting(() => patch(first.itemId, 'pending', { 'if-match': first.etag }, 'admin'), 412);
    const dashboard = await call('GET', `factories/${factoryId}/dashboard`, { as: 'brand-1' });
    expect(dashboard.body.quickFacts.improvementActivities).toEqual({ completed: 1, pending: nonCompliant.length });
  });
});

describe('R15: a Virtual Compliance Check covers only VCC-scope questions', () => {
  it('R15, R14: a VCC of a factory that asked to share before it takes findings in VCC scope only (422 naming R15)', async () => {
    const created = await call('POST', `${vccBase}/assessment`, {
      as: assessor,
      json: { method: 'vcc', firstDay: day(-1), lastDay: day(0) },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      methodName: 'Virtual Compliance Check',
      timing: { sharingWish: { requestedAt: expect.any(String), reachedBeforeAssessment: true } },
    });
    const vccScope = questionsOf(created.body);
    expect(vccScope.length).toBeLessThan(scope.length);
    const outside = scope.find((q) => !vccScope.some((v) => v.questionId === q.questionId))!.questionId;
    const refused = await refusedWithoutWriting(
      () => call('PUT', `${vccBase}/assessment/findings/${outside}`, { as: assessor, json: { result: 'compliant' } }),
      422
    );
    expect(refused.body).toMatchObject({ rule: 'R15', outsideScope: [outside] });
    expect(refused.body.detail).toMatch(/Virtual Compliance Check covers only the questions in VCC scope/);
    const all = await call('POST', `${vccBase}/assessment/findings`, {
      as: assessor,
      json: { findings: vccScope.map((q) => ({ questionId: q.questionId, result: 'compliant' })) },
    });
    expect(all.body.coverage).toMatchObject({ complete: true, inScope: vccScope.length });
    const completed = await call('POST', `${vccBase}/assessment/complete`, { as: assessor });
    expect(completed.status).toBe(200);
    const released = await call('POST', `${vccBase}/report/release`, { as: assessor });
    expect(released.body).toMatchObject({ improvementPlan: { pending: 0 }, changed: true });
    const report = await call('GET', `${vccBase}/report`, { as: 'brand-2' });
    expect(report.body.summary.assessed).toBe(vccScope.length);
    // R21: this factory asked to share via SLCP; its report says nothing of it
    expect(JSON.stringify(report.body)).not.toMatch(/slcp|gateway|sharing/i);
  });
});

describe('OpenAPI documents every endpoint of this side of the cycle', () => {
  it('lists each operation with its roles, and the report page as text/html', async () => {
    const response = await fetch(`${api.base}/openapi.json`);
    const document = (await response.json()) as { paths: Record<string, Record<string, Json>> };
    const operations = new Map(
      Object.entries(document.paths).flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => [op.operationId as string, { path, method, op }])
      )
    );
    for (const id of [
      'createComplianceAssessment',
      'getComplianceAssessment',
      'recordAssessmentFinding',
      'recordAssessmentFindings',
      'completeComplianceAssessment',
      'releaseAssessmentReport',
      'getAssessmentReport',
      'getAssessmentReportPage',
      'listAssessmentReports',
      'getImprovementPlan',
      'addImprovementItem',
      'updateImprovementItem',
    ]) {
      expect({ id, documented: operations.has(id) }).toEqual({ id, documented: true });
      expect(operations.get(id)!.op.description).toMatch(/^Roles: /);
    }
    const page = operations.get('getAssessmentReportPage')!;
    expect(Object.keys(page.op.responses['200'].content)).toEqual(['text/html; charset=utf-8']);
  });
});
