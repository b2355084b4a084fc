// The per-cycle timeline end to end, in virtual time, through `npm start -- --virtual-clock` (the built local
// host on free ports, a temporary data folder), over HTTP only. Two factories walk a whole service cycle as their
// users would (local/demo/cycleJourney.ts): enrolment, account, profile and T&C, the request to share, the next
// cycle registered (sharing effective for it), "Connect with SLCP" and SLCP's approval, activation, the Step 1
// self-assessment answered and submitted, the compliance assessment with findings, the report's release:
// - Meghna (BD, visit): approved two days after it submitted the Gateway form, released on time (after the R16
//   reminder), never asks again, so R3 reminds it;
// - Saigon (VN, VCC): leaves the Gateway form for three and a half days (R9 chases it once), released late
//   (R16 reminder and escalation), asks again to share from the next cycle right after the release (no R3).
// An observer on the same clock moves it through the whole cycle in steps, to two minutes after each moment
// something is due, and checks there, from the mail sink's inbox, each recipient's portal notifications, the
// audit trail and the staff's timeline endpoint, that everything due happened EXACTLY ONCE, dated at its due
// moment (to the minute), that nothing due later happened early, and that nothing else was sent
// (test/support/cycleTimelineChecks.ts). At the end every orchestration has completed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CycleJourney, devTokens, planCycleJourney, runCycleJourneys } from '../../local/demo/cycleJourney';
import {
  expectedEvents,
  PlatformReader,
  timelineObserver,
  type CheckReport,
  type TimelineView,
} from '../support/cycleTimelineChecks';
import { startPlatform, stopPlatform, type RunningPlatform } from '../support/platform';

jest.setTimeout(240_000);

let dir: string;
let platform: RunningPlatform | undefined;
let reader: PlatformReader;
const reports: CheckReport[] = [];
/** The staff's timeline of each cycle the day after the second release (both released, nothing after yet). */
const midway = new Map<string, TimelineView>();

/** The cycle both factories walk: it starts on 1 February 2030 and its last day is 31 January 2031. */
const cycleStartsOn = '2030-02-01';
const cycleOver = new Date('2031-02-01T00:00:00.000Z');

const plans = [
  // enrolled 2030-01-07 09:00; assessed 14-15 April; released 10 May 10:00 (deadline 13 May: on time)
  planCycleJourney({ label: 'Meghna Timeline', country: 'BD', cycleStartsOn, method: 'visit', releaseDelayDays: 25 }),
  // the same dates, but the Gateway form 3.5 days late; released 18 May 10:00 (late); asks again at 11:00
  planCycleJourney({
    label: 'Saigon Timeline',
    country: 'VN',
    cycleStartsOn,
    method: 'vcc',
    gatewayFormDelay: 'P3DT12H',
    releaseDelayDays: 33,
    requestNextCycleAfterDays: 0,
  }),
];

const journeys = plans.map((plan) => new CycleJourney(plan));
const [meghna, saigon] = journeys as [CycleJourney, CycleJourney];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bw-slcp-e2e-timeline-'));
  platform = await startPlatform(dir, ['--virtual-clock']);
  reader = new PlatformReader(
    platform.base,
    `http://127.0.0.1:${platform.ports.mailWeb}`,
    `http://127.0.0.1:${platform.ports.gateway}`
  );
});

afterAll(async () => {
  await stopPlatform(platform, dir);
});

const minute = (at: string | null | undefined) => (at ? at.slice(0, 16) : null);

/** When each expected event happened, to the minute, as the first recipient's notification (or audit) dates it. */
async function happenedAt(journey: CycleJourney): Promise<Record<string, string | null>> {
  const { record, plan } = journey;
  const audit = await reader.audit(record.factoryId, plan.staff);
  const seen: Record<string, string | null> = {};
  for (const e of expectedEvents(journey, await reader.gatewayFacts()).filter((x) => x.expected)) {
    const first = e.notified[0];
    if (first) {
      const notes = (await reader.notifications(first.key)).filter(
        (n) => n.factoryId === record.factoryId && n.title === e.subject
      );
      seen[e.what] = notes.length === 1 ? minute(notes[0]!.at) : `${notes.length} notifications`;
    } else if (e.audit) {
      const events = audit.filter((a) => a.action === e.audit);
      seen[e.what] = events.length === 1 ? minute(events[0]!.at) : `${events.length} audit events`;
    } else {
      const mail = (await reader.mailTo(e.emailed[0]!.email)).filter((m) => m.subject === e.subject);
      seen[e.what] = mail.length === 1 ? 'emailed once' : `${mail.length} emails`;
    }
  }
  return seen;
}

/**
 * R18: sharing is enabled 15 days after the release; where the transmission step sends the data to the Gateway,
 * when SLCP has validated it (the simulator's validation moment), which is no later.
 */
async function sharingEnabledMinute(journey: CycleJourney, fifteenDaysAfter: string): Promise<string> {
  const validated = (await reader.gatewayFacts()).validationAt.get(journey.record.cycleId);
  if (validated === undefined) return fifteenDaysAfter;
  const at = minute(new Date(validated).toISOString())!;
  expect(at <= fifteenDaysAfter).toBe(true);
  return at;
}

describe('the per-cycle timeline in virtual time (npm start -- --virtual-clock)', () => {
  it('two factories walk their cycle as their users would while the clock moves through it in steps, checked at each', async () => {
    const endpoints = {
      base: platform!.base,
      mailBase: `http://127.0.0.1:${platform!.ports.mailWeb}`,
      token: devTokens(platform!.base),
    };
    const snapshot = async ({ at }: { at: (when: string) => Promise<Date> }) => {
      await at('2030-05-19T00:00:00.000Z');
      for (const journey of journeys) midway.set(journey.plan.label, await reader.timeline(journey));
    };
    await runCycleJourneys(endpoints, journeys, {
      alongside: [timelineObserver(reader, () => journeys, new Date(cycleOver.getTime() + 120_000), reports), snapshot],
    }).catch((error: Error) => {
      // The platform's own account of what went wrong, with the failure.
      const log = platform!
        .output()
        .split('\n')
        .filter((line) => /error|warn|fail/i.test(line) && !/outbox: \d+ delivered, 0 to retry, 0 failed/.test(line));
      throw new Error(`${error.message}\n--- platform log (errors and warnings) ---\n${log.slice(-40).join('\n')}`);
    });
    expect(journeys.map((j) => j.record.phase)).toEqual(['requestedNextCycle', 'requestedNextCycle']);
    // The observer checked at every moment something was due, through to the end of the cycle.
    expect(reports.length).toBeGreaterThanOrEqual(15);
    expect(reports.at(-1)!.at >= cycleOver.toISOString()).toBe(true);
    expect(reports.at(-1)!.pending).toEqual([
      // what never happens: no chase of Meghna's approval, no escalation of its on-time release, no second chase
      // of Saigon's, and no R3 reminder for Saigon, which asked again
      expect.stringContaining('R9 chase 1'),
      expect.stringContaining('R9 chase 1'),
      expect.stringContaining('R9 chase 2'),
      expect.stringContaining('R9 chase 2'),
      expect.stringContaining('R16 release escalation'),
      expect.stringContaining('R9 chase 2'),
      expect.stringContaining('R9 chase 2'),
      expect.stringContaining('R3 preference reminder'),
    ]);
  });

  it('the journeys did what they planned, at the planned virtual dates', () => {
    expect(meghna.record).toMatchObject({
      country: 'BD',
      cycle: { startsOn: '2030-02-01', endsOn: '2031-01-31' },
      selfAssessment: { completedPercent: 100 },
      assessment: { method: 'visit', firstDay: '2030-04-14', lastDay: '2030-04-15', releaseDeadline: '2030-05-13' },
      report: { late: false, progressReport1DueOn: '2030-06-09' },
    });
    expect(meghna.record.assessment.nonCompliant).toHaveLength(3);
    expect(saigon.record).toMatchObject({
      country: 'VN',
      assessment: { method: 'vcc', releaseDeadline: '2030-05-13' },
      report: { late: true, progressReport1DueOn: '2030-06-17' },
    });
    // A VCC covers only part of the questions a visit does (R15).
    expect(saigon.record.assessment.inScope).toBeLessThan(meghna.record.assessment.inScope);
    expect(saigon.record.gateway.connects).toHaveLength(2); // the first link had expired when the form was sent
    for (const { record } of journeys) {
      expect(minute(record.dates.enrolledAt)).toBe('2030-01-07T09:00');
      expect(record.dates.cycleRegisteredAt! < record.cycle.startsOn).toBe(true); // R2, R23: sharing applies to it
      expect(record.dates.assessmentCompletedAt!.slice(0, 10)).toBe('2030-04-16');
    }
    expect(minute(meghna.record.dates.releasedAt)).toBe('2030-05-10T10:00');
    expect(minute(saigon.record.dates.releasedAt)).toBe('2030-05-18T10:00');
    expect(minute(saigon.record.dates.nextCycleRequestedAt)).toBe('2030-05-18T11:00');
  });

  it('R9, R16, R17, R18, R25, R3, R10: each notification fired exactly once, at its virtual date', async () => {
    // R9: SLCP approves two days after the form; Saigon's came 3.5 days after "Connect with SLCP": chased at 3 days.
    expect(await happenedAt(meghna)).toEqual({
      'R7 invitation': 'emailed once',
      'R9 Gateway approval': '2030-01-09T09:01',
      'R16 release reminder': '2030-05-06T00:00', // deadline 13 May − 7 days
      'R16 report released': '2030-05-10T10:00',
      'R17 ready to transmit': '2030-05-10T10:00',
      'R18 sharing enabled': await sharingEnabledMinute(meghna, '2030-05-25T10:00'), // release + 15 days
      'R25 Progress Report 1 reminder': '2030-06-02T10:00', // release + 30 days − 7 days
      'R3 preference reminder': '2030-11-30T00:00', // 31 January − 2 months
      'R10 T&C expiry reminder': '2030-12-08T09:01', // signed 7 January 2030, + 1 year − 30 days
      'R10 T&C expired': '2031-01-07T09:01',
    });
    expect(await happenedAt(saigon)).toEqual({
      'R7 invitation': 'emailed once',
      'R9 chase 1 of a late Gateway approval (factory)': '2030-01-10T09:01',
      'R9 chase 1 of a late Gateway approval (staff)': '2030-01-10T09:01',
      'R9 Gateway approval': '2030-01-12T21:01',
      'R16 release reminder': '2030-05-06T00:00',
      'R16 release escalation': '2030-05-14T00:00', // the day after the deadline
      'R16 report released': '2030-05-18T10:00',
      'R17 ready to transmit': '2030-05-18T10:00',
      'R18 sharing enabled': await sharingEnabledMinute(saigon, '2030-06-02T10:00'),
      'R25 Progress Report 1 reminder': '2030-06-10T10:00',
      'R10 T&C expiry reminder': '2030-12-08T09:01',
      'R10 T&C expired': '2031-01-07T09:01',
    });
  });

  it('R17: the hand-off to the transmission is recorded at the release (readyToTransmitAt)', () => {
    for (const journey of journeys) {
      const view = midway.get(journey.plan.label)!;
      const ready = view.milestones.find((m) => m.milestone === 'readyToTransmit')!;
      expect(ready).toMatchObject({ rule: 'R17', state: 'done' });
      expect(minute(ready.at)).toBe(minute(journey.record.dates.releasedAt));
    }
  });

  it('staff read the timeline midway: past milestones with their dates, the next due date, what it waits for, Running', () => {
    const a = midway.get(meghna.plan.label)!;
    const byMilestone = (view: TimelineView) =>
      Object.fromEntries(
        view.milestones.map((m) => [m.milestone, { state: m.state, at: minute(m.at), dueAt: minute(m.dueAt) }])
      );
    expect(byMilestone(a)).toEqual({
      preferenceReminder: { state: 'scheduled', at: null, dueAt: '2030-11-30T00:00' },
      releaseReminder: { state: 'done', at: '2030-05-06T00:00', dueAt: null },
      releaseEscalation: { state: 'notApplicable', at: null, dueAt: null },
      readyToTransmit: { state: 'done', at: '2030-05-10T10:00', dueAt: null },
      sharingEnabled: { state: 'scheduled', at: null, dueAt: '2030-05-25T10:00' },
      progressReportReminder: { state: 'scheduled', at: null, dueAt: '2030-06-02T10:00' },
    });
    expect(a.next).toMatchObject({ milestone: 'sharingEnabled', rule: 'R18' });
    expect(minute(a.next!.dueAt)).toBe('2030-05-25T10:00');
    expect(a).toMatchObject({ waitingFor: [], finished: false, orchestration: { runtimeStatus: 'Running' } });
    expect(a.orchestration.instanceId).toBe(`cycle-${meghna.record.cycleId}`);
    // The orchestration says what it waits for: the next milestone, and the timer that wakes it then.
    expect(a.orchestration.customStatus).toMatchObject({ phase: 'waiting', next: { milestone: 'sharingEnabled' } });
    expect(minute((a.orchestration.customStatus as { wakeAt: string }).wakeAt)).toBe('2030-05-25T10:00');

    const b = midway.get(saigon.plan.label)!;
    expect(byMilestone(b)).toMatchObject({
      preferenceReminder: { state: 'notApplicable' },
      releaseReminder: { state: 'done', at: '2030-05-06T00:00' },
      releaseEscalation: { state: 'done', at: '2030-05-14T00:00' },
      readyToTransmit: { state: 'done', at: '2030-05-18T10:00' },
      sharingEnabled: { state: 'scheduled', dueAt: '2030-06-02T10:00' },
      progressReportReminder: { state: 'scheduled', dueAt: '2030-06-10T10:00' },
    });
    expect(b.milestones.find((m) => m.milestone === 'preferenceReminder')!.reason).toMatch(/already asked/);
    expect(b.next).toMatchObject({ milestone: 'sharingEnabled' });
    expect(b.orchestration.runtimeStatus).toBe('Running');
  });

  it('once the cycle is over every orchestration has completed, each execution with a small history', async () => {
    for (const journey of journeys) {
      const view = await reader.timeline(journey);
      expect(view).toMatchObject({ finished: true, next: null, waitingFor: [] });
      expect(view.orchestration).toMatchObject({ runtimeStatus: 'Completed', customStatus: { phase: 'finished' } });
      expect(view.milestones.filter((m) => m.state !== 'done' && m.state !== 'notApplicable')).toEqual([]);
      const { record } = journey;
      const cycle = await reader.durable(`cycle-${record.cycleId}`);
      expect(cycle).toMatchObject({ runtimeStatus: 'Completed', pending: { activities: 0, timers: [], inbox: 0 } });
      expect(cycle.largestHistory).toBeLessThanOrEqual(60);
      // R9: the approval wait ended with the approval; R10: the T&C watch ended with the expiry.
      expect((await reader.durable(`gateway-${record.factoryId}`)).runtimeStatus).toBe('Completed');
      expect((await reader.durable(`terms-${record.factoryId}`)).runtimeStatus).toBe('Completed');
    }
  });
});
