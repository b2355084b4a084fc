// Faults in the middle of load and of running cycles, through `npm start -- --virtual-clock` (the built local
// host as a child process, a temporary data folder, fixed ports so it can be started again on them):
// - a light load runs all along: three factory managers answer their Step 1 self-assessment, one request at a
//   time each; every acknowledged answer is recorded client-side (test/support/faultLoad.ts);
// - two factories (BD visit, VN VCC) walk a service cycle as their users would (local/demo/cycleJourney.ts) on
//   the virtual clock, both released on time after the R16 reminder, so each has a transmission to the Gateway
//   and an SLCP validation (R17, R18);
// and, in turn:
// (a) the Cosmos server is killed (kill -9) and the host starts it again, while the clock crosses the R16
//     reminders' moment (the timelines' timers fire and their activities write);
// (b) Azurite is restarted (POST /api/_dev/restart: stopped as Ctrl-C stops it, started again on its port and
//     data) right after the first release answered (the report is in blob storage; the transmission's payload is
//     written there). Not kill -9: Azurite keeps its metadata in LokiJS and saves it every 5 s, so a kill -9 loses
//     the blobs and containers of its last seconds, acknowledged or not (an emulator's limit: Azure Storage
//     acknowledges a write once it is durable);
// (c) the Gateway simulator goes really down (not listening, connections dropped: POST /_sim/down) for 10 s
//     while the second release is transmitted;
// (d) the local host and its child servers are killed (kill -9, all at once) while the clock crosses the first
//     SLCP validation's moment (the Gateway's callback, R18), and `npm start` runs again on the same data.
// During an outage a request may fail, with a 503 problem answer (or no answer at all while the host itself is
// down), never a 500 and never later than 20 s. Afterwards every acknowledged answer is there, each timeline did
// everything it had to EXACTLY ONCE at its date (test/support/cycleTimelineChecks.ts) and ran to its end, no
// orchestration failed, nothing is dead-lettered, and each cycle's data reached the Gateway exactly once.
// What was injected and what survived is printed at the end (the README quotes it).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CycleJourney,
  devTokens,
  planCycleJourney,
  runCycleJourneys,
  type JourneyPhase,
  type JourneyTime,
} from '../../local/demo/cycleJourney';
import { checkTimeline, PlatformReader, timelineObserver, type CheckReport } from '../support/cycleTimelineChecks';
import { AnswerLoad, type LoadTarget } from '../support/faultLoad';
import {
  launchOn,
  platformPorts,
  processesMentioning,
  stopPlatform,
  waitFor,
  type LaunchedPlatform,
  type RunningPlatform,
} from '../support/platform';

jest.setTimeout(300_000);

/** An outage and a restart take seconds of real time, which the virtual clock counts too. */
const toleranceMs = 5 * 60_000;
const waitMs = 60_000;
const gatewayDownMs = 10_000;

let dir: string;
let ports: RunningPlatform['ports'];
let platform: LaunchedPlatform | undefined;
let reader: PatientReader;
const starts: string[] = [];
const reports: CheckReport[] = [];
/** Earlier runs' output (the host is started more than once). */
let pastOutput = '';
const injected: { fault: string; outageMs: number; note: string }[] = [];
const began = Date.now();

const cycleStartsOn = '2030-02-01';
const cycleOver = new Date('2031-02-01T00:00:00.000Z');
// Both: enrolled 2030-01-07 09:00, assessed 14-15 April (completed 16 April), deadline 13 May, R16 reminder 6 May.
const journeys = [
  // released 10 May 10:00 (on time); SLCP validates 15 days later
  planCycleJourney({ label: 'Jamuna Faults', country: 'BD', cycleStartsOn, method: 'visit', releaseDelayDays: 25 }),
  // released 12 May 10:00 (on time); asks again to share from the next cycle at 11:00 (no R3 reminder)
  planCycleJourney({
    label: 'Mekong Faults',
    country: 'VN',
    cycleStartsOn,
    method: 'vcc',
    releaseDelayDays: 27,
    requestNextCycleAfterDays: 0,
  }),
].map((plan) => new CycleJourney(plan));
const [jamuna, mekong] = journeys as [CycleJourney, CycleJourney];

const loadTargets: LoadTarget[] = [
  { manager: 'fm-bd-1', staff: 'registration-bd', factoryId: 'BD-DEMO0001' },
  { manager: 'fm-id-1', staff: 'registration-id', factoryId: 'ID-DEMO0001' },
  { manager: 'fm-vn-1', staff: 'registration-vn', factoryId: 'VN-DEMO0001' },
];
const load = new AnswerLoad(() => platform!.base, { timeoutMs: 20_000, pauseMs: 40 });

/** The timeline checks read the Gateway's facts; while the Gateway is down they wait for it (bounded). */
class PatientReader extends PlatformReader {
  override async gatewayFacts(): ReturnType<PlatformReader['gatewayFacts']> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        return await super.gatewayFacts();
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(250);
      }
    }
  }
}

const output = () => pastOutput + (platform?.output() ?? '');
const gatewayBase = () => `http://127.0.0.1:${ports.gateway}`;
const origin = () => new URL(platform!.base).origin;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const count = (text: string, what: string) => text.split(what).length - 1;
const minutesAfter = (at: string, minutes: number) => new Date(Date.parse(at) + minutes * 60_000).toISOString();
/** What the end checks found, for the summary. */
const survived = {
  completed: 0,
  failedInstances: 0,
  transmittedOnce: 0,
  deadLetters: 0,
  reportReads: 0,
  reportReadsUnavailable: 0,
};
const reportPath = (journey: CycleJourney) =>
  `factories/${journey.record.factoryId}/cycles/${journey.record.cycleId}/report`;

async function start(): Promise<void> {
  if (platform) pastOutput += platform.output();
  platform = await launchOn(dir, ports, ['--virtual-clock']);
  starts.push(platform.base);
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

function errorLog(): string {
  return output()
    .split('\n')
    .filter((line) => /error|warn|fail|exited|restarting|is back|down|listening again/i.test(line))
    .filter((line) => !/outbox: \d+ delivered, 0 to retry, 0 failed/.test(line))
    .slice(-40)
    .join('\n');
}

/**
 * Moves the clock to `until` with the journeys given (each up to `phase`), checking the timelines of both at each
 * due moment on the way; `alongside` runs more on the same clock.
 */
async function walkTo(
  until: string,
  phase?: JourneyPhase,
  walking: CycleJourney[] = journeys,
  alongside: ((time: JourneyTime) => Promise<void>)[] = []
): Promise<void> {
  const from = await clockNow();
  await runCycleJourneys(endpoints(), phase ? walking : [], {
    ...(phase ? { until: phase } : {}),
    alongside: [
      timelineObserver(reader, () => journeys, new Date(until), reports, { toleranceMs, from }),
      ...alongside,
    ],
  }).catch((error: Error) => {
    throw new Error(`${error.message}\n--- platform log (errors and warnings) ---\n${errorLog()}`);
  });
}

/** Polls `probe` until it answers something (bounded). */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${errorLog()}`);
    await sleep(intervalMs);
  }
}

interface SimSubmission {
  key: string;
  factoryId: string;
  cycleId: string;
  status: string;
  validationDueAt: string;
  validatedAt: string | null;
}

async function submissions(): Promise<SimSubmission[]> {
  const response = await fetch(`${gatewayBase()}/_sim/submissions`);
  return ((await response.json()) as { submissions: SimSubmission[] }).submissions;
}

const submissionsOf = async (journey: CycleJourney) =>
  (await submissions()).filter((s) => s.cycleId === journey.record.cycleId);

/** The child server of this platform whose command line mentions `script`. */
function childServer(script: string): { pid: number } {
  const found = processesMentioning(dir).filter((p) => p.cmdline.includes(script));
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** Stops one child server with `signal`; the host notices and starts it again. Resolves with how long it was away. */
async function restartChild(script: string, name: string, signal: NodeJS.Signals): Promise<number> {
  const backBefore = count(output(), `${name} is back`);
  const { pid } = childServer(script);
  const killedAt = Date.now();
  process.kill(pid, signal);
  await waitFor(() => count(output(), `${name} is back`) > backBefore, waitMs, `${name} to be back`);
  const outage = Date.now() - killedAt;
  expect(childServer(script).pid).not.toBe(pid);
  return outage;
}

/** The load has to have been running through a fault: writes in its phase, some acknowledged. */
function expectLoadThrough(phase: string): void {
  const tally = load.tally(phase);
  expect(tally.writes).toBeGreaterThan(0);
  expect(tally.serverErrors).toBe(0);
  expect(tally.hung).toBe(0);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bw-slcp-faults-'));
  ports = await platformPorts();
  await start();
  reader = new PatientReader(platform!.base, `http://127.0.0.1:${ports.mailWeb}`, gatewayBase());
});

afterAll(async () => {
  await load.stop().catch(() => undefined);
  await stopPlatform(platform, dir);
});

describe('faults in the middle of load and of running cycles', () => {
  it('the load starts: three factory managers answer their self-assessments, one request at a time each', async () => {
    await load.prepare(loadTargets);
    load.start();
    await eventually('the first acknowledged answers', async () => (load.total().acked >= 10 ? true : undefined));
  });

  it('two factories walk their cycle up to the completed compliance assessment, under load', async () => {
    await walkTo('2030-04-16T09:05:00.000Z', 'assessed');
    for (const journey of journeys) {
      expect(journey.record).toMatchObject({ phase: 'assessed', assessment: { releaseDeadline: '2030-05-13' } });
    }
  });

  it('(a) the Cosmos server killed (-9) and started again while the R16 reminders fire, under load', async () => {
    await walkTo('2030-05-05T23:59:00.000Z');
    load.phase = 'cosmos';
    const killing = restartChild('cosmos-child', 'Cosmos server', 'SIGKILL');
    // The clock crosses the reminders' moment while the server is away: the timers fire, their activities wait.
    const move = await fetch(`${platform!.base}/_dev/clock`, {
      method: 'POST',
      body: JSON.stringify({ to: '2030-05-06T00:05:00.000Z' }),
      signal: AbortSignal.timeout(waitMs),
    });
    const outageMs = await killing;
    await sleep(2_000);
    load.phase = 'steady';
    expect([200, 503]).toContain(move.status);
    injected.push({ fault: 'Cosmos server kill -9, restarted by the host', outageMs, note: 'R16 reminders due' });
    expectLoadThrough('cosmos');
    await walkTo('2030-05-06T00:10:00.000Z');
    for (const journey of journeys) {
      const reminders = (await reader.audit(journey.record.factoryId, journey.plan.staff)).filter(
        (a) => a.action === 'timeline.releaseReminderSent'
      );
      expect(reminders).toHaveLength(1);
    }
  });

  it('(b) Azurite restarted right after the first release, under load', async () => {
    let outageMs = 0;
    // Restarted as soon as the release has answered: the timeline hands the cycle to the transmission (R17), whose
    // payload goes to blob storage.
    const restartAfterRelease = async ({ at }: JourneyTime) => {
      await at(jamuna.plan.releaseAt);
      await eventually('the release', async () => jamuna.record.dates.releasedAt ?? undefined, 2);
      load.phase = 'azurite';
      const { pid } = childServer('azurite');
      const restarting = fetch(`${platform!.base}/_dev/restart`, {
        method: 'POST',
        body: JSON.stringify({ service: 'azurite' }),
        signal: AbortSignal.timeout(waitMs),
      });
      // Meanwhile the manager reads the released report (from blob storage) again and again, three at a time.
      let restarted = false;
      const reading = [0, 1, 2].map(async (i) => {
        await sleep(i * 30);
        while (!restarted) {
          const began = Date.now();
          const read = await reader.get<{ reportId?: string }>(reportPath(jamuna), jamuna.plan.manager);
          reportReads.push({ status: read.status, ms: Date.now() - began });
          await sleep(50);
        }
      });
      const answer = await restarting;
      restarted = true;
      await Promise.all(reading);
      expect(answer.status).toBe(200);
      outageMs = ((await answer.json()) as { awayMs: number }).awayMs;
      expect(childServer('azurite').pid).not.toBe(pid);
    };
    const reportReads: { status: number; ms: number }[] = [];
    await walkTo(minutesAfter(jamuna.plan.releaseAt, 2), 'released', [jamuna], [restartAfterRelease]);
    // Each read of the report during the restart answered it, or a 503 problem; never a 500, never over 20 s.
    expect(reportReads.length).toBeGreaterThan(0);
    expect(reportReads.filter((r) => ![200, 503].includes(r.status) || r.ms > 20_000)).toEqual([]);
    survived.reportReads = reportReads.length;
    survived.reportReadsUnavailable = reportReads.filter((r) => r.status === 503).length;
    expect(jamuna.record.phase).toBe('released');
    const [sent] = await eventually('the first cycle at the Gateway', async () => {
      const found = await submissionsOf(jamuna);
      return found.length > 0 ? found : undefined;
    });
    await sleep(1_000);
    load.phase = 'steady';
    injected.push({
      fault: 'Azurite restarted (stopped and started by the host)',
      outageMs,
      note:
        `right after a release (R17); meanwhile the report was read ${survived.reportReads} times, ` +
        `${survived.reportReadsUnavailable} answered 503`,
    });
    expectLoadThrough('azurite');
    expect(sent).toMatchObject({ factoryId: jamuna.record.factoryId });
  });

  it('(c) the Gateway simulator down (not listening) while the second release is transmitted, under load', async () => {
    // Down as the clock reaches the release: the report is released meanwhile, and its transmission (R17) meets
    // a Gateway that refuses connections for 10 s.
    const goDown = async ({ at }: JourneyTime) => {
      await at(mekong.plan.releaseAt);
      const down = await fetch(`${gatewayBase()}/_sim/down`, {
        method: 'POST',
        body: JSON.stringify({ forMs: gatewayDownMs }),
      });
      expect(down.status).toBe(202);
      load.phase = 'gateway';
      await expect(fetch(`${gatewayBase()}/_sim/submissions`)).rejects.toThrow(); // really down
    };
    await walkTo(minutesAfter(mekong.plan.releaseAt, 2), 'released', [mekong], [goDown]);
    expect(mekong.record.phase).toBe('released');
    const [sent] = await eventually('the second cycle at the Gateway', async () => {
      const found = await submissionsOf(mekong).catch(() => []);
      return found.length > 0 ? found : undefined;
    });
    load.phase = 'steady';
    injected.push({
      fault: 'Gateway simulator down (not listening)',
      outageMs: gatewayDownMs,
      note: 'a transmission due',
    });
    expectLoadThrough('gateway');
    expect(sent).toMatchObject({ factoryId: mekong.record.factoryId });
    // The sender met the outage and tried again.
    const transmission = await reader.get<{ status: string; attempts: number }>(
      `factories/${mekong.record.factoryId}/cycles/${mekong.record.cycleId}/transmission`,
      mekong.plan.staff
    );
    expect(transmission.body).toMatchObject({ status: 'accepted' });
    expect(transmission.body.attempts).toBeGreaterThan(1);
  });

  it('(d) kill -9 of the local host and its child servers while SLCP validation calls back (R18), under load; started again on the same data', async () => {
    const [first] = await submissionsOf(jamuna);
    const validationAt = Date.parse(first!.validationDueAt);
    await walkTo(new Date(validationAt - 60_000).toISOString());
    load.phase = 'host';
    const killedAt = Date.now();
    const move = fetch(`${platform!.base}/_dev/clock`, {
      method: 'POST',
      body: JSON.stringify({ to: new Date(validationAt + 3 * 60_000).toISOString() }),
    }).catch(() => undefined); // the host dies before it answers
    await eventually(
      'the clock to reach the validation',
      async () => ((await clockNow()).getTime() >= validationAt ? true : undefined),
      5
    );
    // The whole platform at once, as a crash of its process group: the host and its child servers, kill -9 each.
    const group = processesMentioning(dir);
    expect(group.length).toBe(4); // the host, Azurite, the Cosmos server, the mail sink
    for (const { pid } of group) process.kill(pid, 'SIGKILL');
    await platform!.exited;
    await move;
    await waitFor(() => processesMentioning(dir).length === 0, waitMs, 'every process to be gone after kill -9');
    await start();
    const outageMs = Date.now() - killedAt;
    await sleep(2_000);
    load.phase = 'steady';
    injected.push({
      fault: 'local host and its child servers kill -9, npm start again',
      outageMs,
      note: 'SLCP validation callback (R18)',
    });
    expectLoadThrough('host');
    expect(load.tally('host').noAnswer).toBeGreaterThan(0); // it was down under the load
    await walkTo(new Date(validationAt + 10 * 60_000).toISOString());
  });

  it('afterwards the cycles run to their end: every timeline did everything once, at its date, and finished', async () => {
    await walkTo(new Date(cycleOver.getTime() + 120_000).toISOString(), 'requestedNextCycle');
    expect(starts).toHaveLength(2);
    expect(new Set(starts).size).toBe(1);
    const report = await checkTimeline(reader, journeys, await clockNow(), { toleranceMs });
    for (const journey of journeys) {
      const id = journey.record.factoryId;
      for (const what of ['R16 release reminder', 'R17 ready to transmit', 'R18 sharing enabled']) {
        expect(report.happened).toContain(`${id} ${what}`);
      }
      const view = await reader.timeline(journey);
      expect(view).toMatchObject({ finished: true, next: null, orchestration: { runtimeStatus: 'Completed' } });
      expect(view.milestones.find((m) => m.milestone === 'sharingEnabled')).toMatchObject({ state: 'done' });
    }
    // No orchestration failed or was left behind (the load's factories' timelines included).
    const instances = (await (
      await fetch(`${origin()}/runtime/webhooks/durabletask/instances?top=1000&showInput=false`)
    ).json()) as { instanceId: string; runtimeStatus: string }[];
    const failedInstances = instances.filter((i) => !['Completed', 'Running'].includes(i.runtimeStatus));
    survived.failedInstances = failedInstances.length;
    expect(failedInstances).toEqual([]);
    for (const journey of journeys) {
      expect(instances.find((i) => i.instanceId === `cycle-${journey.record.cycleId}`)?.runtimeStatus).toBe(
        'Completed'
      );
      survived.completed++;
    }
  });

  it('every transmission reached the Gateway exactly once; nothing is dead-lettered', async () => {
    const all = await submissions();
    for (const journey of journeys) {
      const held = all.filter((s) => s.cycleId === journey.record.cycleId);
      expect(held).toHaveLength(1);
      expect(held[0]).toMatchObject({ status: 'VALIDATED' });
      survived.transmittedOnce++;
      const transmission = await reader.get<{ status: string; submissionId: string }>(
        `factories/${journey.record.factoryId}/cycles/${journey.record.cycleId}/transmission`,
        journey.plan.staff
      );
      expect(transmission.body.status).toMatch(/^(accepted|validated)$/);
    }
    // The released reports are in blob storage, as acknowledged (the first was written just before Azurite's restart).
    for (const journey of journeys) {
      const report = await reader.get<{ reportId: string }>(reportPath(journey), journey.plan.manager);
      expect(report).toMatchObject({ status: 200, body: { reportId: journey.record.report.reportId } });
    }
    const bus = (await (await fetch(`${platform!.base}/_dev/service-bus`)).json()) as {
      queues: { name: string; deadLetters: unknown[] }[];
    };
    survived.deadLetters = bus.queues.reduce((n, queue) => n + queue.deadLetters.length, 0);
    for (const queue of bus.queues) expect(queue.deadLetters).toEqual([]);
  });

  it('every acknowledged answer is there; no 500, no request over 20 s', async () => {
    await load.stop();
    const verified = await load.verify();
    const total = load.total();
    const phases = Object.fromEntries(load.tallies);
    process.stdout.write(
      [
        '',
        'Faults injected (each in the middle of the load and of running cycles):',
        ...injected.map((f) => `  ${f.fault}: away ${(f.outageMs / 1000).toFixed(1)} s (${f.note})`),
        `Load: ${total.writes} answer writes by ${loadTargets.length} managers, ${total.acked} acknowledged, ` +
          `${total.unavailable} answered 503 during outages, ${total.noAnswer} without answer while the host was down, ` +
          `${total.serverErrors} 500s, ${total.hung} over 20 s (slowest ${(total.slowestMs / 1000).toFixed(1)} s)`,
        ...Object.entries(phases).map(
          ([phase, t]) =>
            `  ${phase.padEnd(8)} ${t.writes} writes, ${t.acked} acked, ${t.unavailable} 503, ${t.noAnswer} no answer, ${t.refused} refused`
        ),
        `Survived: ${verified.acknowledged} acknowledged answers read back (${verified.questions} questions), ${verified.lost.length} lost; ` +
          `${survived.completed} cycle timelines completed, ${survived.failedInstances} orchestrations failed; ` +
          `${survived.transmittedOnce} transmissions at the Gateway exactly once, ${survived.deadLetters} dead letters; ` +
          `${reports.length} timeline checks; ${((Date.now() - began) / 1000).toFixed(0)} s`,
        '',
      ].join('\n')
    );
    // The platform's log of each unexpected answer, to see why.
    const invocations = load.unexpected.flatMap((u) => /"invocationId":"([0-9a-f-]+)"/.exec(u)?.[1] ?? []);
    const logged = output()
      .split('\n')
      .filter((line) => invocations.some((id) => line.includes(id)));
    expect({ unexpected: load.unexpected, logged }).toEqual({ unexpected: [], logged: [] });
    expect(verified.lost).toEqual([]);
    expect(verified.acknowledged).toBeGreaterThan(0);
    expect(total.serverErrors).toBe(0);
    expect(total.hung).toBe(0);
  });
});
