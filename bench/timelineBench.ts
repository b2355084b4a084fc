// timeline: 1,000 per-cycle timelines (issue 5) run end to end in virtual time through the local host.
//
// On the whole local platform (`npm start -- --virtual-clock`, fresh data, free loopback ports):
//  1. 1,000 factories of Bangladesh in their second cycle (a year from today), each with its own manager, are
//     written straight into the local Cosmos server through the app's own document store (the app's
//     constructors; see bench/timelineScenario.ts for what each cycle does when);
//  2. registration staff activate every cycle through the API, which starts each cycle's timeline; the
//     self-assessments of the factories that share via SLCP are then written as submitted (the store again:
//     answering 1,000 of them over HTTP would take the whole run);
//  3. the virtual clock moves through the year a day at a time (`POST /api/_dev/clock`), and on its day each
//     cycle is assessed through the API (create, every finding in one request, complete: the timeline is
//     woken) and its report released (on time, or late so the escalation fires: woken again);
//  4. past the cycles' end the clock moves on until every timeline is Completed.
// Measured: wall time of 2-4 and cycles per second; the peak RSS of the platform's process tree; the longest
// history one execution of a cycle's instance held (GET /api/_dev/durable/{instanceId}); and whether every
// reminder and deadline fired exactly once per cycle, from what Cosmos holds (milestone markers, audit
// events, outbox entries per recipient). Timings are reported, never asserted.
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cosmosDocumentStore } from '../shared/adapters/cosmos/cosmosDocumentStore';
import { loadedPlan } from '../shared/app/selfAssessment/bank';
import { selfAssessmentDeps } from '../shared/app/selfAssessment/deps';
import { staffContacts } from '../shared/app/timeline/contacts';
import { defaultCosmosDatabaseName } from '../shared/config/cosmosContainers';
import { utcDay } from '../shared/domain/countryProgrammes';
import type { FactoryDocument } from '../shared/domain/factory/factory';
import { newSelfAssessment } from '../shared/domain/selfAssessment/selfAssessment';
import { cycleMilestones, type CycleMilestone } from '../shared/domain/timeline/cycleTimeline';
import type { DocumentStore, StoredDocument } from '../shared/ports/documentStore';
import { demoUsers } from '../local/seed/demoUsers';
import { loopback, withPlatform, type RunningPlatform } from './platform';
import { noteStop, type PlatformBenchOptions } from './platformBenches';
import { describe, processTree, rssKb } from './procTree';
import { round, type Figures } from './results';
import {
  benchManager,
  checkExactlyOnce,
  clockStops,
  cycleLengthDays,
  cyclePlan,
  timelineFactoryDocument,
  type AuditRecord,
  type CyclePlan,
  type ExactlyOnceReport,
  type OutboxRecord,
} from './timelineScenario';

export const defaultTimelineCycles = 1000;
const dayMs = 86_400_000;
const requestTimeoutMs = 120_000;
/** A move of the clock runs everything due on the way. */
const clockTimeoutMs = 600_000;
/** HTTP requests the bench keeps in flight (the platform has 2 cores). */
const concurrency = 8;
/** Days past the cycles' end the clock may still move before the bench gives up on an open timeline. */
const graceDays = 30;
/** The clock moves to every day something is done through the API, and at least once a week. */
const maxStepDays = 7;
/** How late after its due time a milestone may fire: the virtual clock runs at real speed while work runs. */
const toleranceMs = 3_600_000;
const staff = 'registration-bd';
const assessor = 'assessor-bd';

type Json = Record<string, unknown>;
type Note = (line: string) => void;

export interface TimelineBenchOptions extends PlatformBenchOptions {
  /** How many cycles (default 1,000). */
  cycles?: number;
}

function demoUserId(key: string): string {
  const user = demoUsers.find((u) => u.key === key);
  if (!user) throw new Error(`no demo user ${key}`);
  return user.userId;
}

/** Runs `work` over `items`, `limit` at a time; the first failure stops the run. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The API as the demo users, with tokens minted at the clock's time (dropped whenever the bench moves it). */
class Api {
  private tokens = new Map<string, Promise<string>>();
  requests = 0;
  /** Time spent moving the clock (everything due on the way runs inside the move). */
  clockMs = 0;
  clockMoves = 0;

  constructor(
    readonly base: string,
    readonly root: string
  ) {}

  private async fetchJson(
    url: string,
    init: RequestInit = {},
    timeoutMs = requestTimeoutMs
  ): Promise<{ status: number; body: unknown }> {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    let body: unknown = {};
    if (text) {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        body = { text: text.slice(0, 300) };
      }
    }
    return { status: response.status, body };
  }

  private token(user: string): Promise<string> {
    let token = this.tokens.get(user);
    if (!token) {
      token = this.fetchJson(`${this.base}/_dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user, lifetimeSeconds: 86_400 }),
      }).then(({ status, body }) => {
        const value = (body as Json).access_token;
        if (status !== 200 || typeof value !== 'string') throw new Error(`no token for ${user}: ${status}`);
        return value;
      });
      token.catch(() => this.tokens.delete(user));
      this.tokens.set(user, token);
    }
    return token;
  }

  /** One call as `as`, which must answer `expected`. */
  async call(expected: number, method: string, path: string, as: string, json?: unknown): Promise<Json> {
    const headers: Record<string, string> = { authorization: `Bearer ${await this.token(as)}` };
    if (json !== undefined) headers['content-type'] = 'application/json';
    this.requests++;
    const { status, body } = await this.fetchJson(`${this.base}/${path}`, {
      method,
      headers,
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
    if (status !== expected) {
      throw new Error(`${method} ${path} as ${as} answered ${status}: ${JSON.stringify(body).slice(0, 400)}`);
    }
    return body as Json;
  }

  async clockNow(): Promise<Date> {
    const { status, body } = await this.fetchJson(`${this.base}/_dev/clock`);
    if (status !== 200) throw new Error(`GET /_dev/clock answered ${status}`);
    return new Date(String((body as Json).now));
  }

  /** Moves the virtual clock to `to`, which fires every timer due on the way (durable timers, the outbox). */
  async moveClock(to: Date): Promise<void> {
    const started = performance.now();
    const { status, body } = await this.fetchJson(
      `${this.base}/_dev/clock`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: to.toISOString() }),
      },
      clockTimeoutMs
    );
    if (status !== 200) throw new Error(`POST /_dev/clock answered ${status}: ${JSON.stringify(body).slice(0, 400)}`);
    this.clockMs += performance.now() - started;
    this.clockMoves++;
    this.tokens.clear();
  }

  async get(path: string): Promise<{ status: number; body: unknown }> {
    return this.fetchJson(`${this.root}/${path}`);
  }
}

function localSecrets(dataDir: string): { cosmosKey: string } {
  const parsed = JSON.parse(readFileSync(join(dataDir, 'local-keys.json'), 'utf8')) as { cosmosKey?: unknown };
  if (typeof parsed.cosmosKey !== 'string') throw new Error(`${join(dataDir, 'local-keys.json')} has no cosmosKey`);
  return { cosmosKey: parsed.cosmosKey };
}

/** The app's document store on the platform's Cosmos server (the pinned certificate), for seeding and checking. */
async function openStore(platform: RunningPlatform): Promise<{ store: DocumentStore; close: () => void }> {
  const { CosmosClient } = await import('@azure/cosmos');
  const agent = new Agent({ ca: readFileSync(join(platform.dataDir, 'cosmos', 'cert.pem')), keepAlive: true });
  const client = new CosmosClient({
    endpoint: `https://${loopback}:${platform.ports.cosmos}/`,
    key: localSecrets(platform.dataDir).cosmosKey,
    agent,
    connectionPolicy: { enableEndpointDiscovery: false },
  });
  const store = cosmosDocumentStore(async () => client, process.env.COSMOS_DATABASE || defaultCosmosDatabaseName);
  return {
    store,
    close: () => {
      client.dispose();
      agent.destroy();
    },
  };
}

/** Every document of the BD partition of `factories` the query selects (`@pk` is the partition). */
async function partitionQuery<T extends StoredDocument>(store: DocumentStore, query: string): Promise<T[]> {
  const all: T[] = [];
  let continuation: string | undefined;
  do {
    const page = await store.query<T>('factories', 'BD', { query }, { maxItems: 10_000, continuation });
    all.push(...page.items);
    continuation = page.continuation;
  } while (continuation);
  return all;
}

/** Samples the RSS of the platform's process tree every half second; `stop()` answers the peak and its parts. */
function rssSampler(rootPid: number): { stop: () => { peakMb: number; parts: string[] } } {
  let peakKb = 0;
  let parts: string[] = [];
  const sample = () => {
    const tree = processTree(rootPid).map((p) => ({ pid: p.pid, kb: rssKb(p.pid) }));
    const kb = tree.reduce((sum, p) => sum + p.kb, 0);
    if (kb > peakKb) {
      peakKb = kb;
      parts = tree.filter((p) => p.kb > 50 * 1024).map((p) => `${(p.kb / 1024).toFixed(0)} MB ${describe(p.pid, 60)}`);
    }
  };
  sample();
  const timer = setInterval(sample, 500);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { peakMb: peakKb / 1024, parts };
    },
  };
}

interface InstanceSummary {
  instanceId: string;
  runtimeStatus: string;
  executions: number;
  largestHistory: number;
}

interface Run {
  cycles: number;
  seedMs: number;
  activateMs: number;
  driveMs: number;
  wallMs: number;
  days: number;
  requests: number;
  peakRssMb: number;
  /** The processes of the tree at the peak (over 50 MB each). */
  peakParts: string[];
  instances: InstanceSummary[];
  engine: Json;
  check: ExactlyOnceReport;
  outboxPending: number;
}

async function seed(store: DocumentStore, plans: readonly CyclePlan[], start: Date): Promise<FactoryDocument[]> {
  const advisorUserId = demoUserId('advisor-bd');
  const managers = plans.map((plan) => benchManager(plan.index, start));
  const factories = plans.map((plan, i) =>
    timelineFactoryDocument(plan, { managerUserId: managers[i]!.userId, advisorUserId }, start)
  );
  await pool(managers, 16, async (user) => {
    await store.write('users', user.userId, [{ kind: 'create', doc: user }]);
  });
  // Up to 100 operations per transactional batch, as Cosmos DB allows.
  const batches: FactoryDocument[][] = [];
  for (let i = 0; i < factories.length; i += 100) batches.push(factories.slice(i, i + 100));
  await pool(batches, 4, async (batch) => {
    await store.write(
      'factories',
      'BD',
      batch.map((doc) => ({ kind: 'create', doc }))
    );
  });
  return factories;
}

/** Every cycle's self-assessment (Step 1, latest question bank version), submitted once the cycle is activated. */
async function seedSelfAssessments(
  store: DocumentStore,
  plans: readonly CyclePlan[],
  factories: readonly FactoryDocument[],
  now: Date
): Promise<void> {
  const bank = await selfAssessmentDeps({ store, clock: { now: () => now } }).banks.latest();
  const { plan } = loadedPlan(bank, 1);
  const at = now.toISOString();
  await pool(plans, 16, async (p) => {
    const factory = factories[p.index]!;
    const cycle = factory.cycles.find((c) => c.cycleId === p.cycleId)!;
    const userId = factory.managerUserIds[0]!;
    const header = newSelfAssessment({
      cycle: { ...cycle, activatedAt: at, activatedBy: demoUserId(staff) },
      factoryId: factory.factoryId,
      step: 1,
      plan,
      userId,
      now: at,
    });
    await store.write('selfAssessments', header.selfAssessmentId, [
      { kind: 'create', doc: { ...header, status: 'submitted', submittedAt: at, submittedBy: userId } },
    ]);
  });
}

/** The Step 1 questions in scope of an assessment, as its view lists them. */
function questionsInScope(assessment: Json): string[] {
  return (assessment.clusters as Json[]).flatMap((cluster) =>
    (cluster.points as Json[]).flatMap((point) => (point.questions as Json[]).map((q) => String(q.questionId)))
  );
}

async function assess(api: Api, plan: CyclePlan, now: Date): Promise<void> {
  const base = `factories/${plan.factoryId}/cycles/${plan.cycleId}`;
  const day = (offset: number) => utcDay(new Date(now.getTime() + offset * dayMs));
  const created = await api.call(201, 'POST', `${base}/assessment`, assessor, {
    method: 'visit',
    firstDay: day(-1),
    lastDay: day(0),
  });
  const findings = questionsInScope(created).map((questionId, i) =>
    i % 40 === plan.index % 40
      ? { questionId, result: 'nonCompliant', notes: 'Seen on the floor and confirmed in worker interviews.' }
      : { questionId, result: 'compliant' }
  );
  await api.call(200, 'POST', `${base}/assessment/findings`, assessor, { findings });
  await api.call(200, 'POST', `${base}/assessment/complete`, assessor);
}

/** The cycle instances by runtime status (the Durable HTTP API's instance query). */
async function instanceStatuses(api: Api): Promise<Map<string, number>> {
  const { status, body } = await api.get(
    'runtime/webhooks/durabletask/instances?instanceIdPrefix=cycle-BD-X&showInput=false&top=100000'
  );
  if (status !== 200 || !Array.isArray(body)) throw new Error(`the Durable instance query answered ${status}`);
  const counts = new Map<string, number>();
  for (const instance of body as Json[]) {
    const s = String(instance.runtimeStatus);
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  return counts;
}

const describeCounts = (counts: Map<string, number>) =>
  [...counts.entries()].map(([s, n]) => `${n} ${s}`).join(', ') || 'none';

async function measure(platform: RunningPlatform, cycles: number, note: Note): Promise<Run> {
  const api = new Api(`http://${loopback}:${platform.port}/api`, `http://${loopback}:${platform.port}`);
  const { store, close } = await openStore(platform);
  const rss = rssSampler(platform.pid);
  try {
    const plans = Array.from({ length: cycles }, (_, i) => cyclePlan(i));
    const start = await api.clockNow();
    const began = performance.now();

    const factories = await seed(store, plans, start);
    const seedMs = performance.now() - began;
    note(`seeded ${cycles} factories and their managers in ${(seedMs / 1000).toFixed(1)} s (app document store)`);

    const activating = performance.now();
    await pool(plans, concurrency, async (plan) => {
      await api.call(200, 'POST', `factories/${plan.factoryId}/cycles/${plan.cycleId}/activate`, staff);
    });
    await seedSelfAssessments(store, plans, factories, await api.clockNow());
    const activateMs = performance.now() - activating;
    note(
      `activated ${cycles} cycles through the API (each starts its timeline) and wrote ` +
        `${cycles} submitted self-assessments in ${(activateMs / 1000).toFixed(1)} s`
    );

    const assessOn = new Map<number, CyclePlan[]>();
    const releaseOn = new Map<number, CyclePlan[]>();
    for (const plan of plans) {
      assessOn.set(plan.assessmentDay, [...(assessOn.get(plan.assessmentDay) ?? []), plan]);
      releaseOn.set(plan.releaseDay, [...(releaseOn.get(plan.releaseDay) ?? []), plan]);
    }
    const driving = performance.now();
    const stops = clockStops(plans, maxStepDays);
    let day = 0;
    let noted = 0;
    for (let step = 0; ; step++) {
      day = stops[step] ?? day + 1;
      const now = new Date(start.getTime() + day * dayMs);
      await api.moveClock(now);
      await pool(releaseOn.get(day) ?? [], concurrency, async (plan) => {
        await api.call(200, 'POST', `factories/${plan.factoryId}/cycles/${plan.cycleId}/report/release`, staff);
      });
      await pool(assessOn.get(day) ?? [], concurrency, (plan) => assess(api, plan, now));
      if (day < cycleLengthDays) {
        if (day >= noted + 30) {
          noted = day;
          note(
            `day ${day}: ${((performance.now() - driving) / 1000).toFixed(1)} s ` +
              `(${(api.clockMs / 1000).toFixed(1)} s in ${api.clockMoves} clock moves), ` +
              `${describeCounts(await instanceStatuses(api))}`
          );
        }
        continue;
      }
      const statuses = await instanceStatuses(api);
      if ((statuses.get('Completed') ?? 0) === cycles) break;
      if (day >= cycleLengthDays + graceDays) {
        throw new Error(`day ${day}: not every timeline completed: ${describeCounts(statuses)}`);
      }
    }
    const driveMs = performance.now() - driving;
    const wallMs = performance.now() - began;
    note(`day ${day}: all ${cycles} timelines Completed; the year took ${(driveMs / 1000).toFixed(1)} s`);
    const { peakMb: peakRssMb, parts: peakParts } = rss.stop();

    const instances: InstanceSummary[] = [];
    await pool(plans, 16, async (plan) => {
      const instanceId = `cycle-${plan.cycleId}`;
      const { status, body } = await api.get(`api/_dev/durable/${instanceId}`);
      if (status !== 200) throw new Error(`GET /api/_dev/durable/${instanceId} answered ${status}`);
      const b = body as Json;
      instances.push({
        instanceId,
        runtimeStatus: String(b.runtimeStatus),
        executions: Number(b.executions),
        largestHistory: Number(b.largestHistory),
      });
    });
    const engine = (await api.get('api/_dev/durable')).body as Json;

    const [stored, audits, outbox, staffBd] = await Promise.all([
      partitionQuery<FactoryDocument>(
        store,
        "SELECT * FROM c WHERE c.countryCode = @pk AND c.type = 'factory' AND STARTSWITH(c.factoryId, 'BD-X')"
      ),
      partitionQuery<StoredDocument & AuditRecord>(
        store,
        "SELECT c.id, c.type, c.factoryId, c.action FROM c WHERE c.countryCode = @pk AND c.type = 'audit' AND STARTSWITH(c.factoryId, 'BD-X')"
      ),
      partitionQuery<StoredDocument & OutboxRecord & { status: string }>(
        store,
        "SELECT c.id, c.type, c.factoryId, c.kind, c.to, c.subject, c.status FROM c WHERE c.countryCode = @pk AND c.type = 'outbox' AND STARTSWITH(c.factoryId, 'BD-X')"
      ),
      staffContacts(store, 'BD'),
    ]);
    const staffMessages = staffBd.userIds.length + staffBd.emails.length;
    const recipients: Record<CycleMilestone, number> = {
      preferenceReminder: 2,
      releaseReminder: staffMessages,
      releaseEscalation: staffMessages,
      readyToTransmit: 0,
      sharingEnabled: 2,
      progressReportReminder: 3,
    };
    const check = checkExactlyOnce({ plans, factories: stored, audits, outbox, recipients, toleranceMs });
    return {
      cycles,
      seedMs,
      activateMs,
      driveMs,
      wallMs,
      days: day,
      requests: api.requests,
      peakRssMb,
      peakParts,
      instances,
      engine,
      check,
      outboxPending: outbox.filter((o) => o.status !== 'delivered').length,
    };
  } finally {
    rss.stop();
    close();
  }
}

export async function timeline({ repoRoot, note, cycles }: TimelineBenchOptions): Promise<Figures> {
  const count = cycles ?? defaultTimelineCycles;
  const { result, stop } = await withPlatform(repoRoot, (platform) => measure(platform, count, note), {
    extraArgs: ['--virtual-clock'],
  });
  const { check, instances, engine } = result;
  const histories = instances.map((i) => i.largestHistory);
  const largest = instances.reduce((a, b) => (b.largestHistory > a.largestHistory ? b : a));
  const executions = instances.map((i) => i.executions);
  note(
    `${result.requests} API requests over ${result.days} virtual days; per instance: ` +
      `${Math.min(...executions)}-${Math.max(...executions)} executions, longest history ${largest.largestHistory} events (${largest.instanceId})`
  );
  note(
    `engine: ${String(engine.episodes)} episodes, ${String(engine.writes)} instance writes, ` +
      `${String(engine.activityRuns)} activity runs (${String(engine.activityFailures)} failed), ` +
      `${String(engine.timersFired)} timers fired, ${String(engine.continuedAsNew)} continue-as-new`
  );
  note(
    `milestones fired: ${cycleMilestones.map((m) => `${m} ${check.fired[m]}`).join(', ')}; ` +
      `latest ${(check.maxLagMs / 1000).toFixed(1)} s after due; ${result.outboxPending} outbox entries not delivered yet`
  );
  note(`peak RSS ${result.peakRssMb.toFixed(0)} MB: ${result.peakParts.join('; ')}`);
  if (!check.ok) {
    note(`NOT exactly once: ${check.problems.length} problem(s) in ${check.checks} checks; the first ones:`);
    for (const problem of check.problems.slice(0, 20)) note(`  ${problem}`);
  }
  noteStop(stop, note);
  return {
    timeline_cycles: { value: result.cycles, unit: 'count', target: 'informational' },
    timeline_wall_s: { value: round(result.wallMs / 1000, 1), unit: 's', target: 'informational' },
    cycles_per_second: {
      value: round(result.cycles / (result.wallMs / 1000), 2),
      unit: 'cycles/s',
      target: 'informational',
    },
    timeline_peak_rss_mb: { value: round(result.peakRssMb, 1), unit: 'MB', target: 'informational' },
    history_events_per_cycle_max: { value: Math.max(...histories), unit: 'events', target: '<= 60' },
    timeline_exactly_once: { value: check.ok ? 1 : 0, unit: 'bool', target: '== 1' },
  };
}
