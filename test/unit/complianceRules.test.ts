// Better Work's side of the cycle as pure rules, on the shipped question bank: R15 (what an assessment by
// visit or VCC covers, its days, findings, completion), R14 (the timing facts), R16 (the release deadline and
// lateness, the report and its page), R21 (nothing in the report depends on SLCP participation), R25 (the
// improvement plan: items from non-compliant findings and advisory work, If-Match per item, Progress Report 1),
// R24 (the dashboard's improvement counts and latest documents).
import caf150 from '../../data/question-banks/caf-1.5.0.json';
import {
  assertAssessmentDays,
  completeAssessment,
  coverageOf,
  newComplianceAssessment,
  OutsideScopeError,
  recordFindings,
  talliesByCluster,
  timingFacts,
  type ComplianceAssessmentDocument,
  type FindingInput,
  type TimingFacts,
} from '../../shared/domain/compliance/assessment';
import {
  addAdvisoryItem,
  improvementCounts,
  itemEtag,
  planFromReport,
  progressReport1DueOn,
  setItemStatus,
} from '../../shared/domain/compliance/improvementPlan';
import {
  assertReleasable,
  buildReport,
  releaseDeadlineOf,
  releaseTiming,
  reportFileName,
} from '../../shared/domain/compliance/report';
import {
  escapeHtml,
  renderReportHtml,
  reportPageSecurityPolicy,
  styleSheetOf,
} from '../../shared/domain/compliance/reportHtml';
import { complianceOutline, scopeOf, type ComplianceOutline } from '../../shared/domain/compliance/scope';
import { buildDashboard, latestDocumentsOf } from '../../shared/domain/dashboard/dashboard';
import {
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  RuleViolationError,
  ValidationError,
} from '../../shared/domain/errors';
import { activateCycle, registerFirstCycle } from '../../shared/domain/factory/cycles';
import { newFactoryDocument, type CycleEntry, type FactoryDocument } from '../../shared/domain/factory/factory';
import { parseQuestionBank } from '../../shared/domain/questionBank/questionBank';
import type { QuestionBank } from '../../shared/domain/questionBank/model';
import { complianceClusters, compliancePoints } from '../../shared/domain/questionBank/vocabulary';
import { createHash } from 'node:crypto';

const parsed = parseQuestionBank(caf150);
if (!parsed.ok) throw new Error('the shipped question bank does not parse');
const bank: QuestionBank = parsed.tool;
const outline: ComplianceOutline = complianceOutline(bank);
const step1 = bank.sections.flatMap((s) => s.subsections.flatMap((u) => u.questions)).filter((q) => q.step === 1);

const now = new Date('2030-03-01T08:00:00Z');
const factoryId = 'BD-FACT0001';

function activatedFactory(overrides: Partial<FactoryDocument> = {}): { factory: FactoryDocument; cycle: CycleEntry } {
  const created = newFactoryDocument({
    factoryId,
    name: 'Meghna Knit Composite Ltd.',
    address: 'Plot 14, Tongi',
    osHubId: undefined,
    now: '2030-01-01T00:00:00Z',
  });
  const registered = registerFirstCycle(
    created,
    { startsOn: '2030-01-01', endsOn: '2030-12-31' },
    new Date('2030-01-01T00:00:00Z')
  );
  const activated = activateCycle(registered, `${factoryId}-C1`, 'u-staff', new Date('2030-01-02T00:00:00Z'));
  const factory = { ...activated.factory, ...overrides };
  return { factory, cycle: factory.cycles[0]! };
}

const noTiming: TimingFacts = {
  assessmentStartsAt: '2030-02-10T00:00:00.000Z',
  sharingWish: { requestedAt: null, effectiveForCycle: false, reachedBeforeAssessment: false },
  selfAssessment: { selfAssessmentId: null, status: 'notStarted', submittedAt: null, reachedBeforeAssessment: false },
  recordedAt: now.toISOString(),
};

function assessment(method: 'visit' | 'vcc' = 'visit', cycle = activatedFactory().cycle): ComplianceAssessmentDocument {
  return newComplianceAssessment({
    factoryId,
    cycle,
    plan: { method, firstDay: '2030-02-10', lastDay: '2030-02-11' },
    assessorUserIds: ['u-assessor'],
    toolVersion: bank.version,
    timing: noTiming,
    userId: 'u-assessor',
    now: now.toISOString(),
  });
}

const by = { userId: 'u-assessor', now: now.toISOString() };

/** Every question in scope compliant but the listed ones. */
function allFindings(doc: ComplianceAssessmentDocument, nonCompliant: string[] = []): FindingInput[] {
  return scopeOf(outline, doc.method).map((q) =>
    nonCompliant.includes(q.id)
      ? { questionId: q.id, result: 'nonCompliant', notes: `Workers at ${q.id} said <b>so</b> & more.` }
      : { questionId: q.id, result: 'compliant' }
  );
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('R15: what a compliance assessment covers', () => {
  it('R15: every Step 1 question outside the Facility Profile maps to one of the 8 clusters and one of its compliance points', () => {
    const assessed = step1.filter((q) => q.compliance);
    expect(outline.byId.size).toBe(assessed.length);
    expect(outline.clusters.map((c) => c.cluster)).toEqual(complianceClusters);
    for (const { cluster, points } of outline.clusters) {
      for (const { point, questions } of points) {
        expect(compliancePoints[cluster] as readonly string[]).toContain(point);
        for (const q of questions)
          expect({ id: q.id, cluster: q.cluster, point: q.point }).toEqual({ id: q.id, cluster, point });
      }
    }
    const facilityProfile = step1.filter((q) => q.id.startsWith('FP-'));
    expect(facilityProfile.length).toBeGreaterThan(0);
    for (const q of facilityProfile) expect(outline.notAssessed.has(q.id)).toBe(true);
  });

  it('R15: a visit covers every compliance question; a Virtual Compliance Check only those in VCC scope, in every cluster', () => {
    const visit = scopeOf(outline, 'visit');
    const vcc = scopeOf(outline, 'vcc');
    expect(visit).toHaveLength(outline.byId.size);
    expect(vcc.length).toBeGreaterThan(0);
    expect(vcc.length).toBeLessThan(visit.length);
    expect(vcc.every((q) => q.vccScope)).toBe(true);
    expect(vcc.map((q) => q.id).sort()).toEqual(
      step1
        .filter((q) => q.compliance && q.vccScope)
        .map((q) => q.id)
        .sort()
    );
    expect(new Set(vcc.map((q) => q.cluster)).size).toBe(8);
  });

  it('R15: the assessment takes place within its activated cycle, on valid days of at most 14 days', () => {
    const { cycle } = activatedFactory();
    expect(() => assertAssessmentDays({ firstDay: '2030-02-10', lastDay: '2030-02-11' }, cycle)).not.toThrow();
    const reversed = thrown(() => assertAssessmentDays({ firstDay: '2030-02-11', lastDay: '2030-02-10' }, cycle));
    expect(reversed).toBeInstanceOf(ValidationError);
    expect((reversed as ValidationError).errors).toEqual([
      { pointer: '/lastDay', detail: 'must not be before firstDay' },
    ]);
    expect(thrown(() => assertAssessmentDays({ firstDay: '2030-02-01', lastDay: '2030-02-15' }, cycle))).toBeInstanceOf(
      ValidationError
    );
    expect(thrown(() => assertAssessmentDays({ firstDay: '2030-02-30', lastDay: '2030-03-01' }, cycle))).toBeInstanceOf(
      ValidationError
    );
    const outside = thrown(() => assertAssessmentDays({ firstDay: '2029-12-31', lastDay: '2030-01-01' }, cycle));
    expect(outside).toMatchObject({ rule: 'R15', status: 422 });
    const notActivated = { ...cycle, activatedAt: undefined };
    expect(thrown(() => assessment('visit', notActivated))).toMatchObject({ rule: 'R15', status: 422 });
  });
});

describe('R15: findings', () => {
  it('R15: findings are recorded one by one or all at once; a repeat changes nothing', () => {
    const doc = assessment();
    const first = scopeOf(outline, 'visit')[0]!;
    const one = recordFindings(doc, outline, [{ questionId: first.id, result: 'compliant' }], by, 'single');
    expect(one.changes).toEqual([
      { questionId: first.id, before: null, after: { result: 'compliant', notes: undefined } },
    ]);
    expect(one.doc.findings[first.id]).toMatchObject({ result: 'compliant', recordedBy: 'u-assessor' });
    expect(
      recordFindings(one.doc, outline, [{ questionId: first.id, result: 'compliant' }], by, 'single').changes
    ).toEqual([]);
    const all = recordFindings(one.doc, outline, allFindings(doc, [first.id]), by, 'batch');
    expect(all.changes).toHaveLength(1 + scopeOf(outline, 'visit').length - 1);
    expect(all.changes[0]).toMatchObject({
      questionId: first.id,
      before: 'compliant',
      after: { result: 'nonCompliant' },
    });
    expect(coverageOf(all.doc, outline)).toMatchObject({ missing: 0, nonCompliant: 1 });
    // the assessment's findings are its own: nothing else goes in
    expect(Object.keys(all.doc.findings).sort()).toEqual(
      scopeOf(outline, 'visit')
        .map((q) => q.id)
        .sort()
    );
  });

  it('R15: an unknown question is 404 alone and 400 in a batch (naming the entry); a Facility Profile question is outside the scope (422)', () => {
    const doc = assessment();
    expect(
      thrown(() => recordFindings(doc, outline, [{ questionId: 'XX-YYY-1', result: 'compliant' }], by, 'single'))
    ).toBeInstanceOf(NotFoundError);
    const batch = thrown(() =>
      recordFindings(
        doc,
        outline,
        [...allFindings(doc).slice(0, 3), { questionId: 'XX-YYY-1', result: 'compliant' }],
        by,
        'batch'
      )
    ) as ValidationError;
    expect(batch).toBeInstanceOf(ValidationError);
    expect(batch.errors).toEqual([
      { pointer: '/findings/3/questionId', detail: expect.stringMatching(/no Step 1 question/) },
    ]);
    const fp = thrown(() =>
      recordFindings(doc, outline, [{ questionId: 'FP-BAS-1', result: 'compliant' }], by, 'single')
    );
    expect(fp).toBeInstanceOf(OutsideScopeError);
    expect(fp).toMatchObject({ rule: 'R15', status: 422, extensions: { outsideScope: ['FP-BAS-1'] } });
  });

  it('R15: a VCC takes findings only for questions in VCC scope (422 naming R15 and the questions)', () => {
    const doc = assessment('vcc');
    const outside = scopeOf(outline, 'visit')
      .filter((q) => !q.vccScope)
      .slice(0, 2)
      .map((q) => q.id);
    const refused = thrown(() =>
      recordFindings(
        doc,
        outline,
        [...allFindings(doc), ...outside.map((id) => ({ questionId: id, result: 'compliant' as const }))],
        by,
        'batch'
      )
    );
    expect(refused).toBeInstanceOf(OutsideScopeError);
    expect(refused).toMatchObject({ rule: 'R15', extensions: { outsideScope: outside } });
    expect((refused as Error).message).toMatch(/Virtual Compliance Check covers only the questions in VCC scope/);
    expect(recordFindings(doc, outline, allFindings(doc), by, 'batch').changes).toHaveLength(
      scopeOf(outline, 'vcc').length
    );
  });

  it('R15: a non-compliant finding says what was found; notes have a limit; a question appears once per batch', () => {
    const doc = assessment();
    const [a, b] = scopeOf(outline, 'visit');
    const noNotes = thrown(() =>
      recordFindings(doc, outline, [{ questionId: a!.id, result: 'nonCompliant', notes: '  ' }], by, 'single')
    );
    expect((noNotes as ValidationError).errors).toEqual([
      { pointer: '/notes', detail: expect.stringMatching(/needs notes/) },
    ]);
    const long = thrown(() =>
      recordFindings(doc, outline, [{ questionId: a!.id, result: 'compliant', notes: 'x'.repeat(1001) }], by, 'single')
    );
    expect((long as ValidationError).errors[0]!.pointer).toBe('/notes');
    const twice = thrown(() =>
      recordFindings(
        doc,
        outline,
        [
          { questionId: a!.id, result: 'compliant' },
          { questionId: b!.id, result: 'compliant' },
          { questionId: a!.id, result: 'nonCompliant', notes: 'n' },
        ],
        by,
        'batch'
      )
    );
    expect((twice as ValidationError).errors).toEqual([
      { pointer: '/findings/2/questionId', detail: 'repeats entry 0' },
    ]);
  });
});

describe('R15: completion', () => {
  it('R15: completing needs a finding for every question in scope (422 with the count missing)', () => {
    const { factory } = activatedFactory();
    const doc = assessment();
    const partial = recordFindings(doc, outline, allFindings(doc).slice(5), by, 'batch').doc;
    const refused = thrown(() =>
      completeAssessment({ doc: partial, outline, factory, timing: noTiming, userId: 'u', now })
    );
    expect(refused).toBeInstanceOf(RuleViolationError);
    expect(refused).toMatchObject({
      rule: 'R15',
      extensions: { missing: 5, inScope: scopeOf(outline, 'visit').length, missingQuestionIds: expect.any(Array) },
    });
    expect((refused as Error).message).toMatch(/5 of \d+ questions in its scope have no finding yet/);
  });

  it('R15: it completes from its last day on, records cycle.assessment (the R16 clock), and again changes nothing', () => {
    const { factory } = activatedFactory();
    const doc = recordFindings(assessment(), outline, allFindings(assessment()), by, 'batch').doc;
    const early = thrown(() =>
      completeAssessment({
        doc,
        outline,
        factory,
        timing: noTiming,
        userId: 'u',
        now: new Date('2030-02-10T23:00:00Z'),
      })
    );
    expect(early).toMatchObject({ rule: 'R15' });
    const done = completeAssessment({ doc, outline, factory, timing: noTiming, userId: 'u-assessor', now });
    expect(done.changed).toBe(true);
    expect(done.doc).toMatchObject({ status: 'completed', completedAt: now.toISOString(), completedBy: 'u-assessor' });
    expect(done.factory.cycles[0]!.assessment).toEqual({
      assessmentId: doc.assessmentId,
      method: 'visit',
      lastDay: '2030-02-11',
      completedAt: now.toISOString(),
      completedBy: 'u-assessor',
    });
    const again = completeAssessment({
      doc: done.doc,
      outline,
      factory: done.factory,
      timing: noTiming,
      userId: 'x',
      now,
    });
    expect(again).toMatchObject({ changed: false, doc: done.doc, factory: done.factory });
    // a completed assessment whose cycle lost the record (a half-applied write) gets it again
    const repaired = completeAssessment({ doc: done.doc, outline, factory, timing: noTiming, userId: 'x', now });
    expect(repaired.changed).toBe(true);
    expect(repaired.factory.cycles[0]!.assessment?.completedBy).toBe('u-assessor');
    // findings are final once completed
    expect(thrown(() => recordFindings(done.doc, outline, allFindings(doc).slice(0, 1), by, 'single'))).toBeInstanceOf(
      ConflictError
    );
  });

  it('R15: the tallies per cluster and compliance point add up to the coverage', () => {
    const doc = recordFindings(assessment(), outline, allFindings(assessment()).slice(0, 40), by, 'batch').doc;
    const tallies = talliesByCluster(doc, outline);
    const coverage = coverageOf(doc, outline);
    expect(tallies.reduce((n, c) => n + c.tally.inScope, 0)).toBe(coverage.inScope);
    expect(tallies.reduce((n, c) => n + c.tally.recorded, 0)).toBe(40);
    for (const c of tallies) expect(c.points.reduce((n, p) => n + p.missing, 0)).toBe(c.tally.missing);
  });
});

describe('R14: the timing facts', () => {
  const firstDay = '2030-02-10';

  it('R14: the wish to share reached BW before the assessment when the cycle shares, or when the request came before its first day', () => {
    const { factory, cycle } = activatedFactory();
    const facts = (f: FactoryDocument, c: CycleEntry) =>
      timingFacts({ factory: f, cycle: c, selfAssessment: undefined, firstDay, now }).sharingWish;
    expect(facts(factory, cycle)).toEqual({
      requestedAt: null,
      effectiveForCycle: false,
      reachedBeforeAssessment: false,
    });
    expect(facts(factory, { ...cycle, sharingEffective: true })).toMatchObject({
      effectiveForCycle: true,
      reachedBeforeAssessment: true,
    });
    const asked = (at: string) => ({
      ...factory,
      sharing: { ...factory.sharing, pendingForNextCycle: true, requestedAt: at },
    });
    expect(facts(asked('2030-02-09T23:59:59Z'), cycle)).toMatchObject({ reachedBeforeAssessment: true });
    expect(facts(asked('2030-02-10T00:00:00Z'), cycle)).toMatchObject({ reachedBeforeAssessment: false });
  });

  it('R14: the self-assessment counts only when it was submitted before the assessment', () => {
    const { factory, cycle } = activatedFactory();
    const facts = (sa: Parameters<typeof timingFacts>[0]['selfAssessment']) =>
      timingFacts({ factory, cycle, selfAssessment: sa, firstDay, now }).selfAssessment;
    expect(facts(undefined)).toEqual({
      selfAssessmentId: null,
      status: 'notStarted',
      submittedAt: null,
      reachedBeforeAssessment: false,
    });
    expect(facts({ selfAssessmentId: 'X-SA', status: 'open', submittedAt: undefined })).toMatchObject({
      status: 'open',
      reachedBeforeAssessment: false,
    });
    expect(facts({ selfAssessmentId: 'X-SA', status: 'submitted', submittedAt: '2030-02-01T10:00:00Z' })).toMatchObject(
      {
        submittedAt: '2030-02-01T10:00:00Z',
        reachedBeforeAssessment: true,
      }
    );
    expect(facts({ selfAssessmentId: 'X-SA', status: 'submitted', submittedAt: '2030-02-10T10:00:00Z' })).toMatchObject(
      {
        reachedBeforeAssessment: false,
      }
    );
  });
});

describe('R16: the release deadline', () => {
  it('R16: the release deadline is 28 days after the assessment', () => {
    expect(releaseDeadlineOf('2030-02-11')).toBe('2030-03-11');
    expect(releaseDeadlineOf('2030-01-31')).toBe('2030-02-28');
  });

  it('R16: released on the deadline day is on time, the day after is late; unreleased past the deadline is overdue', () => {
    expect(releaseTiming('2030-02-11', '2030-03-11T23:59:00Z', now)).toEqual({
      deadline: '2030-03-11',
      releasedAt: '2030-03-11T23:59:00Z',
      late: false,
      overdue: false,
    });
    expect(releaseTiming('2030-02-11', '2030-03-12T00:00:00Z', now).late).toBe(true);
    expect(releaseTiming('2030-02-11', undefined, new Date('2030-03-11T12:00:00Z'))).toMatchObject({
      late: null,
      overdue: false,
    });
    expect(releaseTiming('2030-02-11', undefined, new Date('2030-03-12T00:00:00Z'))).toMatchObject({ overdue: true });
  });

  it('R16: the report is released only after the assessment is completed', () => {
    const { cycle } = activatedFactory();
    expect(thrown(() => assertReleasable(cycle))).toMatchObject({ rule: 'R16', status: 422 });
  });

  it('R16: the report files are kept under the factory and the cycle', () => {
    expect(reportFileName(factoryId, `${factoryId}-C1`, `${factoryId}-C1-RABC123`, 'html')).toBe(
      'BD-FACT0001/BD-FACT0001-C1/BD-FACT0001-C1-RABC123.html'
    );
  });
});

function completedReport(factory: FactoryDocument, nonCompliant: string[], method: 'visit' | 'vcc' = 'visit') {
  const doc = assessment(method);
  const completed = completeAssessment({
    doc: recordFindings(doc, outline, allFindings(doc, nonCompliant), by, 'batch').doc,
    outline,
    factory,
    timing: noTiming,
    userId: 'u-assessor',
    now,
  });
  return buildReport({
    reportId: `${factoryId}-C1-RTEST01`,
    factory,
    cycle: factory.cycles[0]!,
    assessment: completed.doc,
    outline,
    releasedAt: '2030-03-02T09:00:00.000Z',
  });
}

describe('R21: one report, every finding combined, nothing about SLCP participation', () => {
  const nonCompliant = scopeOf(outline, 'visit')
    .filter((_, i) => i % 50 === 7)
    .map((q) => q.id);

  it('R21: the report combines every finding, organised by cluster and compliance point, with no source distinction', () => {
    const report = completedReport(activatedFactory().factory, nonCompliant);
    const findings = report.clusters.flatMap((c) => c.points.flatMap((p) => p.findings));
    expect(findings).toHaveLength(scopeOf(outline, 'visit').length);
    expect(report.summary).toEqual({
      assessed: findings.length,
      compliant: findings.length - nonCompliant.length,
      nonCompliant: nonCompliant.length,
      clustersWithNonCompliance: new Set(nonCompliant.map((id) => outline.byId.get(id)!.cluster)).size,
    });
    for (const f of findings) expect(Object.keys(f).sort()).toEqual(['notes', 'question', 'questionId', 'result']);
    expect(report.release).toEqual({ releasedAt: '2030-03-02T09:00:00.000Z', deadline: '2030-03-11', late: false });
  });

  it('R21: a factory sharing via SLCP gets the same report, byte for byte, as one that does not', () => {
    const plain = activatedFactory().factory;
    const { factory: sharing } = activatedFactory({
      sharing: {
        pendingForNextCycle: true,
        requestedAt: '2029-12-01T00:00:00Z',
        requestedBy: 'u',
        optedOutAt: undefined,
        optOutReason: undefined,
      },
      gateway: { ...plain.gateway, status: 'connected', gatewayFacilityId: 'GW-BD123456', linkedBy: 'gateway' },
    });
    sharing.cycles[0] = { ...sharing.cycles[0]!, sharingEffective: true };
    const a = completedReport(plain, nonCompliant);
    const b = completedReport(sharing, nonCompliant);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(renderReportHtml(b)).toBe(renderReportHtml(a));
    expect(JSON.stringify(a)).not.toMatch(/slcp|gateway|sharing/i);
    expect(renderReportHtml(a)).not.toMatch(/slcp|gateway|sharing via/i);
  });

  it('R15: a VCC report says what it covered and holds only the VCC-scope findings', () => {
    const report = completedReport(activatedFactory().factory, [], 'vcc');
    expect(report.assessment).toMatchObject({ method: 'vcc', methodName: 'Virtual Compliance Check' });
    expect(report.summary.assessed).toBe(scopeOf(outline, 'vcc').length);
  });
});

describe('R16: the report page', () => {
  const report = completedReport(activatedFactory({ name: 'Acme <script>alert(1)</script> & "Sons"' }).factory, [
    scopeOf(outline, 'visit')[0]!.id,
  ]);
  const html = renderReportHtml(report);

  it('R16: the page is static HTML with every text escaped and no script', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Sons&quot;');
    expect(html).toContain('said &lt;b&gt;so&lt;/b&gt; &amp; more.');
    expect(html).toContain('Non-compliant');
    expect(escapeHtml(`<a href='x'>&`)).toBe('&lt;a href=&#39;x&#39;&gt;&amp;');
    for (const cluster of report.clusters) expect(html).toContain(`<h2>${escapeHtml(cluster.cluster)}</h2>`);
  });

  it('R16: the page is served with a strict policy that allows only its own style sheet, by hash', () => {
    const style = styleSheetOf(html)!;
    const hash = createHash('sha256').update(style, 'utf8').digest('base64');
    const policy = reportPageSecurityPolicy(hash);
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain(`style-src 'sha256-${hash}'`);
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain('sandbox');
    expect(policy).not.toMatch(/unsafe|script-src/);
    expect(reportPageSecurityPolicy(undefined)).toContain("style-src 'none'");
  });
});

describe('R25: the improvement plan', () => {
  const nonCompliant = scopeOf(outline, 'visit')
    .slice(0, 3)
    .map((q) => q.id);
  const report = completedReport(activatedFactory().factory, nonCompliant);
  const plan = planFromReport({ report, assessment: assessment(), releasedBy: 'u-staff' });

  it('R25: every non-compliant finding becomes a pending item with its cluster, compliance point and question', () => {
    expect(plan.items.map((i) => i.itemId)).toEqual(nonCompliant.map((id) => `assessment-${id}`));
    for (const item of plan.items) {
      const q = outline.byId.get(item.questionId!)!;
      expect(item).toMatchObject({
        source: 'assessment',
        cluster: q.cluster,
        point: q.point,
        status: 'pending',
        revision: 1,
        description: `Workers at ${q.id} said <b>so</b> & more.`,
      });
    }
    expect(improvementCounts(plan)).toEqual({ completed: 0, pending: 3 });
  });

  it('R25: Progress Report 1 is due 30 days after release', () => {
    expect(plan.progressReport1DueOn).toBe('2030-04-01');
    expect(progressReport1DueOn('2030-01-31T23:00:00Z')).toBe('2030-03-02');
  });

  it('R25: advisors add issues found in advisory work (source advisory); a compliance point belongs to its cluster', () => {
    const added = addAdvisoryItem(
      plan,
      {
        title: 'Fire drill records incomplete',
        cluster: 'Occupational Safety and Health',
        point: 'Emergency Preparedness',
      },
      by
    );
    expect(added.item).toMatchObject({
      itemId: 'advisory-1',
      source: 'advisory',
      questionId: undefined,
      status: 'pending',
    });
    expect(addAdvisoryItem(added.plan, { title: 'Second' }, by).item.itemId).toBe('advisory-2');
    expect(improvementCounts(added.plan)).toEqual({ completed: 0, pending: 4 });
    const wrong = thrown(() =>
      addAdvisoryItem(plan, { title: 'x y z', cluster: 'Working Time', point: 'Emergency Preparedness' }, by)
    );
    expect((wrong as ValidationError).errors).toEqual([
      { pointer: '/point', detail: 'is not a compliance point of Working Time' },
    ]);
    expect(thrown(() => addAdvisoryItem(plan, { title: 'x y z', point: 'Leave' }, by))).toBeInstanceOf(ValidationError);
    const full = { ...plan, items: Array.from({ length: 400 }, () => plan.items[0]!) };
    expect(thrown(() => addAdvisoryItem(full, { title: 'one more' }, by))).toMatchObject({ rule: 'R25' });
  });

  it('R25: marking an item done needs its current ETag (412 when missing or stale); the same status again changes nothing', () => {
    const item = plan.items[0]!;
    expect(thrown(() => setItemStatus(plan, item.itemId, 'done', undefined, by))).toBeInstanceOf(
      PreconditionFailedError
    );
    expect(thrown(() => setItemStatus(plan, item.itemId, 'done', '"stale"', by))).toBeInstanceOf(
      PreconditionFailedError
    );
    expect(thrown(() => setItemStatus(plan, 'advisory-9', 'done', '*', by))).toBeInstanceOf(NotFoundError);
    const done = setItemStatus(plan, item.itemId, 'done', itemEtag(item), by);
    expect(done.item).toMatchObject({ status: 'done', doneBy: 'u-assessor', revision: 2 });
    expect(itemEtag(done.item)).not.toBe(itemEtag(item));
    expect(improvementCounts(done.plan)).toEqual({ completed: 1, pending: 2 });
    // the old ETag is stale now; another item's ETag did not change
    expect(thrown(() => setItemStatus(done.plan, item.itemId, 'pending', itemEtag(item), by))).toBeInstanceOf(
      PreconditionFailedError
    );
    const other = done.plan.items[1]!;
    expect(itemEtag(other)).toBe(itemEtag(plan.items[1]!));
    expect(setItemStatus(done.plan, item.itemId, 'done', itemEtag(done.item), by).changed).toBe(false);
    const reopened = setItemStatus(done.plan, item.itemId, 'pending', itemEtag(done.item), by);
    expect(reopened.item).toMatchObject({ status: 'pending', doneAt: undefined, revision: 3 });
  });
});

describe('R24: the dashboard shows the improvement plan and the released reports', () => {
  it('R24: improvement activities come from the current plan; the assessment report is among the latest documents', () => {
    const { factory } = activatedFactory();
    const released = {
      ...factory,
      cycles: [
        {
          ...factory.cycles[0]!,
          report: { reportId: 'BD-FACT0001-C1-RABC123', releasedAt: '2030-03-02T09:00:00Z', releasedBy: 'u' },
        },
      ],
    };
    const report = completedReport(
      factory,
      scopeOf(outline, 'visit')
        .slice(0, 2)
        .map((q) => q.id)
    );
    const plan = planFromReport({ report, assessment: assessment(), releasedBy: 'u' });
    const done = setItemStatus(plan, plan.items[0]!.itemId, 'done', itemEtag(plan.items[0]!), by).plan;
    const dashboard = buildDashboard({
      factory: released,
      profile: { complete: true, percent: 100, missing: [] },
      notifications: [],
      maySeeSlcp: false,
      improvementPlan: done,
    });
    expect(dashboard.quickFacts.improvementActivities).toEqual({ completed: 1, pending: 1 });
    expect(dashboard.latestDocuments).toEqual([
      {
        title: 'Better Work compliance assessment report',
        cycleId: 'BD-FACT0001-C1',
        date: '2030-03-02',
        fileName: 'BD-FACT0001-C1-RABC123.html',
        href: '/api/factories/BD-FACT0001/cycles/BD-FACT0001-C1/report/html',
      },
    ]);
    expect(latestDocumentsOf(factory)).toEqual([]);
  });
});
