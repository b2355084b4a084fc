// `npm run demo`: three factories (BD, ID, VN) walk a whole service cycle over the public HTTP API of the local
// platform in virtual time (local/demo/cycleJourney.ts): a visit for two, a VCC for one; one self-assessment first
// submitted at 94 % (refused, R13) then completed; releases on time and one late (R16 escalation); the transmission
// to the SLCP Gateway simulator with certain faults (scripted per factory: a 503 with Retry-After, a connection
// dropped after the Gateway recorded the data, a 429 then a 503), retried by the sender; then the year carries on
// (local/demo/followingCycle.ts): the R3 preference reminders about the following cycle (one answered by a
// request), the T&C running out and signed again, the following cycle registered and activated by staff, and its
// own R3 reminder and the renewed signature's reminder. It prints a timeline per factory, writes
// demo-report.html, and exits 1 if anything went other than expected (every expected email, notification and
// audit event exactly once, at its date, to the right people, and nothing else; the 94 % refusal; every scripted
// fault met and retried; each cycle received exactly once by the Gateway).
//
//   node dist/local/demo.js [--base http://127.0.0.1:7071/api --mail http://127.0.0.1:7073 --gateway http://127.0.0.1:7072]
//                           [--out demo-report.html]
// Without --base it starts its own platform (dist/local/main.js --virtual-clock) on free ports in a temp folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkTimeline, expectedEvents, PlatformReader, subjects, type TimelineView } from './checks';
import {
  CycleJourney,
  DevClock,
  devTokens,
  JourneyApi,
  plausibleAnswer,
  planCycleJourney,
  runCycleJourneys,
  VirtualTime,
  type JourneyEndpoints,
  type JourneyQuestion,
} from './cycleJourney';
import {
  followingCycleEvents,
  followingCycleTask,
  followingCycleTimeline,
  planFollowingCycle,
  type FollowingCycle,
} from './followingCycle';
import { demoUsers } from '../seed/demoUsers';
import { renderReportHtml, renderTimelineText, type DemoEvent, type DemoFactory, type DemoReport } from './report';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

interface Platform {
  base: string;
  mailBase: string;
  gatewayBase: string;
  stop: () => Promise<void>;
}

async function startOwnPlatform(): Promise<Platform> {
  const dir = mkdtempSync(join(tmpdir(), 'bw-slcp-demo-'));
  const ports: Record<string, number> = {};
  for (const flag of ['--port', '--cosmos-port', '--blob-port', '--queue-port', '--table-port']) {
    ports[flag] = await freePort();
  }
  for (const flag of ['--gateway-port', '--smtp-port', '--mail-web-port']) ports[flag] = await freePort();
  const args = ['--data-dir', dir, '--virtual-clock', ...Object.entries(ports).flatMap(([f, p]) => [f, String(p)])];
  const child: ChildProcess = spawn(process.execPath, [join(__dirname, 'main.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (output += c));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const base = await new Promise<string>((ready, reject) => {
    child.on('message', (m: { type?: string; base?: string }) => {
      if (m?.type === 'ready' && m.base) ready(m.base);
    });
    void exited.then(() => reject(new Error(`the platform exited before it was ready:\n${output.slice(-3000)}`)));
  });
  return {
    base,
    mailBase: `http://127.0.0.1:${ports['--mail-web-port']}`,
    gatewayBase: `http://127.0.0.1:${ports['--gateway-port']}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT');
        const stopped = await Promise.race([
          exited.then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), 15_000).unref()),
        ]);
        if (!stopped) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** R13 shown on purpose: the manager answers up to 94 %, submits (422), answers the rest and submits again. */
async function selfAssessAt94(
  api: JourneyApi,
  journey: CycleJourney,
  today: string
): Promise<{ at: string; percent: number }> {
  const { record, plan } = journey;
  const manager = plan.manager;
  const started = await api.expect(201, manager, 'POST', `factories/${record.factoryId}/self-assessments`, {
    json: { cycleId: record.cycleId, step: 1 },
  });
  const id = String(started.body.selfAssessmentId);
  const version = String(started.body.toolVersion);
  record.selfAssessment.selfAssessmentId = id;
  record.selfAssessment.toolVersion = version;
  const bank = await api.expect(200, manager, 'GET', `question-banks/${version}?step=1`);
  const questions = new Map<string, JourneyQuestion>();
  for (const section of bank.body.sections as { subsections: { questions: JourneyQuestion[] }[] }[]) {
    for (const subsection of section.subsections) for (const q of subsection.questions) questions.set(q.id, q);
  }
  const overview = await api.expect(200, manager, 'GET', `self-assessments/${id}`);
  let next = overview.body.nextUnansweredQuestionId as string | null;
  let percent = (overview.body.overall as { completedPercent: number }).completedPercent;
  let refused: { at: string; percent: number } | undefined;
  for (let guard = 0; guard <= questions.size + 1; guard++) {
    if (!refused && percent >= 94) {
      const answer = await api.call(manager, 'POST', `self-assessments/${id}/submit`);
      if (answer.status !== 422) {
        throw new Error(`the submission at ${percent} % answered ${answer.status}, not 422 (R13)`);
      }
      refused = { at: (await new DevClock(api.endpoints.base).now()).toISOString(), percent };
    }
    if (!next) break;
    const question = questions.get(next);
    if (!question) throw new Error(`${next} is not a Step 1 question of ${version}`);
    const answered = await api.expect(200, manager, 'PUT', `self-assessments/${id}/answers/${next}`, {
      json: { value: plausibleAnswer(question, today) },
    });
    record.selfAssessment.answered++;
    next = answered.body.nextUnansweredQuestionId as string | null;
    percent = (answered.body.overall as { completedPercent: number }).completedPercent;
  }
  if (!refused) throw new Error('the self-assessment never stood at 94 %');
  const submitted = await api.expect(200, manager, 'POST', `self-assessments/${id}/submit`);
  record.selfAssessment.completedPercent = (submitted.body.overall as { completedPercent: number }).completedPercent;
  record.dates.selfAssessmentSubmittedAt = String(submitted.body.submittedAt);
  record.phase = 'selfAssessed';
  return refused;
}

interface Submission {
  key: string;
  factoryId: string;
  cycleId: string;
  status: string;
  receivedAt: string;
  validatedAt?: string | null;
}

/** The Gateway simulator's submissions and counters (`GET /_sim/submissions`). */
interface GatewayState {
  stats: { replayed: number; duplicates: number; conflicts: number; faults: Record<string, number> };
  submissions: Submission[];
}

async function gatewayState(gatewayBase: string): Promise<GatewayState> {
  const response = await fetch(`${gatewayBase}/_sim/submissions`);
  if (response.status !== 200) throw new Error(`GET /_sim/submissions: ${response.status}`);
  return (await response.json()) as GatewayState;
}

/** What is left of the scripted faults (`GET /_sim/faults`). */
interface SimFaults {
  scripted: Record<string, string[]>;
}

/** A cycle's transmission as staff read it (GET .../transmission), the parts the demo shows. */
interface TransmissionView {
  status: string;
  lastAttempt: { at: string; detail: string } | null;
  history: { at: string; event: string; detail: string | null }[];
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const started = Date.now();
  const out = resolve(option(args, '--out') ?? 'demo-report.html');
  const given = option(args, '--base');
  const platform: Platform = given
    ? {
        base: given.replace(/\/$/, ''),
        mailBase: option(args, '--mail') ?? 'http://127.0.0.1:7073',
        gatewayBase: option(args, '--gateway') ?? 'http://127.0.0.1:7072',
        stop: async () => undefined,
      }
    : await startOwnPlatform();
  // Interrupted (Ctrl-C, a test's time limit): the platform it started goes down with it.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void platform.stop().finally(() => process.exit(130)));
  }
  console.log(
    given ? `demo against ${platform.base}` : `demo: started a platform with a virtual clock at ${platform.base}`
  );
  try {
    const clock = new DevClock(platform.base);
    const year = Math.max(2030, (await clock.now()).getUTCFullYear() + 1);
    const cycleStartsOn = `${year}-02-01`;
    const tag = given ? ` ${Date.now().toString(36).slice(-4)}` : '';
    const plans = [
      planCycleJourney({
        label: `Meghna Knit${tag}`,
        country: 'BD',
        cycleStartsOn,
        method: 'visit',
        releaseDelayDays: 12,
      }),
      planCycleJourney({
        label: `Bekasi Apparel${tag}`,
        country: 'ID',
        cycleStartsOn,
        method: 'vcc',
        releaseDelayDays: 20,
      }),
      planCycleJourney({
        label: `Saigon Shirts${tag}`,
        country: 'VN',
        cycleStartsOn,
        method: 'visit',
        gatewayFormDelay: 'P3DT12H',
        releaseDelayDays: 33, // after the 28-day deadline: escalated (R16)
        requestNextCycleAfterDays: 0,
      }),
    ];
    // The ID programme has no assessor among the demo users: the administrator records it, naming its staff.
    const idStaff = demoUsers.find((u) => u.key === 'registration-id')!.userId;
    plans[1]!.assessment.assessorIds = [idStaff];
    const journeys = plans.map((plan) => new CycleJourney(plan));
    const refusedJourney = journeys[1]!;
    const endpoints: JourneyEndpoints = {
      base: platform.base,
      mailBase: platform.mailBase,
      token: devTokens(platform.base),
    };
    const reader = new PlatformReader(platform.base, platform.mailBase, platform.gatewayBase);

    const phase = (text: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${text}`);
    phase(`enrolment, accounts, T&C, Gateway connection and activation (cycle from ${cycleStartsOn}) ...`);
    await runCycleJourneys(endpoints, journeys, { until: 'activated' });
    const api = new JourneyApi(endpoints);
    const refusal = await selfAssessAt94(api, refusedJourney, (await clock.now()).toISOString().slice(0, 10));
    console.log(
      `R13: ${refusedJourney.plan.label} submitted at ${refusal.percent} % and was refused (422), then completed it`
    );

    // Certain faults at the Gateway while the cycles' data is transmitted (R17), one plan per factory: each of
    // its submission calls takes the next fault of its plan. The sender retries within the delivery.
    const scripted: Record<string, string[]> = {
      [journeys[0]!.record.factoryId]: ['unavailable'], // 503, Retry-After: 1
      [journeys[1]!.record.factoryId]: ['timeout'], // recorded, then the connection dropped: the retry is a replay
      [journeys[2]!.record.factoryId]: ['rateLimit', 'unavailable'], // 429 then 503, both with Retry-After
    };
    const faults = await fetch(`${platform.gatewayBase}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ...{ errorRate: 0, rateLimitRate: 0, timeoutRate: 0, slowRate: 0, malformedRate: 0, outageUntil: null },
        ...{ retryAfterSeconds: 1, hangMs: 300, scripted },
      }),
    });
    if (faults.status !== 200) throw new Error(`POST /_sim/faults: ${faults.status}`);
    const simulatorBefore = await gatewayState(platform.gatewayBase);

    phase('self-assessments, assessments, releases, transmissions, to the end of the cycle ...');
    await runCycleJourneys(endpoints, journeys);

    // The year carries on: the reminders about the following cycle, and those of the following cycle itself.
    const following = new Map<CycleJourney, FollowingCycle>(
      journeys.map((journey, i) => [
        journey,
        planFollowingCycle(journey, {
          answerReminder: i === 1,
          termsSignedAt: journey.record.dates.termsSignedAt!,
        }),
      ])
    );
    const demoEnd = new Date(`${year + 1}-12-31T00:00:00.000Z`);
    phase(`the following cycle (from ${following.get(journeys[0]!)!.plan.cycle.startsOn}) and its reminders ...`);
    await new VirtualTime(clock, () => api.forgetTokens()).run(
      journeys.map((journey) => followingCycleTask(api, journey, following.get(journey)!))
    );
    await clock.moveTo(demoEnd);
    const moreEvents = (journey: CycleJourney) => followingCycleEvents(journey, following.get(journey)!);

    phase('checks');
    // The checks, retried for a little real time while the last emails leave the outbox.
    const checks: DemoReport['checks'] = [];
    const check = (what: string, ok: boolean, detail?: string) =>
      checks.push({ what, ok, ...(detail !== undefined ? { detail } : {}) });
    let checkError: string | undefined;
    for (let attempt = 0; attempt < 30; attempt++) {
      try {
        await checkTimeline(reader, journeys, await clock.now(), { moreEvents });
        checkError = undefined;
        break;
      } catch (error) {
        checkError = (error as Error).message;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
    check(
      'every expected email, notification and audit event happened exactly once, at its date, to the right ' +
        'people, over both cycles; nothing unexpected was sent',
      checkError === undefined,
      checkError
    );
    check(`the self-assessment at ${refusal.percent} % was refused (R13 422)`, refusal.percent < 95);
    check(
      'R16: the late release was escalated, the others were not',
      journeys.map((j) => j.record.report.late).join() === 'false,false,true'
    );

    // The transmissions: every scripted fault met, retried, and each cycle received exactly once.
    const simulator = await gatewayState(platform.gatewayBase);
    const injected = (kind: string) => (simulator.stats.faults[kind] ?? 0) - (simulatorBefore.stats.faults[kind] ?? 0);
    const wantedFaults: Record<string, number> = { unavailable: 2, timeout: 1, rateLimit: 1 };
    const kinds = [...new Set([...Object.keys(simulator.stats.faults), ...Object.keys(wantedFaults)])];
    check(
      'the Gateway met exactly the scripted faults: two 503 and one 429 with Retry-After, one dropped connection',
      kinds.every((k) => injected(k) === (wantedFaults[k] ?? 0)) &&
        Object.keys(((await (await fetch(`${platform.gatewayBase}/_sim/faults`)).json()) as SimFaults).scripted)
          .length === 0,
      kinds.map((k) => `${k} ${injected(k)}`).join(', ')
    );
    check(
      'the retry after the dropped connection was answered as a replay; no duplicate or conflicting submission',
      simulator.stats.replayed - simulatorBefore.stats.replayed === 1 &&
        simulator.stats.duplicates === simulatorBefore.stats.duplicates &&
        simulator.stats.conflicts === simulatorBefore.stats.conflicts,
      `replayed ${simulator.stats.replayed - simulatorBefore.stats.replayed}`
    );
    const transmissions = new Map<CycleJourney, TransmissionView>();
    for (const journey of journeys) {
      const { record, plan } = journey;
      const view = await reader.get<TransmissionView>(
        `factories/${record.factoryId}/cycles/${record.cycleId}/transmission`,
        plan.staff
      );
      if (view.status === 200) transmissions.set(journey, view.body);
      const mine = simulator.submissions.filter((s) => s.cycleId === record.cycleId);
      const attempts = (view.body.lastAttempt?.detail.match(/#\d+/g) ?? []).length;
      const wanted = (scripted[record.factoryId]?.length ?? 0) + 1;
      check(
        `${plan.label}: its data reached the SLCP Gateway exactly once, accepted on attempt ${wanted} after ` +
          `${scripted[record.factoryId]!.join(', ')}, then validated`,
        view.status === 200 &&
          view.body.status === 'validated' &&
          attempts === wanted &&
          mine.length === 1 &&
          mine[0]!.status === 'VALIDATED',
        `${view.status === 200 ? `${view.body.status}, ${attempts} attempt(s)` : `HTTP ${view.status}`}, ` +
          `${mine.length} submission(s) at the Gateway${mine[0] ? ` (${mine[0].status})` : ''}`
      );
    }

    // The following cycle: registered and activated as staff do it, sharing where a request stood, its reminders.
    const wantedSharing = [false, true, true];
    for (const [i, journey] of journeys.entries()) {
      const { record, plan } = journey;
      const next = following.get(journey)!;
      check(
        `${plan.label}: the following cycle registered with sharing ${wantedSharing[i] ? 'effective (a request stood)' : 'off (no new request, R1)'} and activated`,
        next.record.sharingEffective === wantedSharing[i] && next.record.activatedAt !== null,
        `${next.record.cycleId} sharing ${String(next.record.sharingEffective)}`
      );
      check(
        `${plan.label}: the profile fell below 100 % when the T&C ran out, then was signed again (R10)`,
        (next.record.profilePercentBeforeResigning ?? 100) < 100 && next.record.termsResignedAt !== null,
        `${String(next.record.profilePercentBeforeResigning)} % before signing again`
      );
      const reminders = (await reader.mailTo(record.people.managerEmail)).filter(
        (m) => m.subject === subjects.preferenceReminder && (m.text ?? '').includes(record.factoryName)
      );
      const wantedReminders = [...expectedEvents(journey), ...moreEvents(journey)].filter(
        (e) => e.what.startsWith('R3') && e.expected && e.dueAt !== null && e.dueAt <= demoEnd.getTime()
      ).length;
      check(
        `${plan.label}: R3 preference reminders sent ${wantedReminders} time(s), to the factory's manager only`,
        reminders.length === wantedReminders &&
          reminders.every(
            (m) => m.to.length === 1 && m.to[0]!.toLowerCase() === record.people.managerEmail.toLowerCase()
          ),
        `${reminders.length} email(s)`
      );
      const timeline = await reader.get<TimelineView>(
        `factories/${record.factoryId}/cycles/${next.record.cycleId}/timeline`,
        plan.staff
      );
      const r3 = timeline.body.milestones?.find((m) => m.milestone === 'preferenceReminder');
      const r3Due = moreEvents(journey).find((e) => e.what.startsWith('R3'))!.dueAt!;
      check(
        `${plan.label}: the following cycle's timeline is running and did its R3 reminder on ${new Date(r3Due).toISOString().slice(0, 10)}`,
        timeline.status === 200 &&
          timeline.body.orchestration.runtimeStatus === 'Running' &&
          r3?.state === 'done' &&
          Math.abs(Date.parse(r3.at!) - r3Due) <= 60_000,
        `${timeline.body.orchestration?.runtimeStatus}, R3 ${r3?.state ?? 'missing'} ${r3?.at ?? ''}`
      );
    }

    // The timeline per factory.
    const gateway = await reader.gatewayFacts();
    const factories: DemoFactory[] = journeys.map((journey) => {
      const { record, plan } = journey;
      const events: DemoEvent[] = [];
      const step = (at: string | null, what: string) => at && events.push({ at, what, kind: 'step' });
      const d = record.dates;
      step(d.enrolledAt, 'enrolled by registration staff (R7 invitation emailed)');
      step(d.invitationAcceptedAt, 'the manager accepted the invitation');
      step(d.termsSignedAt, 'profile completed, T&C signed (R10)');
      step(d.sharingRequestedAt, 'asked to share via SLCP (R2)');
      step(d.cycleRegisteredAt, `cycle ${record.cycle.startsOn} registered, sharing effective (R23)`);
      for (const c of record.gateway.connects) step(c.at, '"Connect with SLCP"');
      step(record.gateway.formSubmittedAt, 'Facility Information Form sent to the Gateway');
      step(d.activatedAt, 'cycle activated (R11)');
      step(
        d.selfAssessmentSubmittedAt,
        `self-assessment submitted at ${record.selfAssessment.completedPercent} % (R13)`
      );
      step(
        d.assessmentCompletedAt,
        `${record.assessment.method === 'vcc' ? 'VCC' : 'visit'} completed, ${record.assessment.nonCompliant.length} non-compliant of ${record.assessment.inScope} (R15)`
      );
      step(
        d.releasedAt,
        `report released ${record.report.late ? 'LATE' : 'on time'} (deadline ${record.assessment.releaseDeadline})`
      );
      step(d.nextCycleRequestedAt, 'asked again to share from the next cycle');
      events.push(...followingCycleTimeline(journey, following.get(journey)!, demoEnd));
      if (journey === refusedJourney) {
        events.push({
          at: refusal.at,
          what: `self-assessment submitted at ${refusal.percent} %: refused, 422 (R13)`,
          kind: 'refusal',
        });
      }
      for (const e of expectedEvents(journey, gateway)) {
        if (!e.expected || e.dueAt === null || e.dueAt > demoEnd.getTime()) continue;
        if (e.what === 'R7 invitation' || e.what === 'R16 report released') continue;
        events.push({ at: new Date(e.dueAt).toISOString(), what: e.what, kind: 'milestone' });
      }
      const transmission = transmissions.get(journey);
      for (const h of transmission?.history ?? []) {
        if (h.event === 'validated') continue; // shown from the Gateway's side below
        if (h.event === 'accepted' && transmission?.lastAttempt) {
          // The sender's attempts within the delivery, as it recorded them (the retries of the scripted faults).
          for (const attempt of transmission.lastAttempt.detail.split(' | ')) {
            events.push({ at: h.at, what: `transmission attempt ${attempt}`, kind: 'gateway' });
          }
        }
        events.push({ at: h.at, what: `transmission ${h.event}${h.detail ? `: ${h.detail}` : ''}`, kind: 'gateway' });
      }
      for (const s of simulator.submissions.filter((x) => x.cycleId === record.cycleId)) {
        events.push({ at: s.receivedAt, what: 'data received by the SLCP Gateway (R17)', kind: 'gateway' });
        if (s.validatedAt) events.push({ at: s.validatedAt, what: 'data validated by SLCP', kind: 'gateway' });
      }
      return { label: plan.label, country: plan.country, factoryId: record.factoryId, events };
    });

    // The emails about these factories, from the mail sink.
    const names = journeys.flatMap((j) => [j.record.factoryName, j.record.factoryId]);
    const managers = new Set(journeys.map((j) => j.record.people.managerEmail.toLowerCase()));
    const inbox = (await (await fetch(`${platform.mailBase}/api/messages`)).json()) as {
      messages: { subject: string; text: string | null; to: string[]; date: string | null; receivedAt: string }[];
    };
    const emails = inbox.messages
      .filter(
        (m) =>
          names.some((n) => m.subject.includes(n) || (m.text ?? '').includes(n)) ||
          m.to.some((t) => managers.has(t.toLowerCase()))
      )
      .map((m) => ({ at: m.date ?? m.receivedAt, to: m.to, subject: m.subject }));

    const seconds = (Date.now() - started) / 1000;
    const report: DemoReport = {
      title: 'Better Work × SLCP: a year of three factories (virtual time)',
      from: `${year}-01-01T00:00:00.000Z`,
      to: demoEnd.toISOString(),
      factories,
      emails,
      checks,
      seconds,
    };
    console.log(`\n${renderTimelineText(factories)}`);
    for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.what}${c.detail ? ` (${c.detail})` : ''}`);
    writeFileSync(out, renderReportHtml(report));
    console.log(`\n${emails.length} emails; report written to ${out} (${seconds.toFixed(0)} s)`);
    return checks.every((c) => c.ok) ? 0 : 1;
  } finally {
    await platform.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`demo failed: ${error.message}`);
    process.exit(1);
  }
);
