// Better Work's side of the cycle through its use cases, on the memory store, memory document files and the
// shipped question banks: who may assess, read, release and manage the plan (R15, R16, R25), the one-batch
// writes with their audit events, concurrent findings never lost, the timeline woken after each commit (and a
// failing signal only logged), releases that race, and the dashboard fed by the plan (R24).
import { createDocumentsBlobService } from '../../shared/adapters/blob/blobDocumentFiles';
import { memoryDocumentFiles } from '../../shared/adapters/blob/memoryDocumentFiles';
import { loadSettings, parseSettings } from '../../shared/config/settings';
import {
  completeAssessment,
  createAssessment,
  readAssessment,
  recordFindings,
} from '../../shared/app/compliance/assessments';
import type { ComplianceDeps } from '../../shared/app/compliance/deps';
import {
  addImprovementItem,
  readImprovementPlan,
  setImprovementItemStatus,
} from '../../shared/app/compliance/improvementPlans';
import { listReports, readReport, readReportPage, releaseReport } from '../../shared/app/compliance/reports';
import { selfAssessmentDeps } from '../../shared/app/selfAssessment/deps';
import { activateServiceCycle } from '../../shared/app/selfAssessment/selfAssessments';
import { getDashboard } from '../../shared/app/sharing/dashboard';
import type { UserDocument } from '../../shared/app/users/userDirectory';
import { itemEtag } from '../../shared/domain/compliance/improvementPlan';
import { scopeOf } from '../../shared/domain/compliance/scope';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  RuleViolationError,
  ValidationError,
} from '../../shared/domain/errors';
import { registerFirstCycle } from '../../shared/domain/factory/cycles';
import type { FactoryDocument } from '../../shared/domain/factory/factory';
import type { TimelineSignal } from '../../shared/ports/cycleTimeline';
import {
  factoryOne,
  factoryTwo,
  partitionDocs,
  people,
  person,
  readFactory,
  sharingWorld,
} from '../support/sharingFixtures';

const now = new Date('2030-03-01T08:00:00Z');
const cycleId = `${factoryOne}-C1`;
const days = { method: 'visit' as const, firstDay: '2030-02-20', lastDay: '2030-02-21' };
const assessorVn = person('u-assessor-vn', ['Assessor']);

async function world() {
  const { store, clock } = await sharingWorld(now);
  for (const id of [factoryOne, factoryTwo]) {
    const found = (await store.read<FactoryDocument>('factories', 'BD', id))!;
    const doc = registerFirstCycle(found.doc, { startsOn: '2030-01-01', endsOn: '2030-12-31' }, now);
    await store.write('factories', 'BD', [
      { kind: 'replace', doc: { ...doc, advisorUserIds: [] }, ifMatch: found.etag },
    ]);
  }
  const vn: UserDocument = {
    id: assessorVn.userId,
    type: 'user',
    userId: assessorVn.userId,
    name: undefined,
    email: undefined,
    countryCodes: ['VN'],
    factoryIds: [],
    advisedFactoryIds: [],
    brandId: undefined,
    updatedAt: now.toISOString(),
  };
  await store.write('users', vn.userId, [{ kind: 'create', doc: vn }]);
  const files = memoryDocumentFiles();
  const deps: ComplianceDeps = {
    store,
    clock,
    banks: selfAssessmentDeps({ store, clock }).banks,
    files,
    portalBaseUrl: 'https://portal.example.org',
  };
  await activateServiceCycle(deps, people.staff, factoryOne, cycleId);
  return { store, clock, deps, files };
}

type World = Awaited<ReturnType<typeof world>>;

function timeline() {
  const signals: [string, TimelineSignal][] = [];
  const warnings: string[] = [];
  return {
    signals,
    warnings,
    hooks: {
      wake: async (id: string, signal: TimelineSignal) => void signals.push([id, signal]),
      warn: (message: string) => void warnings.push(message),
    },
  };
}

async function assessed(w: World, nonCompliant = 2) {
  const created = await createAssessment(w.deps, people.assessor, factoryOne, cycleId, days);
  const scope = scopeOf(created.outline, 'visit');
  const bad = scope.slice(0, nonCompliant).map((q) => q.id);
  await recordFindings(
    w.deps,
    people.assessor,
    factoryOne,
    cycleId,
    scope.map((q) =>
      bad.includes(q.id)
        ? { questionId: q.id, result: 'nonCompliant' as const, notes: 'Found.' }
        : { questionId: q.id, result: 'compliant' as const }
    ),
    'batch'
  );
  return { scope, bad };
}

describe('R15: who assesses', () => {
  it('R15: assessors of the factory country (and Admin) create the assessment; others are refused and nothing is written', async () => {
    const w = await world();
    const size = w.store.size();
    await expect(createAssessment(w.deps, people.manager, factoryOne, cycleId, days)).rejects.toThrow(ForbiddenError);
    await expect(createAssessment(w.deps, people.advisor, factoryOne, cycleId, days)).rejects.toThrow(ForbiddenError);
    await expect(createAssessment(w.deps, people.staff, factoryOne, cycleId, days)).rejects.toThrow(ForbiddenError);
    await expect(createAssessment(w.deps, assessorVn, factoryOne, cycleId, days)).rejects.toThrow(NotFoundError);
    await expect(createAssessment(w.deps, people.brand, factoryOne, cycleId, days)).rejects.toThrow(ForbiddenError);
    await expect(createAssessment(w.deps, people.assessor, factoryOne, `${factoryOne}-C9`, days)).rejects.toThrow(
      NotFoundError
    );
    // not activated yet: R15
    await expect(createAssessment(w.deps, people.assessor, factoryTwo, `${factoryTwo}-C1`, days)).rejects.toMatchObject(
      {
        rule: 'R15',
      }
    );
    // assessors must be BW people of the country
    await expect(
      createAssessment(w.deps, people.assessor, factoryOne, cycleId, {
        ...days,
        assessors: [people.assessor.userId, assessorVn.userId],
      })
    ).rejects.toMatchObject({ errors: [{ pointer: '/assessors/1' }] });
    expect(w.store.size()).toBe(size);

    const created = await createAssessment(w.deps, people.assessor, factoryOne, cycleId, {
      ...days,
      assessors: [people.assessor.userId, people.staff.userId],
    });
    expect(created.doc).toMatchObject({
      assessmentId: `${cycleId}-CA`,
      status: 'inProgress',
      toolVersion: '1.5.0',
      assessorUserIds: [people.assessor.userId, people.staff.userId],
    });
    const audit = (await partitionDocs(w.store, 'BD', 'audit')).filter(
      (a) => a.action === 'complianceAssessmentCreated'
    );
    expect(audit).toHaveLength(1);
    await expect(createAssessment(w.deps, people.admin, factoryOne, cycleId, days)).rejects.toThrow(ConflictError);
  });

  it('R15: staff read the assessment (never the factory manager or brands); findings stay the assessors\u2019', async () => {
    const w = await world();
    await createAssessment(w.deps, people.assessor, factoryOne, cycleId, days);
    for (const reader of [people.assessor, people.staff, people.admin]) {
      expect((await readAssessment(w.deps, reader, factoryOne, cycleId)).doc.assessmentId).toBe(`${cycleId}-CA`);
    }
    const advisor = person('u-advisor-2', ['EnterpriseAdvisor']);
    await expect(readAssessment(w.deps, advisor, factoryOne, cycleId)).rejects.toThrow(NotFoundError);
    await expect(readAssessment(w.deps, people.manager, factoryOne, cycleId)).rejects.toThrow(ForbiddenError);
    await expect(readAssessment(w.deps, people.brand, factoryOne, cycleId)).rejects.toThrow(ForbiddenError);
    const first = scopeOf((await readAssessment(w.deps, people.staff, factoryOne, cycleId)).outline, 'visit')[0]!;
    await expect(
      recordFindings(
        w.deps,
        people.staff,
        factoryOne,
        cycleId,
        [{ questionId: first.id, result: 'compliant' }],
        'single'
      )
    ).rejects.toThrow(ForbiddenError);
  });

  it('R15: findings sent at once by two assessors all land (the loser of a race reads again)', async () => {
    const w = await world();
    const created = await createAssessment(w.deps, people.assessor, factoryOne, cycleId, days);
    const scope = scopeOf(created.outline, 'visit').slice(0, 12);
    await Promise.all(
      scope.map((q) =>
        recordFindings(
          w.deps,
          people.assessor,
          factoryOne,
          cycleId,
          [{ questionId: q.id, result: 'compliant' }],
          'single'
        )
      )
    );
    const read = await readAssessment(w.deps, people.staff, factoryOne, cycleId);
    expect(Object.keys(read.doc.findings).sort()).toEqual(scope.map((q) => q.id).sort());
    const audits = (await partitionDocs(w.store, 'BD', 'audit')).filter(
      (a) => a.action === 'assessmentFindingsRecorded'
    );
    expect(audits).toHaveLength(12);
  });
});

describe('R15, R16: completing wakes the timeline after the commit', () => {
  it('R15: completing writes cycle.assessment with its audit event, signals assessmentCompleted once; a repeat writes nothing', async () => {
    const w = await world();
    await assessed(w);
    const t = timeline();
    const done = await completeAssessment(w.deps, people.assessor, factoryOne, cycleId, t.hooks);
    expect(done).toMatchObject({ changed: true, timelineSignalled: true });
    expect(t.signals).toEqual([[cycleId, 'assessmentCompleted']]);
    const factory = await readFactory(w.store, factoryOne);
    expect(factory.cycles[0]!.assessment).toMatchObject({ assessmentId: `${cycleId}-CA`, lastDay: '2030-02-21' });
    const audit = (await partitionDocs(w.store, 'BD', 'audit')).filter(
      (a) => a.action === 'complianceAssessmentCompleted'
    );
    expect(audit).toHaveLength(1);
    const size = w.store.size();
    const again = await completeAssessment(w.deps, people.admin, factoryOne, cycleId, t.hooks);
    expect(again.changed).toBe(false);
    expect(t.signals).toHaveLength(1);
    expect(w.store.size()).toBe(size);
  });

  it('R16: a signal that fails after the commit is logged and the completion still succeeds', async () => {
    const w = await world();
    await assessed(w);
    const warnings: string[] = [];
    const done = await completeAssessment(w.deps, people.assessor, factoryOne, cycleId, {
      wake: async () => {
        throw new Error('durable engine unreachable');
      },
      warn: (m) => void warnings.push(m),
    });
    expect(done).toMatchObject({ changed: true, timelineSignalled: false });
    expect(warnings).toEqual([
      expect.stringMatching(/assessmentCompleted.*reconciliation.*durable engine unreachable/),
    ]);
    expect((await readFactory(w.store, factoryOne)).cycles[0]!.assessment).toBeDefined();
  });

  it('R15: completing with findings missing is refused with the count and writes nothing', async () => {
    const w = await world();
    await createAssessment(w.deps, people.assessor, factoryOne, cycleId, days);
    const size = w.store.size();
    await expect(
      completeAssessment(w.deps, people.assessor, factoryOne, cycleId, timeline().hooks)
    ).rejects.toMatchObject({
      rule: 'R15',
      extensions: { missing: expect.any(Number) },
    });
    expect(w.store.size()).toBe(size);
  });
});

describe('R16, R21, R25: the release', () => {
  it('R16: the report is released after completion only; staff of the country, assessors and Admin release; advisors and managers do not', async () => {
    const w = await world();
    await assessed(w);
    const t = timeline();
    await expect(releaseReport(w.deps, people.staff, factoryOne, cycleId, t.hooks)).rejects.toMatchObject({
      rule: 'R16',
    });
    await completeAssessment(w.deps, people.assessor, factoryOne, cycleId, t.hooks);
    await expect(releaseReport(w.deps, people.manager, factoryOne, cycleId, t.hooks)).rejects.toThrow(ForbiddenError);
    await expect(releaseReport(w.deps, people.advisor, factoryOne, cycleId, t.hooks)).rejects.toThrow(ForbiddenError);
    await expect(releaseReport(w.deps, people.staffVn, factoryOne, cycleId, t.hooks)).rejects.toThrow(NotFoundError);
    expect(w.files.names()).toEqual([]);
  });

  it('R16, R25: release stores JSON and HTML, writes cycle.report, the plan, the audit event and the managers\u2019 notification together, signals reportReleased; idempotent', async () => {
    const w = await world();
    const { bad } = await assessed(w, 3);
    const t = timeline();
    await completeAssessment(w.deps, people.assessor, factoryOne, cycleId, t.hooks);
    const released = await releaseReport(w.deps, people.staff, factoryOne, cycleId, t.hooks);
    expect(released).toMatchObject({
      changed: true,
      timelineSignalled: true,
      improvementItems: { completed: 0, pending: 3 },
      progressReport1DueOn: '2030-03-31',
      timing: { deadline: '2030-03-21', late: false },
    });
    expect(t.signals).toEqual([
      [cycleId, 'assessmentCompleted'],
      [cycleId, 'reportReleased'],
    ]);
    const reportId = released.report.reportId;
    expect(reportId).toMatch(new RegExp(`^${cycleId}-R[0-9A-Z]{6}$`));
    expect(w.files.names()).toEqual([
      `reports/${factoryOne}/${cycleId}/${reportId}.html`,
      `reports/${factoryOne}/${cycleId}/${reportId}.json`,
    ]);
    const factory = await readFactory(w.store, factoryOne);
    expect(factory.cycles[0]!.report).toEqual({
      reportId,
      releasedAt: now.toISOString(),
      releasedBy: people.staff.userId,
    });
    expect(
      (await partitionDocs(w.store, 'BD', 'audit')).filter((a) => a.action === 'assessmentReportReleased')
    ).toHaveLength(1);
    const outbox = (await partitionDocs(w.store, 'BD', 'outbox')).filter(
      (o) => o.subject === 'Your Better Work assessment report is released'
    );
    expect(outbox.map((o) => [o.kind, o.to]).sort()).toEqual([
      ['email', 'manager@factory-one.example.com'],
      ['notification', people.manager.userId],
    ]);
    const plan = await readImprovementPlan(w.deps, people.manager, factoryOne, cycleId);
    expect(plan.plan.items.map((i) => i.questionId)).toEqual(bad);

    const size = w.store.size();
    const again = await releaseReport(w.deps, people.admin, factoryOne, cycleId, t.hooks);
    expect(again).toMatchObject({ changed: false, report: { reportId }, improvementItems: { pending: 3 } });
    expect(w.store.size()).toBe(size);
    expect(w.files.names()).toHaveLength(2);
    expect(t.signals).toHaveLength(2);
  });

  it('R16: two releases at once make one report', async () => {
    const w = await world();
    await assessed(w);
    const t = timeline();
    await completeAssessment(w.deps, people.assessor, factoryOne, cycleId, t.hooks);
    const [a, b] = await Promise.all([
      releaseReport(w.deps, people.staff, factoryOne, cycleId, t.hooks),
      releaseReport(w.deps, people.assessor, factoryOne, cycleId, t.hooks),
    ]);
    expect(a.report.reportId).toBe(b.report.reportId);
    expect([a.changed, b.changed].sort()).toEqual([false, true]);
    expect((await partitionDocs(w.store, 'BD', 'improvementPlan')).length).toBe(1);
  });

  it('R21: the factory, Better Work and subscribed brands read the report; other brands do not find it', async () => {
    const w = await world();
    await assessed(w);
    const t = timeline();
    await expect(readReport(w.deps, people.brand, factoryOne, cycleId)).rejects.toThrow(NotFoundError);
    await completeAssessment(w.deps, people.assessor, factoryOne, cycleId, t.hooks);
    await releaseReport(w.deps, people.staff, factoryOne, cycleId, t.hooks);
    for (const reader of [people.manager, people.staff, people.assessor, people.advisor, people.admin, people.brand]) {
      const report = await readReport(w.deps, reader, factoryOne, cycleId);
      expect(report.factory.factoryId).toBe(factoryOne);
    }
    await expect(readReport(w.deps, people.otherBrand, factoryOne, cycleId)).rejects.toThrow(NotFoundError);
    const page = await readReportPage(w.deps, people.brand, factoryOne, cycleId);
    expect(page.html).toMatch(/^<!DOCTYPE html>/);
    expect(page.contentSecurityPolicy).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    const listed = await listReports(w.deps, people.brand, factoryOne);
    expect(listed.reports).toEqual([expect.objectContaining({ cycleId })]);
    expect(JSON.stringify(listed)).not.toMatch(/slcp|sharing|gateway/i);
  });
});

describe('R25: the improvement plan after release', () => {
  async function released() {
    const w = await world();
    await assessed(w, 2);
    const t = timeline();
    await completeAssessment(w.deps, people.assessor, factoryOne, cycleId, t.hooks);
    return w;
  }

  it('R25: before the release the plan does not exist; adding to it is refused (422, R25)', async () => {
    const w = await released();
    await expect(readImprovementPlan(w.deps, people.manager, factoryOne, cycleId)).rejects.toThrow(NotFoundError);
    await expect(
      addImprovementItem(w.deps, people.advisor, factoryOne, cycleId, { title: 'Fire exits' })
    ).rejects.toMatchObject({ rule: 'R25' });
  });

  it('R25: the factory\u2019s advisor adds advisory items and marks items done with If-Match; others may not', async () => {
    const w = await released();
    await releaseReport(w.deps, people.staff, factoryOne, cycleId, timeline().hooks);
    const added = await addImprovementItem(w.deps, people.advisor, factoryOne, cycleId, {
      title: 'Fire exits blocked in the cutting section',
      cluster: 'Occupational Safety and Health',
      point: 'Emergency Preparedness',
    });
    expect(added.item).toMatchObject({ itemId: 'advisory-1', source: 'advisory', createdBy: people.advisor.userId });
    for (const who of [people.manager, people.staff, people.assessor, people.brand]) {
      await expect(addImprovementItem(w.deps, who, factoryOne, cycleId, { title: 'Not mine' })).rejects.toThrow(
        ForbiddenError
      );
    }
    await expect(
      addImprovementItem(w.deps, person('u-advisor-2', ['EnterpriseAdvisor']), factoryOne, cycleId, {
        title: 'Not mine',
      })
    ).rejects.toThrow(NotFoundError);
    const item = added.plan.items[0]!;
    await expect(
      setImprovementItemStatus(w.deps, people.advisor, factoryOne, cycleId, item.itemId, 'done', undefined)
    ).rejects.toThrow(PreconditionFailedError);
    const done = await setImprovementItemStatus(
      w.deps,
      people.advisor,
      factoryOne,
      cycleId,
      item.itemId,
      'done',
      itemEtag(item)
    );
    expect(done).toMatchObject({ changed: true, item: { status: 'done', doneBy: people.advisor.userId } });
    await expect(
      setImprovementItemStatus(w.deps, people.admin, factoryOne, cycleId, item.itemId, 'pending', itemEtag(item))
    ).rejects.toThrow(PreconditionFailedError);
    await expect(
      setImprovementItemStatus(w.deps, people.advisor, factoryOne, cycleId, 'advisory-7', 'done', '*')
    ).rejects.toThrow(NotFoundError);
    await expect(
      addImprovementItem(w.deps, people.advisor, factoryOne, cycleId, {
        title: 'x y z',
        cluster: 'Working Time',
        point: 'Coercion',
      })
    ).rejects.toThrow(ValidationError);
    const audits = (await partitionDocs(w.store, 'BD', 'audit')).map((a) => a.action);
    expect(audits).toEqual(expect.arrayContaining(['improvementItemAdded', 'improvementItemStatusChanged']));

    // R24: the dashboard's improvement activities for the current cycle come from the plan
    const dashboard = await getDashboard(w.deps, people.manager, factoryOne);
    expect(dashboard.quickFacts.improvementActivities).toEqual({ completed: 1, pending: 2 });
    expect(dashboard.latestDocuments).toEqual([expect.objectContaining({ cycleId, date: '2030-03-01' })]);
    const forBrand = await getDashboard(w.deps, people.brand, factoryOne);
    expect(forBrand.latestDocuments).toHaveLength(1);
    expect(JSON.stringify(forBrand)).not.toMatch(/slcp|sharing|gateway/i);
  });

  it('R25: an item changed by another advisor is refused (412) rather than retried', async () => {
    const w = await released();
    await releaseReport(w.deps, people.staff, factoryOne, cycleId, timeline().hooks);
    const plan = await readImprovementPlan(w.deps, people.advisor, factoryOne, cycleId);
    const [first, second] = plan.plan.items;
    await setImprovementItemStatus(
      w.deps,
      people.advisor,
      factoryOne,
      cycleId,
      second!.itemId,
      'done',
      itemEtag(second!)
    );
    // another item changed meanwhile: this one's ETag still holds
    const done = await setImprovementItemStatus(
      w.deps,
      people.admin,
      factoryOne,
      cycleId,
      first!.itemId,
      'done',
      itemEtag(first!)
    );
    expect(done.changed).toBe(true);
    await expect(
      setImprovementItemStatus(w.deps, people.advisor, factoryOne, cycleId, first!.itemId, 'pending', itemEtag(first!))
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(RuleViolationError).toBeDefined();
  });
});

describe('R16: where the reports are kept', () => {
  const azure = {
    IDENTITY_ISSUER: 'https://login.microsoftonline.com/00000000-0000-4000-8000-000000000001/v2.0',
    IDENTITY_AUDIENCE: 'api://bw-slcp-data-sharing',
    IDENTITY_JWKS_URI: 'https://login.microsoftonline.com/00000000-0000-4000-8000-000000000001/discovery/v2.0/keys',
    GATEWAY_BASE_URL: 'https://gateway.example.org',
    GATEWAY_SHARED_SECRET: 'x'.repeat(48),
    PUBLIC_API_BASE_URL: 'https://func.example.org/api',
    PORTAL_BASE_URL: 'https://portal.example.org',
    COMMUNICATION_SERVICES_ENDPOINT: 'https://acs.communication.azure.com',
    EMAIL_SENDER_ADDRESS: 'DoNotReply@example.org',
    CosmosDB__accountEndpoint: 'https://cosmos.documents.azure.com:443/',
    ServiceBus__fullyQualifiedNamespace: 'sb.servicebus.windows.net',
    AzureWebJobsStorage__accountName: 'stbwslcp',
  };

  it('in Azure: the account at DOCUMENTS_BLOB_SERVICE_URI with the managed identity, else the app\u2019s storage account', async () => {
    const withUri = loadSettings({ ...azure, DOCUMENTS_BLOB_SERVICE_URI: 'https://stdocs.blob.core.windows.net/' });
    expect((await createDocumentsBlobService(withUri)).url).toBe('https://stdocs.blob.core.windows.net/');
    expect((await createDocumentsBlobService(loadSettings(azure))).url).toMatch(
      /^https:\/\/stbwslcp\.blob\.core\.windows\.net/
    );
    expect(parseSettings({ ...azure, DOCUMENTS_BLOB_SERVICE_URI: 'http://insecure.example' })).toMatchObject({
      ok: false,
      problems: ['DOCUMENTS_BLOB_SERVICE_URI must be an https:// URL'],
    });
  });
});
