// The timeline's activities as use cases on the memory store: each acts only when its milestone is due, and
// records it in the same audited batch as its emails and notifications, so an activity run twice (a retry)
// sends one of each; then the daily reconciliation and the staff's read of a cycle's timeline.
import { memoryDocumentFiles } from '../../shared/adapters/blob/memoryDocumentFiles';
import { memoryDocumentStore } from '../../shared/adapters/memory/memoryDocumentStore';
import { selfAssessmentDeps } from '../../shared/app/selfAssessment/deps';
import type { TransmissionDocument } from '../../shared/domain/transmission/transmission';
import { activatedCycleOne as cycle, completedAssessmentOne, memoryQueue } from '../support/transmissionFixtures';
import type { MilestoneInput } from '../../shared/app/timeline/activities';
import { loadCycleTimelineFacts } from '../../shared/app/timeline/cycleFacts';
import {
  enableSharing,
  escalateReleaseDeadline,
  markReadyToTransmit,
  remindProgressReport,
  remindReleaseDeadline,
  sharingEnabledSubject,
} from '../../shared/app/timeline/cycleMilestones';
import {
  chaseGatewayApproval,
  gatewayChaseSubject,
  loadGatewayApprovalFacts,
} from '../../shared/app/timeline/gatewayApproval';
import { readCycleTimeline } from '../../shared/app/timeline/readTimeline';
import { reconcileTimelines } from '../../shared/app/timeline/reconcile';
import {
  loadTermsWatchFacts,
  noticeTermsExpired,
  remindTermsExpiry,
  termsExpiredSubject,
  termsExpiryReminderSubject,
} from '../../shared/app/timeline/termsWatch';
import { approvedFactoryOf } from '../../shared/app/timeline/wake';
import { NotFoundError } from '../../shared/domain/errors';
import type {
  AuditEventDocument,
  CycleEntry,
  FactoryDocument,
  OutboxDocument,
} from '../../shared/domain/factory/factory';
import type { DurableInstanceStatus, TimelineSignal } from '../../shared/ports/cycleTimeline';
import type { DocumentStore } from '../../shared/ports/documentStore';
import {
  factoryOne,
  factoryTwo,
  partitionDocs,
  people,
  readFactory,
  registeredFactory,
  seedFactory,
  seedPeople,
  TestClock,
} from '../support/sharingFixtures';

const at = (iso: string) => new Date(iso);
const portalBaseUrl = 'https://portal.example.org';
const gatewaySettings = {
  baseUrl: 'https://gateway.example',
  sharedSecret: 'a-shared-secret-of-at-least-32-characters',
};
/** The sharing activity's dependencies: a Gateway that knows no submission (404) behind `fetch`. */
const sharingDeps = (w: { store: DocumentStore; clock: TestClock }) => ({
  store: w.store,
  clock: w.clock,
  settings: { portalBaseUrl, gateway: gatewaySettings },
  gateway: {
    fetch: (async () =>
      new Response(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404 }), {
        status: 404,
      })) as typeof fetch,
  },
});
const cycleOne = `${factoryOne}-C1`;

const assessment = completedAssessmentOne;
const report = {
  reportId: `${cycleOne}-R1`,
  releasedAt: '2030-07-05T10:00:00.000Z',
  releasedBy: people.assessor.userId,
};

/** Factory one (manager, advisor, connected to the Gateway) with one cycle as given; factory two beside it. */
async function world(now: Date, cycleFields: Partial<CycleEntry> = {}, factory: Partial<FactoryDocument> = {}) {
  const store = memoryDocumentStore();
  const clock = new TestClock(now);
  await seedPeople(store, now);
  const base = registeredFactory(factoryOne, at('2030-01-01T00:00:00Z'));
  await seedFactory(
    store,
    registeredFactory(factoryOne, at('2030-01-01T00:00:00Z'), {
      managerUserIds: [people.manager.userId],
      advisorUserIds: [people.advisor.userId],
      cycles: [cycle(cycleFields)],
      currentCycleId: cycleOne,
      gateway: { ...base.gateway, status: 'connected', gatewayFacilityId: 'GW-7KQ2M9XD', linkedBy: 'gateway' },
      ...factory,
    })
  );
  await seedFactory(store, registeredFactory(factoryTwo, now, { managerUserIds: [people.otherManager.userId] }));
  const deps = { store, clock, settings: { portalBaseUrl } };
  const input = (): MilestoneInput => ({ factoryId: factoryOne, cycleId: cycleOne, asOf: clock.now().toISOString() });
  return { store, clock, deps, input };
}

async function submitSelfAssessment(store: DocumentStore, cycleId = cycleOne): Promise<void> {
  const id = `${cycleId}-SA`;
  await store.write('selfAssessments', id, [
    { kind: 'create', doc: { id, type: 'selfAssessment', selfAssessmentId: id, status: 'submitted' } },
  ]);
}

async function outbox(store: DocumentStore): Promise<OutboxDocument[]> {
  return (await partitionDocs(store, 'BD', 'outbox')) as unknown as OutboxDocument[];
}

const recipients = (entries: OutboxDocument[]) =>
  entries.map((e) => `${e.kind} ${e.to}`).sort((a, b) => a.localeCompare(b));

async function audits(store: DocumentStore, action: string): Promise<AuditEventDocument[]> {
  return ((await partitionDocs(store, 'BD', 'audit')) as unknown as AuditEventDocument[]).filter(
    (e) => e.action === action
  );
}

const staffRecipients = [
  `email ${people.staff.email}`,
  `notification ${people.assessor.userId}`,
  `notification ${people.staff.userId}`,
];

describe('the cycle timeline facts', () => {
  it('the facts of the cycle: small, with the self-assessment read only when it can matter (R17)', async () => {
    const { store, deps } = await world(at('2030-07-06T00:00:00Z'), { assessment, report });
    expect(await loadCycleTimelineFacts(deps, { factoryId: factoryOne, cycleId: cycleOne })).toMatchObject({
      found: true,
      facts: { assessmentLastDay: '2030-06-10', releasedAt: report.releasedAt, selfAssessmentSubmitted: false },
    });
    await submitSelfAssessment(store);
    const loaded = await loadCycleTimelineFacts(deps, { factoryId: factoryOne, cycleId: cycleOne });
    expect(loaded).toMatchObject({ found: true, facts: { selfAssessmentSubmitted: true, gatewayConnected: true } });
    expect(JSON.stringify(loaded).length).toBeLessThan(1024);
    expect(await loadCycleTimelineFacts(deps, { factoryId: factoryOne, cycleId: `${factoryOne}-C9` })).toEqual({
      found: false,
    });
  });
});

describe('R16: the release deadline activities', () => {
  it('R16: the reminder goes to the staff of the country once, however often the activity runs', async () => {
    const { store, deps, input } = await world(at('2030-07-01T00:00:05Z'), { assessment });
    expect(await remindReleaseDeadline(deps, input())).toMatchObject({ milestone: 'releaseReminder', acted: true });
    expect(await remindReleaseDeadline(deps, input())).toMatchObject({ acted: false, at: '2030-07-01T00:00:05.000Z' });
    const sent = await outbox(store);
    expect(recipients(sent)).toEqual(staffRecipients); // never the Vietnamese staff, nor the factory
    expect(sent[0]!.subject).toContain('2030-07-08');
    expect((await readFactory(store, factoryOne)).cycles[0]!.milestones).toEqual({
      releaseReminder: '2030-07-01T00:00:05.000Z',
    });
    expect(await audits(store, 'timeline.releaseReminderSent')).toHaveLength(1);
  });

  it('R16: nothing before its time, nothing once the report is released', async () => {
    const early = await world(at('2030-06-30T23:00:00Z'), { assessment });
    expect(await remindReleaseDeadline(early.deps, early.input())).toMatchObject({ acted: false });
    const done = await world(at('2030-07-09T00:00:00Z'), { assessment, report });
    expect(await escalateReleaseDeadline(done.deps, done.input())).toMatchObject({
      acted: false,
      reason: 'the report was released',
    });
    expect(await outbox(early.store)).toEqual([]);
    expect(await outbox(done.store)).toEqual([]);
  });

  it('R16: the escalation once the deadline has passed, once', async () => {
    const { store, deps, input } = await world(at('2030-07-09T00:00:00Z'), { assessment });
    expect(await escalateReleaseDeadline(deps, input())).toMatchObject({ acted: true });
    expect(await escalateReleaseDeadline(deps, input())).toMatchObject({ acted: false });
    const sent = await outbox(store);
    expect(recipients(sent)).toEqual(staffRecipients);
    expect(sent[0]!.subject).toMatch(/^Overdue/);
  });
});

describe('R17, R18, R25 after the release', () => {
  it('R17: the hand-off is recorded once with its transmission, only when the steps are complete; a payload that fails validation is never sent and staff are told', async () => {
    const { store, clock, input } = await world(at('2030-07-05T10:00:01Z'), { assessment, report });
    const queue = memoryQueue();
    const deps = {
      store,
      clock,
      files: memoryDocumentFiles(),
      queue,
      banks: selfAssessmentDeps({ store, clock }).banks,
      settings: { portalBaseUrl, publicApiBaseUrl: 'https://bw.example.org/api', gateway: gatewaySettings },
    };
    expect(await markReadyToTransmit(deps, input())).toMatchObject({
      acted: false,
      reason: 'waiting for selfAssessmentSubmitted',
    });
    await submitSelfAssessment(store); // a bare header: no answers, no compliance assessment behind it
    expect(await markReadyToTransmit(deps, input())).toMatchObject({ acted: true });
    expect(await markReadyToTransmit(deps, input())).toMatchObject({ acted: false });
    const cycleAfter = (await readFactory(store, factoryOne)).cycles[0]!;
    expect(cycleAfter.readyToTransmitAt).toBe('2030-07-05T10:00:01.000Z');
    expect(cycleAfter.transmission).toEqual({ transmissionId: `${cycleOne}-TX`, queuedAt: '2030-07-05T10:00:01.000Z' });
    expect(queue.messages).toEqual([]);
    const record = (await partitionDocs(store, 'BD', 'transmission'))[0] as unknown as TransmissionDocument;
    expect(record).toMatchObject({ status: 'invalid', sentToQueueAt: null, payload: null });
    expect(record.invalidReasons.join(' ')).toMatch(/no compliance assessment/);
    expect(recipients(await outbox(store))).toEqual(staffRecipients);
    expect(await audits(store, 'timeline.readyToTransmit')).toHaveLength(1);
    expect(await audits(store, 'transmission.invalid')).toHaveLength(1);
  });

  it('R18: once SLCP validated the data sharing is enabled and the factory is told, once', async () => {
    const validated = {
      assessment,
      report,
      readyToTransmitAt: report.releasedAt,
      transmission: {
        transmissionId: `${cycleOne}-TX`,
        queuedAt: report.releasedAt,
        validatedAt: '2030-07-18T09:00:00.000Z',
      },
    };
    const notYet = await world(at('2030-07-18T08:59:59Z'), {
      ...validated,
      transmission: { ...validated.transmission, validatedAt: undefined },
    });
    expect(await enableSharing(sharingDeps(notYet), notYet.input())).toMatchObject({ acted: false });
    const w = await world(at('2030-07-18T09:00:01Z'), validated);
    expect(await enableSharing(sharingDeps(w), w.input())).toMatchObject({ acted: true });
    expect(await enableSharing(sharingDeps(w), w.input())).toMatchObject({ acted: false });
    expect((await readFactory(w.store, factoryOne)).cycles[0]!.sharingEnabledAt).toBe('2030-07-18T09:00:01.000Z');
    const sent = await outbox(w.store);
    expect(recipients(sent)).toEqual([`email ${people.manager.email}`, `notification ${people.manager.userId}`]);
    expect(sent.every((e) => e.subject === sharingEnabledSubject)).toBe(true);
  });

  it('R18: no validation by release + 15 days: the Gateway is asked and staff are chased, once; sharing stays off', async () => {
    const handedOff = { assessment, report, readyToTransmitAt: report.releasedAt };
    const w = await world(at('2030-07-20T10:00:00Z'), handedOff);
    const deps = sharingDeps(w);
    expect(await enableSharing(deps, w.input())).toMatchObject({ acted: true });
    expect(await enableSharing(deps, w.input())).toMatchObject({
      acted: false,
      reason: 'waiting for transmissionValidated',
    });
    const cycleAfter = (await readFactory(w.store, factoryOne)).cycles[0]!;
    expect(cycleAfter.sharingEnabledAt).toBeUndefined();
    expect(cycleAfter.milestones).toMatchObject({ validationCheck: '2030-07-20T10:00:00.000Z' });
    const sent = await outbox(w.store);
    expect(recipients(sent)).toEqual(staffRecipients);
    expect(sent[0]!.subject).toMatch(/^No SLCP validation yet/);
    expect(await audits(w.store, 'timeline.validationChased')).toHaveLength(1);
  });

  it('R25: the Progress Report 1 reminder to the managers (and the advisor), once', async () => {
    const { store, deps, input } = await world(at('2030-07-28T10:00:00Z'), { assessment, report });
    expect(await remindProgressReport(deps, input())).toMatchObject({ acted: true });
    expect(await remindProgressReport(deps, input())).toMatchObject({ acted: false });
    const sent = await outbox(store);
    expect(recipients(sent)).toEqual([
      `email ${people.manager.email}`,
      `notification ${people.advisor.userId}`,
      `notification ${people.manager.userId}`,
    ]);
    expect(sent[0]!.subject).toBe('Progress Report 1 is due on 2030-08-04');
  });
});

describe('R9: chasing a late Gateway approval', () => {
  const handOff = 'b3f1c2d4-0000-4000-8000-00000000a002';
  const since = '2030-03-01T08:00:00.000Z';
  const registered = (base: FactoryDocument['gateway']) => ({
    ...base,
    status: 'registered' as const,
    gatewayFacilityId: undefined,
    stateJti: handOff,
    registrationId: 'REG-7KQ2M9XD4P',
    linkedBy: undefined,
  });

  async function gatewayWorld(now: Date, status: 'registered' | 'connected' = 'registered') {
    const base = registeredFactory(factoryOne, now).gateway;
    return world(now, {}, { gateway: status === 'registered' ? registered(base) : { ...base, status: 'connected' } });
  }

  it('R9: the first chase 3 days after the connect goes to the manager and staff, once', async () => {
    const { store, deps, clock } = await gatewayWorld(at('2030-03-04T08:00:00Z'));
    expect(await loadGatewayApprovalFacts(deps, { factoryId: factoryOne })).toMatchObject({
      found: true,
      facts: { status: 'registered', handOff },
    });
    const chase = () =>
      chaseGatewayApproval(deps, {
        factoryId: factoryOne,
        handOff,
        since,
        step: { kind: 'chase', number: 1 },
        asOf: clock.now().toISOString(),
      });
    expect(await chase()).toMatchObject({ milestone: `gatewayApprovalChase1:${handOff}`, acted: true });
    expect(await chase()).toMatchObject({ acted: false, reason: 'already done' });
    const sent = await outbox(store);
    expect(recipients(sent)).toEqual(
      [`email ${people.manager.email}`, `notification ${people.manager.userId}`, ...staffRecipients].sort((a, b) =>
        a.localeCompare(b)
      )
    );
    expect(sent.filter((e) => e.to === people.manager.userId)[0]!.subject).toBe(gatewayChaseSubject);
    expect(await audits(store, 'gateway.approvalChased')).toHaveLength(1);
  });

  it('R9: no chase before 3 days, nor once connected; the escalation goes to staff only', async () => {
    const early = await gatewayWorld(at('2030-03-04T07:59:59Z'));
    const step = { kind: 'chase' as const, number: 1 };
    expect(
      await chaseGatewayApproval(early.deps, {
        factoryId: factoryOne,
        handOff,
        since,
        step,
        asOf: '2030-03-04T07:59:59.000Z',
      })
    ).toMatchObject({ acted: false });
    const connected = await gatewayWorld(at('2030-03-05T00:00:00Z'), 'connected');
    expect(
      await chaseGatewayApproval(connected.deps, {
        factoryId: factoryOne,
        handOff,
        since,
        step,
        asOf: '2030-03-05T00:00:00.000Z',
      })
    ).toMatchObject({ acted: false });
    const late = await gatewayWorld(at('2030-03-10T08:00:00Z'));
    expect(
      await chaseGatewayApproval(late.deps, {
        factoryId: factoryOne,
        handOff,
        since,
        step: { kind: 'escalation' },
        asOf: '2030-03-10T08:00:00.000Z',
      })
    ).toMatchObject({ acted: true });
    expect(recipients(await outbox(late.store))).toEqual(staffRecipients);
    expect(await outbox(early.store)).toEqual([]);
    expect(await outbox(connected.store)).toEqual([]);
  });

  it('R9: the approval callback names the factory to signal; other events do not', () => {
    const body = (type: string) => JSON.stringify({ type, state: { factoryId: factoryOne, jti: handOff } });
    expect(approvedFactoryOf(Buffer.from(body('facility.approved')))).toBe(factoryOne);
    expect(approvedFactoryOf(body('facility.registered'))).toBeUndefined();
    expect(approvedFactoryOf('not json')).toBeUndefined();
  });
});

describe('R10: the Terms & Conditions watch activities', () => {
  const signedAt = '2030-01-15T10:00:00.000Z';
  const signed = { terms: { signedAt, signedBy: people.manager.userId } };

  it('R10: the reminder 30 days before expiry, once per signature', async () => {
    const { store, deps, clock } = await world(at('2030-12-16T10:00:00Z'), {}, signed);
    expect(await loadTermsWatchFacts(deps, { factoryId: factoryOne })).toMatchObject({
      found: true,
      facts: { signedAt },
    });
    const remind = () => remindTermsExpiry(deps, { factoryId: factoryOne, signedAt, asOf: clock.now().toISOString() });
    expect(await remind()).toMatchObject({ milestone: `termsExpiryReminder:${signedAt}`, acted: true });
    expect(await remind()).toMatchObject({ acted: false });
    const sent = await outbox(store);
    expect(recipients(sent)).toEqual([`email ${people.manager.email}`, `notification ${people.manager.userId}`]);
    expect(sent[0]!.subject).toBe(termsExpiryReminderSubject);
    expect(sent[0]!.text).toContain('2031-01-15');
  });

  it('R10: at expiry the "profile below 100 %" notice, once; nothing for a signature that was renewed', async () => {
    const { store, deps } = await world(at('2031-01-15T10:00:00Z'), {}, signed);
    const notice = () =>
      noticeTermsExpired(deps, { factoryId: factoryOne, signedAt, asOf: '2031-01-15T10:00:00.000Z' });
    expect(await notice()).toMatchObject({ acted: true });
    expect(await notice()).toMatchObject({ acted: false });
    expect((await outbox(store)).map((e) => e.subject)).toEqual([termsExpiredSubject, termsExpiredSubject]);

    const renewed = await world(
      at('2031-01-15T10:00:00Z'),
      {},
      {
        terms: { signedAt: '2031-01-10T08:00:00.000Z', signedBy: people.manager.userId },
      }
    );
    expect(
      await noticeTermsExpired(renewed.deps, { factoryId: factoryOne, signedAt, asOf: '2031-01-15T10:00:00.000Z' })
    ).toMatchObject({ acted: false, reason: 'the Terms & Conditions were signed again' });
    expect(await outbox(renewed.store)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------
// The daily reconciliation and the staff's read
// ---------------------------------------------------------------------------------------------------

function fakeTimelines(live: Set<string>) {
  const calls: string[] = [];
  return {
    calls,
    timelines: {
      ensureCycleTimeline: async ({ cycleId }: { factoryId: string; cycleId: string }) => {
        const started = !live.has(cycleId);
        calls.push(`${started ? 'start' : 'live'} ${cycleId}`);
        live.add(cycleId);
        return { instanceId: `cycle-${cycleId}`, started };
      },
      signalCycle: async (cycleId: string, signal: TimelineSignal) => {
        calls.push(`signal ${cycleId} ${signal}`);
      },
    },
  };
}

describe('the daily reconciliation', () => {
  it('starts the missing timeline of an activated cycle, wakes one with an overdue milestone, skips the rest', async () => {
    const now = at('2030-07-02T05:30:00Z');
    const { store, clock } = await world(now, { assessment }); // the R16 reminder was due on 1 July: overdue
    const twoCycles: CycleEntry[] = [
      { ...cycle(), cycleId: `${factoryTwo}-C1`, startsOn: '2030-01-01', endsOn: '2030-12-31' }, // activated, quiet
      {
        ...cycle(),
        cycleId: `${factoryTwo}-C2`,
        sequence: 2,
        startsOn: '2031-01-01',
        endsOn: '2031-12-31',
        activatedAt: undefined, // not activated: no timeline
      },
    ];
    const two = await store.read<FactoryDocument>('factories', 'BD', factoryTwo);
    await store.write('factories', 'BD', [
      { kind: 'replace', doc: { ...two!.doc, cycles: twoCycles }, ifMatch: two!.etag },
    ]);
    const ended = registeredFactory('BD-FACT0003', now, {
      managerUserIds: [people.manager.userId],
      cycles: [{ ...cycle(), cycleId: 'BD-FACT0003-C1', startsOn: '2029-01-01', endsOn: '2029-12-31' }],
    });
    await seedFactory(store, ended); // ended long ago, nothing pending: not even a candidate

    const fake = fakeTimelines(new Set([cycleOne]));
    const run = await reconcileTimelines({ store, clock, timelines: fake.timelines });
    expect(run).toEqual({ open: 2, started: 1, woken: 1, failed: 0 });
    expect(fake.calls.sort()).toEqual(
      [`live ${cycleOne}`, `signal ${cycleOne} cycleChanged`, `start ${factoryTwo}-C1`].sort()
    );
  });

  it('with the list of live instances, only the cycles without one are started: no status call per live cycle', async () => {
    const now = at('2030-07-02T05:30:00Z');
    const { store, clock } = await world(now, { assessment }); // the R16 reminder was due on 1 July: overdue
    const fake = fakeTimelines(new Set([cycleOne]));
    let listings = 0;
    const run = await reconcileTimelines({
      store,
      clock,
      timelines: {
        ...fake.timelines,
        liveInstanceIds: async () => {
          listings++;
          return new Set([`cycle-${cycleOne}`]);
        },
      },
    });
    expect(listings).toBe(1);
    expect(run).toMatchObject({ started: 0, woken: 1, failed: 0 });
    expect(fake.calls).toEqual([`signal ${cycleOne} cycleChanged`]);
  });

  it('a failure on one cycle is counted and logged (ids only), the others go on', async () => {
    const { store, clock } = await world(at('2030-07-02T05:30:00Z'), { assessment });
    const lines: string[] = [];
    const run = await reconcileTimelines({
      store,
      clock,
      timelines: {
        ensureCycleTimeline: async () => {
          throw new Error('HTTP 503 from the durable engine');
        },
        signalCycle: async () => undefined,
      },
      log: (line) => lines.push(line),
    });
    expect(run).toMatchObject({ failed: 1 });
    expect(lines).toEqual([`timeline reconciliation of ${cycleOne} failed: HTTP 503 from the durable engine`]);
  });
});

describe("the staff's read of a cycle's timeline", () => {
  const running: DurableInstanceStatus = {
    instanceId: `cycle-${cycleOne}`,
    runtimeStatus: 'Running',
    createdTime: '2030-07-01T00:00:00.000Z',
    lastUpdatedTime: '2030-07-01T00:00:06.000Z',
    customStatus: { phase: 'waiting', wakeAt: '2030-07-09T00:00:00.000Z' },
    output: undefined,
  };

  it('past milestones with their dates, the next one, the wait, and the runtime status', async () => {
    const { store, clock } = await world(at('2030-07-02T00:00:00Z'), {
      assessment,
      milestones: { releaseReminder: '2030-07-01T00:00:05.000Z' },
    });
    const view = await readCycleTimeline({ store, clock }, people.staff, factoryOne, cycleOne, async () => running);
    expect(view.milestones.find((m) => m.milestone === 'releaseReminder')).toEqual({
      milestone: 'releaseReminder',
      rule: 'R16',
      state: 'done',
      at: '2030-07-01T00:00:05.000Z',
      dueAt: null,
      waitingFor: null,
      reason: null,
    });
    expect(view.next).toEqual({ milestone: 'releaseEscalation', rule: 'R16', dueAt: '2030-07-09T00:00:00.000Z' });
    expect(view.waitingFor).toEqual(['reportReleased']);
    expect(view.orchestration).toMatchObject({
      runtimeStatus: 'Running',
      customStatus: { wakeAt: '2030-07-09T00:00:00.000Z' },
    });
  });

  it('without an instance it says NotStarted; when the engine cannot tell, Unavailable (logged), and the facts still answer', async () => {
    const { store, clock } = await world(at('2030-07-02T00:00:00Z'));
    const none = await readCycleTimeline({ store, clock }, people.staff, factoryOne, cycleOne, async () => undefined);
    expect(none.orchestration.runtimeStatus).toBe('NotStarted');
    const lines: string[] = [];
    const down = await readCycleTimeline(
      { store, clock },
      people.staff,
      factoryOne,
      cycleOne,
      async () => {
        throw new Error('connect ECONNREFUSED');
      },
      (line) => lines.push(line)
    );
    expect(down.orchestration.runtimeStatus).toBe('Unavailable');
    expect(down.milestones).toHaveLength(6);
    expect(lines).toHaveLength(1);
  });

  it('404 for staff of another country and for a cycle the factory does not have', async () => {
    const { store, clock } = await world(at('2030-07-02T00:00:00Z'));
    await expect(
      readCycleTimeline({ store, clock }, people.staffVn, factoryOne, cycleOne, async () => undefined)
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      readCycleTimeline({ store, clock }, people.staff, factoryOne, `${factoryOne}-C7`, async () => undefined)
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});
