// The pure parts of the `timeline` benchmark (bench/timelineScenario.ts): the plan of its 1,000 cycles lands
// each release where it means to (before the R16 reminder, between it and the deadline, after the deadline),
// the seeded factories are what the timeline expects, the clock visits every day something is done, and the
// exactly-once check passes on what the real milestone activities write (each run twice, as a retry would)
// and fails, naming the cycle and milestone, on a duplicate, a missing or an unexpected firing.
import { memoryDocumentStore } from '../../shared/adapters/memory/memoryDocumentStore';
import {
  escalateReleaseDeadline,
  remindProgressReport,
  remindReleaseDeadline,
  sendPreferenceReminder,
} from '../../shared/app/timeline/cycleMilestones';
import { betterWorkCountryProgrammes, countryProgrammeDocument, utcDay } from '../../shared/domain/countryProgrammes';
import {
  factoryIdPattern,
  type AuditEventDocument,
  type CycleEntry,
  type FactoryDocument,
  type OutboxDocument,
} from '../../shared/domain/factory/factory';
import {
  cycleTimelineFacts,
  decideCycleTimeline,
  progressReportReminderAt,
  releaseEscalationAt,
  releaseReminderAt,
} from '../../shared/domain/timeline/cycleTimeline';
import { preferenceReminderBlock } from '../../shared/domain/timeline/preferenceReminder';
import type { DocumentStore } from '../../shared/ports/documentStore';
import {
  benchManager,
  checkExactlyOnce,
  clockStops,
  cycleLengthDays,
  cyclePlan,
  expectedMilestones,
  milestoneDueTimes,
  milestoneMarkers,
  milestoneOfSubject,
  timelineFactoryDocument,
  type CyclePlan,
  type ExactlyOnceInput,
} from '../../bench/timelineScenario';
import { partitionDocs, people, seedPeople, TestClock } from '../support/sharingFixtures';

const dayMs = 86_400_000;
/** The run starts at an odd time of day, as it does on the real clock. */
const start = new Date('2030-01-10T09:31:17.250Z');
const at = (day: number) => new Date(start.getTime() + day * dayMs);
const plans = Array.from({ length: 1000 }, (_, i) => cyclePlan(i));
const people8 = { managerUserId: benchManager(8, start).userId, advisorUserId: people.advisor.userId };

describe('the plan of the timeline benchmark', () => {
  it('releases 6 in 10 reports before the R16 reminder, 2 between it and the deadline, 2 late', () => {
    const count = (release: string) => plans.filter((p) => p.release === release).length;
    expect([count('beforeReminder'), count('afterReminder'), count('late')]).toEqual([600, 200, 200]);
    // whatever the time of day the run starts at
    for (const from of [start, new Date('2030-01-10T23:59:59.900Z')]) {
      const on = (day: number) => new Date(from.getTime() + day * dayMs);
      for (const plan of plans) {
        const lastDay = utcDay(on(plan.assessmentDay));
        const releasedAt = on(plan.releaseDay).getTime();
        const reminded = releasedAt >= releaseReminderAt(lastDay).getTime();
        const late = releasedAt >= releaseEscalationAt(lastDay).getTime();
        expect({ index: plan.index, reminded, late }).toEqual({
          index: plan.index,
          reminded: plan.release !== 'beforeReminder',
          late: plan.release === 'late',
        });
      }
    }
  });

  it('expects each reminder and deadline of a cycle once, or never, by its plan', () => {
    expect(expectedMilestones(cyclePlan(8))).toEqual({
      preferenceReminder: true,
      releaseReminder: true,
      releaseEscalation: true,
      readyToTransmit: false,
      sharingEnabled: false,
      progressReportReminder: true,
    });
    expect(expectedMilestones(cyclePlan(3))).toMatchObject({ preferenceReminder: false, releaseReminder: false });
    expect(plans.filter((p) => p.sharingWithoutGateway)).toHaveLength(200);
    expect(plans.filter((p) => p.askedForNextCycle)).toHaveLength(143);
  });

  it('seeds a factory in its second cycle, not activated, with what blocks its R3 reminder or not', () => {
    for (const index of [8, 3, 4]) {
      const plan = cyclePlan(index);
      const doc = timelineFactoryDocument(plan, people8, start);
      expect(doc.factoryId).toMatch(factoryIdPattern);
      const cycle = doc.cycles.find((c) => c.cycleId === plan.cycleId)!;
      expect(cycle).toMatchObject({
        sequence: 2,
        startsOn: utcDay(start),
        sharingEffective: plan.sharingWithoutGateway,
      });
      expect(cycle.endsOn).toBe(utcDay(at(cycleLengthDays - 1)));
      expect(cycle.activatedAt).toBeUndefined();
      expect(doc.gateway.status).toBe('notConnected');
      expect(preferenceReminderBlock(doc, cycle, true)).toBe(plan.askedForNextCycle ? 'sharingRequested' : undefined);
    }
  });

  it('moves the clock to every day something is done, at least weekly, to the day after the cycles end', () => {
    const stops = clockStops(plans, 7);
    for (const plan of plans) expect(stops).toEqual(expect.arrayContaining([plan.assessmentDay, plan.releaseDay]));
    expect(stops.at(-1)).toBe(cycleLengthDays + 1);
    expect(stops.every((day, i) => day - (i === 0 ? 0 : stops[i - 1]!) <= 7 && day > (stops[i - 1] ?? 0))).toBe(true);
  });
});

/** A cycle of the plan walked on the memory store: the facts as the API would record them, the activities as the timeline would run them. */
async function walk(plan: CyclePlan) {
  const store = memoryDocumentStore();
  const clock = new TestClock(start);
  await seedPeople(store, start);
  const manager = benchManager(plan.index, start);
  await store.write('users', manager.userId, [{ kind: 'create', doc: manager }]);
  for (const programme of betterWorkCountryProgrammes) {
    await store.write('countryProgrammes', programme.countryCode, [
      { kind: 'create', doc: countryProgrammeDocument(programme, start.toISOString()) },
    ]);
  }
  const doc = timelineFactoryDocument(plan, { ...people8, managerUserId: manager.userId }, start);
  await store.write('factories', 'BD', [{ kind: 'create', doc }]);
  const deps = { store, clock, settings: { portalBaseUrl: 'https://portal.example.org' } };
  const change = (edit: (cycle: CycleEntry) => CycleEntry) => changeCycle(store, plan, edit);

  await change((cycle) => ({ ...cycle, activatedAt: start.toISOString(), activatedBy: people.staff.userId }));
  const lastDay = utcDay(at(plan.assessmentDay));
  await change((cycle) => ({
    ...cycle,
    assessment: {
      assessmentId: `${plan.cycleId}-A1`,
      method: 'visit',
      lastDay,
      completedAt: at(plan.assessmentDay).toISOString(),
      completedBy: people.assessor.userId,
    },
  }));
  const input = () => ({ factoryId: plan.factoryId, cycleId: plan.cycleId, asOf: clock.now().toISOString() });
  const twice = async (run: () => Promise<unknown>) => {
    await run();
    await run();
  };
  clock.set(releaseReminderAt(lastDay));
  await twice(() => remindReleaseDeadline(deps, input()));
  clock.set(releaseEscalationAt(lastDay));
  await twice(() => escalateReleaseDeadline(deps, input()));
  const releasedAt = at(plan.releaseDay).toISOString();
  await change((cycle) => ({
    ...cycle,
    report: { reportId: `${plan.cycleId}-R1`, releasedAt, releasedBy: people.staff.userId },
  }));
  clock.set(progressReportReminderAt(releasedAt));
  await twice(() => remindProgressReport(deps, input()));
  const factory = await readFactoryDoc(store, plan.factoryId);
  const facts = cycleTimelineFacts(factory, plan.cycleId, { selfAssessmentSubmitted: true, slcpLaunched: true })!;
  const due = decideCycleTimeline(facts, start).states.preferenceReminder;
  if (due.state !== 'scheduled') throw new Error(`the preference reminder is ${due.state}`);
  clock.set(new Date(due.dueAt));
  await twice(() => sendPreferenceReminder(deps, input()));
  return { store, recipients: await recipientsOf(store) };
}

async function changeCycle(store: DocumentStore, plan: CyclePlan, edit: (cycle: CycleEntry) => CycleEntry) {
  const read = await store.read<FactoryDocument>('factories', 'BD', plan.factoryId);
  const doc = read!.doc;
  const cycles = doc.cycles.map((c) => (c.cycleId === plan.cycleId ? edit(c) : c));
  await store.write('factories', 'BD', [{ kind: 'replace', doc: { ...doc, cycles }, ifMatch: read!.etag }]);
}

async function readFactoryDoc(store: DocumentStore, factoryId: string): Promise<FactoryDocument> {
  return (await store.read<FactoryDocument>('factories', 'BD', factoryId))!.doc;
}

/** The staff of BD in the fixtures: u-staff-bd (with an email) and u-assessor (without). */
async function recipientsOf(store: DocumentStore): Promise<ExactlyOnceInput['recipients']> {
  const { staffContacts } = await import('../../shared/app/timeline/contacts');
  const staff = await staffContacts(store, 'BD');
  const staffMessages = staff.userIds.length + staff.emails.length;
  return {
    preferenceReminder: 2,
    releaseReminder: staffMessages,
    releaseEscalation: staffMessages,
    readyToTransmit: 0,
    sharingEnabled: 2,
    progressReportReminder: 3,
  };
}

async function inputOf(plan: CyclePlan, world: Awaited<ReturnType<typeof walk>>): Promise<ExactlyOnceInput> {
  const audits = (await partitionDocs(world.store, 'BD', 'audit')) as unknown as AuditEventDocument[];
  const outbox = (await partitionDocs(world.store, 'BD', 'outbox')) as unknown as OutboxDocument[];
  return {
    plans: [plan],
    factories: [await readFactoryDoc(world.store, plan.factoryId)],
    audits: audits.map((a) => ({ factoryId: a.factoryId, action: a.action })),
    outbox: outbox.map((o) => ({ factoryId: o.factoryId, kind: o.kind, to: o.to, subject: o.subject })),
    recipients: world.recipients,
    toleranceMs: 3_600_000,
  };
}

describe('the exactly-once check of the timeline benchmark', () => {
  const plan = cyclePlan(8); // released late: the R16 reminder and escalation fire; R3 reminds it

  it('passes on what the real activities write, each run twice, and reads their markers and due times', async () => {
    const world = await walk(plan);
    const input = await inputOf(plan, world);
    const report = checkExactlyOnce(input);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, checks: 6 });
    expect(report.fired).toEqual({
      preferenceReminder: 1,
      releaseReminder: 1,
      releaseEscalation: 1,
      readyToTransmit: 0,
      sharingEnabled: 0,
      progressReportReminder: 1,
    });
    expect(report.maxLagMs).toBe(0);
    const cycle = input.factories[0]!.cycles.find((c) => c.cycleId === plan.cycleId)!;
    expect(Object.keys(milestoneMarkers(cycle)).sort()).toEqual([
      'preferenceReminder',
      'progressReportReminder',
      'releaseEscalation',
      'releaseReminder',
    ]);
    expect(Object.keys(milestoneDueTimes(cycle)).sort()).toEqual([
      'preferenceReminder',
      'progressReportReminder',
      'readyToTransmit',
      'releaseEscalation',
      'releaseReminder',
    ]);
    // every outbox entry of the timeline is recognised by its subject; the release's own is not the timeline's
    expect(input.outbox.filter((o) => milestoneOfSubject(o.subject) === undefined)).toEqual([]);
  });

  it('fails, naming the cycle and milestone, on a second email, a missing audit, an unexpected firing or a late one', async () => {
    const world = await walk(plan);
    const input = await inputOf(plan, world);
    const where = (milestone: string) => `${plan.cycleId} ${milestone}`;

    const reminderEmail = input.outbox.find(
      (o) => o.kind === 'email' && milestoneOfSubject(o.subject) === 'releaseReminder'
    )!;
    const twice = checkExactlyOnce({ ...input, outbox: [...input.outbox, reminderEmail] });
    expect(twice.ok).toBe(false);
    expect(twice.problems).toEqual([
      expect.stringMatching(new RegExp(`^${where('releaseReminder')}: \\d+ outbox entries \\(expected \\d+\\)$`)),
      `${where('releaseReminder')}: sent twice to 1 recipient(s) (email)`,
    ]);

    const noAudit = checkExactlyOnce({
      ...input,
      audits: input.audits.filter((a) => a.action !== 'timeline.releaseEscalated'),
    });
    expect(noAudit.problems).toEqual([`${where('releaseEscalation')}: 0 audit events (expected 1)`]);

    const unexpected = checkExactlyOnce({
      ...input,
      audits: [...input.audits, { factoryId: plan.factoryId, action: 'timeline.sharingEnabled' }],
    });
    expect(unexpected.problems).toEqual([
      `${where('sharingEnabled')}: should not have fired, but has 1 audit event(s), 0 outbox entr(ies)`,
    ]);
    const unknown = checkExactlyOnce({
      ...input,
      audits: [...input.audits, { factoryId: plan.factoryId, action: 'timeline.validationChased' }],
    });
    expect(unknown.problems).toEqual([`${plan.factoryId}: unexpected timeline.validationChased`]);

    const late = checkExactlyOnce({ ...input, toleranceMs: -1 });
    expect(late.ok).toBe(false);
    expect(late.problems[0]).toMatch(/acted on at .* before it fell due|s after it fell due/);

    const missing = checkExactlyOnce({ ...input, factories: [] });
    expect(missing.problems).toEqual([`${plan.cycleId}: the cycle is not stored`]);
  });
});
