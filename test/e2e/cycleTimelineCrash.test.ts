// The per-cycle timeline survives `kill -9` of the local host in the middle of a cycle: the journey of
// test/e2e/cycleTimeline.test.ts (one factory, BD, released late), through `npm start -- --virtual-clock` on a
// temporary data folder, killed three times and started again each time on the SAME data folder and ports (the
// child servers stop by themselves when the host dies: local/processes/parentWatch):
// 1. after the compliance assessment is complete, at rest, with the timeline's timers armed;
// 2. while the clock crosses the R16 reminder's moment with the Cosmos server stalled (SIGSTOP): the timer has
//    fired and the work it started waits on the store when the host dies;
// 3. right after the R16 escalation's activity has committed its batch (seen in the audit trail), before its
//    emails left through the outbox and possibly before the engine recorded the activity's completion.
// Then the journey goes on (the late release) and the clock moves to the end of the cycle. Checked as for the
// run without crashes (test/support/cycleTimelineChecks.ts), at every due moment: everything happened EXACTLY
// ONCE (nothing lost, nothing sent twice), at its date (within the minutes the host was down), and the
// orchestrations completed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CycleJourney, devTokens, planCycleJourney, runCycleJourneys } from '../../local/demo/cycleJourney';
import { checkTimeline, expectedEvents, PlatformReader, timelineObserver } from '../support/cycleTimelineChecks';
import {
  launchOn,
  platformPorts,
  processesMentioning,
  stopPlatform,
  waitFor,
  type LaunchedPlatform,
  type RunningPlatform,
} from '../support/platform';

jest.setTimeout(240_000);

/** A crash and a restart take seconds of real time, which the virtual clock counts too. */
const toleranceMs = 5 * 60_000;
const waitMs = 30_000;

let dir: string;
let ports: RunningPlatform['ports'];
let platform: LaunchedPlatform | undefined;
let reader: PlatformReader;
const starts: string[] = [];

const cycleOver = new Date('2031-02-01T00:00:00.000Z');
// Enrolled 2030-01-07 09:00; assessed 14-15 April, completed 16 April; deadline 13 May; released 18 May (late).
const journey = new CycleJourney(
  planCycleJourney({ label: 'Karnaphuli Crash', country: 'BD', cycleStartsOn: '2030-02-01', releaseDelayDays: 33 })
);

async function start(): Promise<void> {
  platform = await launchOn(dir, ports, ['--virtual-clock']);
  starts.push(platform.base);
}

/** `kill -9` of the host; its child servers notice and stop by themselves. */
async function kill9(): Promise<void> {
  platform!.child.kill('SIGKILL');
  await platform!.exited;
  await waitFor(() => processesMentioning(dir).length === 0, waitMs, 'the child servers to stop after kill -9');
}

const endpoints = () => ({
  base: platform!.base,
  mailBase: `http://127.0.0.1:${ports.mailWeb}`,
  token: devTokens(platform!.base),
});

async function clockNow(): Promise<Date> {
  const response = await fetch(`${platform!.base}/_dev/clock`);
  return new Date(((await response.json()) as { now: string }).now);
}

/** The clock moves (through the observer) to `until`, checking at each due moment on the way. */
async function walkTo(until: string, phase?: 'assessed' | 'requestedNextCycle'): Promise<void> {
  const from = await clockNow();
  await runCycleJourneys(endpoints(), phase ? [journey] : [], {
    ...(phase ? { until: phase } : {}),
    alongside: [timelineObserver(reader, () => [journey], new Date(until), [], { toleranceMs, from })],
  }).catch((error: Error) => {
    const log = platform!
      .output()
      .split('\n')
      .filter((line) => /error|warn|fail/i.test(line) && !/outbox: \d+ delivered, 0 to retry, 0 failed/.test(line));
    throw new Error(`${error.message}\n--- platform log (errors and warnings) ---\n${log.slice(-40).join('\n')}`);
  });
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

const cycleInstance = () => `cycle-${journey.record.cycleId}`;

/**
 * The timeline waits for the R16 reminder (13 May − 7 days): the staff's view says so, and the instance has a
 * timer armed no later than then (a long timer runs as 3-day pieces, as on Azure Storage).
 */
async function expectWaitingForTheReminder(): Promise<void> {
  const view = await reader.timeline(journey);
  expect(view).toMatchObject({
    next: { milestone: 'releaseReminder', dueAt: '2030-05-06T00:00:00.000Z' },
    orchestration: { runtimeStatus: 'Running' },
  });
  const instance = await reader.durable(cycleInstance());
  expect(instance.runtimeStatus).toBe('Running');
  expect(instance.pending.timers.length).toBeGreaterThanOrEqual(1);
  for (const timer of instance.pending.timers) expect(timer <= '2030-05-06T00:00:00.000Z').toBe(true);
}
const minute = (at: string | null | undefined) => (at ? at.slice(0, 16) : null);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bw-slcp-e2e-timeline-crash-'));
  ports = await platformPorts();
  await start();
  reader = new PlatformReader(platform!.base, `http://127.0.0.1:${ports.mailWeb}`, `http://127.0.0.1:${ports.gateway}`);
});

afterAll(async () => {
  await stopPlatform(platform, dir);
});

describe('the per-cycle timeline across kill -9 of the local host', () => {
  it('the factory walks its cycle up to the completed compliance assessment', async () => {
    await walkTo('2030-04-16T09:05:00.000Z', 'assessed');
    expect(journey.record).toMatchObject({ phase: 'assessed', assessment: { releaseDeadline: '2030-05-13' } });
    await expectWaitingForTheReminder();
  });

  it('1. kill -9 at rest, timers armed: started again on the same data and ports, the timers are armed again', async () => {
    await kill9();
    await start();
    // Recovered from the store: the unfinished instances resume (a timer whose write was still behind is made
    // again by replaying the written history).
    expect(platform!.output()).toMatch(/task hub \w+: \d+ instances loaded, [1-9]\d* resumed/);
    await expectWaitingForTheReminder();
    await checkTimeline(reader, [journey], await clockNow(), { toleranceMs });
  });

  it('2. kill -9 while the R16 reminder is due and its work waits on a stalled Cosmos server', async () => {
    await walkTo('2030-05-05T23:59:00.000Z');
    const cosmos = processesMentioning(dir).find((p) => p.cmdline.includes('cosmos-child'));
    expect(cosmos).toBeDefined();
    process.kill(cosmos!.pid, 'SIGSTOP');
    try {
      const move = fetch(`${platform!.base}/_dev/clock`, {
        method: 'POST',
        body: JSON.stringify({ to: '2030-05-06T00:03:00.000Z' }),
      }).catch(() => undefined); // the host dies before it answers
      // The scheduler has jumped to the reminder's moment and is firing what is due there (waiting on Cosmos).
      await eventually('the clock to reach the reminder', async () =>
        (await clockNow()).toISOString() >= '2030-05-06T00:00:00.000Z' ? true : undefined
      );
      platform!.child.kill('SIGKILL');
      await platform!.exited;
      await move;
    } finally {
      process.kill(cosmos!.pid, 'SIGCONT');
    }
    await waitFor(() => processesMentioning(dir).length === 0, waitMs, 'the child servers to stop after kill -9');
    await start();
    // The reminder goes out after the restart, once.
    await walkTo('2030-05-06T00:10:00.000Z');
    const reminders = (await reader.audit(journey.record.factoryId, 'registration-bd')).filter(
      (a) => a.action === 'timeline.releaseReminderSent'
    );
    expect(reminders).toHaveLength(1);
    expect(minute(reminders[0]!.at)! >= '2030-05-06T00:00').toBe(true);
  });

  it('3. kill -9 right after the R16 escalation committed, before its emails left', async () => {
    await walkTo('2030-05-13T23:59:00.000Z');
    const move = fetch(`${platform!.base}/_dev/clock`, {
      method: 'POST',
      body: JSON.stringify({ to: '2030-05-14T00:03:00.000Z' }),
    }).catch(() => undefined);
    await eventually(
      'the escalation in the audit trail',
      async () =>
        (await reader.audit(journey.record.factoryId, 'registration-bd')).some(
          (a) => a.action === 'timeline.releaseEscalated'
        ) || undefined,
      5
    );
    platform!.child.kill('SIGKILL');
    await platform!.exited;
    await move;
    await waitFor(() => processesMentioning(dir).length === 0, waitMs, 'the child servers to stop after kill -9');
    await start();
    await walkTo('2030-05-14T00:10:00.000Z');
  });

  it('the journey goes on (the late release) and the clock moves to the end of the cycle: nothing lost, nothing twice', async () => {
    await walkTo(new Date(cycleOver.getTime() + 120_000).toISOString(), 'requestedNextCycle');
    expect(starts).toHaveLength(4);
    expect(new Set(starts).size).toBe(1); // the same ports each time
    expect(journey.record).toMatchObject({ phase: 'requestedNextCycle', report: { late: true } });
    expect(minute(journey.record.dates.releasedAt)).toBe('2030-05-18T10:00');

    // What the run without crashes expects, all of it exactly once (checkTimeline counts each one).
    const report = await checkTimeline(reader, [journey], await clockNow(), { toleranceMs });
    const gateway = await reader.gatewayFacts();
    const expected = expectedEvents(journey, gateway).filter((e) => e.expected);
    expect(report.happened.sort()).toEqual(expected.map((e) => `${journey.record.factoryId} ${e.what}`).sort());
    expect(expected.map((e) => e.what)).toEqual(
      expect.arrayContaining([
        'R9 Gateway approval',
        'R16 release reminder',
        'R16 release escalation',
        'R17 ready to transmit',
        'R18 sharing enabled',
        'R25 Progress Report 1 reminder',
        'R3 preference reminder',
        'R10 T&C expiry reminder',
        'R10 T&C expired',
      ])
    );
    // Each email once, to the minute where no crash delayed it.
    const notes = await reader.notifications(journey.plan.manager);
    const at = (title: string) =>
      notes.filter((n) => n.factoryId === journey.record.factoryId && n.title === title).map((n) => minute(n.at));
    // R18: 15 days after the release, or when SLCP validated the transmitted data (no later).
    const validated = gateway.validationAt.get(journey.record.cycleId);
    expect(at('Sharing via the SLCP Gateway is enabled')).toEqual([
      validated === undefined ? '2030-06-02T10:00' : minute(new Date(validated).toISOString()),
    ]);
    if (validated !== undefined) expect(validated).toBeLessThanOrEqual(Date.parse('2030-06-02T10:01:00.000Z'));
    expect(at('Progress Report 1 is due on 2030-06-17')).toEqual(['2030-06-10T10:00']);
    expect(at('Do you want to share your data via SLCP from your next cycle?')).toEqual(['2030-11-30T00:00']);

    const view = await reader.timeline(journey);
    expect(view).toMatchObject({ finished: true, next: null, orchestration: { runtimeStatus: 'Completed' } });
    const instance = await reader.durable(cycleInstance());
    expect(instance).toMatchObject({ runtimeStatus: 'Completed', pending: { activities: 0, timers: [], inbox: 0 } });
    expect(instance.largestHistory).toBeLessThanOrEqual(60);
    expect((await reader.durable(`terms-${journey.record.factoryId}`)).runtimeStatus).toBe('Completed');
  });
});
