// Concurrency (issue 7): 50 simulated factory managers answer the same and different self-assessments at
// once for RELIABILITY_LOAD_SECONDS (default 120 s), over real HTTP, on the whole local platform (`npm start`'s
// built host as a child process: its HTTP server, the Cosmos-compatible server with its journal, the real
// SDK over TLS) plus a SECOND instance of the function app in this process (the same registrations on the
// local Functions host, on the platform's Cosmos server and identity provider), the two behind a round-robin
// "load balancer", as a scaled-out Function App runs. Within one instance the changes of one assessment take
// turns; across instances they race on the header's ETag, so the app's If-Match retry is what is tested.
//
// Seven factories, several managers each (a factory's `managerUserIds` is a list): two "hot" assessments
// (15 managers on 8 questions, 10 on 20 questions) and five with 5 managers each, Steps 1-3. Each user opens a
// question, answers it (a value unique to the write where the type allows), clears it, or reads the overview;
// 409/412 problem answers are retried as a portal does (read again, apply again).
//
// Afterwards: no 5xx and no unexpected status; per question the store and GET hold the last acknowledged
// write (lostAnswers); each acknowledged answer has exactly one audit event; the overview's counts
// (overall, per section and subsection) equal a recount from the stored answer documents; the platform host's
// RSS over the last third of the run is within 15 % + 32 MB of the first third (after warm-up).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchFactoryDocument } from '../../bench/benchFactories';
import { processTree, rssKb } from '../../bench/procTree';
import { localAppEnvironment } from '../../local/appEnvironment';
import { LocalClock } from '../../local/clock';
import type { CoreApi } from '../../local/core/coreApi';
import type { LocalSecrets } from '../../local/dataDir';
import { LocalHost } from '../../local/host';
import { localIdentityAudience, startDevIdentityProvider } from '../../local/identity/devIdentityProvider';
import { freePort } from '../../local/processes/ports';
import { findDemoUser, type DemoUser } from '../../local/seed/demoUsers';
import { loadedPlan } from '../../shared/app/selfAssessment/bank';
import { selfAssessmentDeps } from '../../shared/app/selfAssessment/deps';
import type { UserDocument } from '../../shared/app/users/userDirectory';
import type { Platform } from '../../shared/composition';
import type { AssessmentPlan, Step } from '../../shared/domain/selfAssessment/plan';
import { emptyProgress, progressOf, withAnswer, type Tally } from '../../shared/domain/selfAssessment/progress';
import type { AnswerDocument, SelfAssessmentAuditDocument } from '../../shared/domain/selfAssessment/selfAssessment';
import type { DocumentStore, StoredDocument } from '../../shared/ports/documentStore';
import {
  lostAnswers,
  startSelfAssessmentLoad,
  unconditionalQuestions,
  type LoadSummary,
  type LoadUser,
  type StoredAnswer,
} from '../support/selfAssessmentLoad';
import { startPlatform, stopPlatform, type RunningPlatform } from '../support/platform';

let mockCoreApi: CoreApi | undefined;
jest.mock(
  '@azure/functions-core',
  () =>
    new Proxy(
      {},
      { get: (_target, property) => (mockCoreApi as unknown as Record<string | symbol, unknown>)[property] }
    ),
  { virtual: true }
);

const loadSeconds = Number(process.env.RELIABILITY_LOAD_SECONDS || 120);
if (!(loadSeconds >= 5)) throw new Error(`RELIABILITY_LOAD_SECONDS must be at least 5 (got ${loadSeconds})`);
jest.setTimeout(loadSeconds * 1000 + 240_000);

/** Memory may grow by this share plus this many MB from the first third of the run to the last. */
const rssGrowthShare = 0.15;
const rssGrowthMarginMb = 32;

interface Assessment {
  country: 'BD' | 'ID' | 'VN';
  index: number;
  step: Step;
  managers: number;
  /** How many of its unconditional questions its managers pick from (undefined: all of them). */
  questions?: number;
}

const assessments: Assessment[] = [
  { country: 'BD', index: 900, step: 1, managers: 15, questions: 8 },
  { country: 'ID', index: 901, step: 1, managers: 10, questions: 20 },
  { country: 'VN', index: 902, step: 2, managers: 5 },
  { country: 'BD', index: 903, step: 3, managers: 5 },
  { country: 'ID', index: 904, step: 2, managers: 5 },
  { country: 'VN', index: 905, step: 3, managers: 5 },
  { country: 'BD', index: 906, step: 1, managers: 5 },
];
const staffOf = { BD: 'registration-bd', ID: 'registration-id', VN: 'registration-vn' } as const;

let dir: string;
let platform: RunningPlatform | undefined;
let second: LocalHost | undefined;
let app: Platform;
let savedEnv: NodeJS.ProcessEnv | undefined;
let mint: (user: DemoUser) => Promise<string>;
const tokens = new Map<string, Promise<string>>();
const people = new Map<string, DemoUser>();

function tokenFor(key: string): Promise<string> {
  let token = tokens.get(key);
  if (!token) {
    const user = people.get(key) ?? findDemoUser(key);
    if (!user) throw new Error(`no user ${key}`);
    token = mint(user);
    tokens.set(key, token);
  }
  return token;
}

async function api(method: string, base: string, path: string, as: string, json?: unknown) {
  const response = await fetch(`${base}/${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await tokenFor(as)}`,
      ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

/** A second instance of the function app, in this process, on the platform's servers and identity provider. */
async function startSecondInstance(running: RunningPlatform): Promise<LocalHost> {
  const secrets = JSON.parse(readFileSync(join(dir, 'local-keys.json'), 'utf8')) as LocalSecrets;
  savedEnv = { ...process.env };
  const port = await freePort();
  Object.assign(
    process.env,
    localAppEnvironment(
      {
        host: '127.0.0.1',
        // The platform's API port: the token issuer (and its keys) are the platform's.
        apiPort: running.ports.port,
        cosmosPort: running.ports.cosmos,
        blobPort: running.ports.blob,
        queuePort: running.ports.queue,
        tablePort: running.ports.table,
        gatewayPort: running.ports.gateway,
        smtpPort: running.ports.smtp,
      },
      secrets,
      join(dir, 'cosmos', 'cert.pem')
    ),
    { LOCAL_SERVICE_BUS_URL: `http://127.0.0.1:${port}/runtime/servicebus` }
  );
  const host = new LocalHost({
    host: '127.0.0.1',
    port,
    routePrefix: 'api',
    maxRequestBodyBytes: 1024 * 1024,
    functionAppDirectory: join(dir, 'second-instance'),
    clock: new LocalClock('real'),
    writeLine: () => undefined,
  });
  mockCoreApi = host.coreApi;
  await host.loadApp(() => import('../../functions/index'));
  const { platform: appPlatform } = await import('../../shared/composition');
  app = appPlatform();
  await host.start();
  // Timers (outbox delivery, reconciliation) run on the platform's instance only.
  await host.scheduler.stop();
  return host;
}

function managerOf(a: Assessment, i: number): DemoUser {
  const key = `load-${a.country.toLowerCase()}-${a.index}-${i}`;
  return {
    key,
    userId: `${key}-user`,
    name: `Load manager ${a.index}/${i}`,
    email: `${key}@factory.example.com`,
    roles: ['FactoryManager'],
    countryCode: a.country,
  };
}

const factoryIdOf = (a: Assessment) => benchFactoryDocument(a.country, a.index, new Date()).factoryId;

/** The factories and their managers, straight into the store (as staff enrolment and invitations leave them). */
async function seed(store: DocumentStore): Promise<void> {
  const now = new Date();
  for (const a of assessments) {
    const managers = Array.from({ length: a.managers }, (_, i) => managerOf(a, i));
    const factory = benchFactoryDocument(a.country, a.index, now);
    await store.write('factories', a.country, [
      {
        kind: 'create',
        doc: { ...factory, status: 'registered', managerUserIds: managers.map((m) => m.userId) },
      },
    ]);
    for (const m of managers) {
      people.set(m.key, m);
      const user: UserDocument = {
        id: m.userId,
        type: 'user',
        userId: m.userId,
        name: m.name,
        email: m.email,
        countryCodes: [],
        factoryIds: [factory.factoryId],
        advisedFactoryIds: [],
        brandId: undefined,
        updatedAt: now.toISOString(),
      };
      await store.write('users', m.userId, [{ kind: 'create', doc: user }]);
    }
  }
}

interface Started {
  assessment: Assessment;
  selfAssessmentId: string;
  plan: AssessmentPlan;
}

async function startAssessments(base: string): Promise<Started[]> {
  const started: Started[] = [];
  for (const a of assessments) {
    const factoryId = factoryIdOf(a);
    const cycleId = `${factoryId}-C1`;
    const activated = await api('POST', base, `factories/${factoryId}/cycles/${cycleId}/activate`, staffOf[a.country]);
    expect(activated.status).toBe(200);
    const made = await api('POST', base, `factories/${factoryId}/self-assessments`, managerOf(a, 0).key, {
      cycleId,
      step: a.step,
    });
    expect(made.status).toBe(201);
    const bank = await selfAssessmentDeps(app).banks.version(String(made.body.toolVersion));
    started.push({
      assessment: a,
      selfAssessmentId: String(made.body.selfAssessmentId),
      plan: loadedPlan(bank!, a.step).plan,
    });
  }
  return started;
}

async function partition<T extends StoredDocument>(id: string, type: string): Promise<T[]> {
  const all: T[] = [];
  let continuation: string | undefined;
  do {
    const page = await app.store.query<T>(
      'selfAssessments',
      id,
      {
        query: 'SELECT * FROM c WHERE c.selfAssessmentId = @pk AND c.type = @type',
        parameters: [{ name: '@type', value: type }],
      },
      { maxItems: 1000, continuation }
    );
    all.push(...page.items);
    continuation = page.continuation;
  } while (continuation);
  return all;
}

const tallyOf = (t: Tally) => ({ answered: t.answered, applicable: t.applicable, percent: t.completedPercent });
const viewTally = (v: Record<string, unknown>) => ({
  answered: v.answered,
  applicable: v.applicable,
  percent: v.completedPercent,
});

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bw-slcp-reliability-concurrency-'));
  platform = await startPlatform(dir);
  const idp = await startDevIdentityProvider({
    dataDir: dir,
    issuer: `${platform.base}/_dev/identity`,
    audience: localIdentityAudience,
    clock: { now: () => new Date() },
  });
  mint = (user) => idp.mint(user, 3600);
  second = await startSecondInstance(platform);
  await seed(app.store);
});

afterAll(async () => {
  await second?.stop().catch(() => undefined);
  mockCoreApi = undefined;
  if (savedEnv) process.env = savedEnv;
  await stopPlatform(platform, dir, { childrenMs: 10_000 });
});

describe(`50 managers answering self-assessments at once for ${loadSeconds} s on two instances`, () => {
  let started: Started[];
  let summary: LoadSummary;
  const samples: { at: number; hostMb: number; treeMb: number; heapMb: number }[] = [];

  it('runs the load: no 5xx, no unexpected answer, conflicts retried', async () => {
    const bases = [platform!.base, `http://127.0.0.1:${second!.port}/api`];
    started = await startAssessments(bases[0]!);
    const users: LoadUser[] = [];
    for (const s of started) {
      const all = await unconditionalQuestions(
        bases[1]!,
        await tokenFor(managerOf(s.assessment, 0).key),
        s.plan.version,
        s.assessment.step
      );
      // The bank API and the app's own plan agree on what always applies.
      for (const q of all) expect(s.plan.byId.get(q.id)?.condition).toBeUndefined();
      const pool = all.slice(0, s.assessment.questions ?? all.length);
      expect(pool.length).toBeGreaterThanOrEqual(Math.min(8, s.assessment.questions ?? 8));
      for (let i = 0; i < s.assessment.managers; i += 1) {
        const m = managerOf(s.assessment, i);
        users.push({ key: m.key, userId: m.userId, selfAssessmentId: s.selfAssessmentId, questions: pool });
      }
    }
    expect(users).toHaveLength(50);
    await Promise.all(users.map((u) => tokenFor(u.key)));

    const hostPid = platform!.child.pid!;
    const began = performance.now();
    const sample = () =>
      samples.push({
        at: (performance.now() - began) / 1000,
        hostMb: rssKb(hostPid) / 1024,
        treeMb: processTree(hostPid).reduce((sum, p) => sum + rssKb(p.pid), 0) / 1024,
        heapMb: process.memoryUsage().heapUsed / 1024 / 1024,
      });
    sample();
    const sampler = setInterval(sample, 1000);
    const load = startSelfAssessmentLoad({ baseUrl: bases, users, tokenFor, seed: 7 });
    try {
      await new Promise((resolve) => setTimeout(resolve, loadSeconds * 1000));
    } finally {
      summary = await load.stop();
      clearInterval(sampler);
      sample();
    }

    const statuses = Object.entries(summary.statuses)
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ');
    process.stdout.write(
      [
        `concurrency: ${summary.users} users, ${(summary.durationMs / 1000).toFixed(1)} s, 2 instances`,
        `  requests ${summary.requests} (${(summary.requests / (summary.durationMs / 1000)).toFixed(1)}/s); statuses ${statuses}`,
        `  answers ${summary.answers} (${summary.answersPerSecond.toFixed(1)}/s), clears ${summary.clears}, overview reads ${summary.reads}`,
        `  conflicts seen by users (409/412, re-read and re-applied) ${summary.conflicts}, given up ${summary.gaveUp}; ` +
          `If-Match retries inside the app ${summary.storeRetries}`,
        `  latency p50 ${summary.latencyMs.p50.toFixed(1)} ms, p99 ${summary.latencyMs.p99.toFixed(1)} ms; ` +
          `writes p50 ${summary.writeLatencyMs.p50.toFixed(1)} ms, p99 ${summary.writeLatencyMs.p99.toFixed(1)} ms`,
        ...summary.unexpected.slice(0, 10).map((line) => `  unexpected: ${line}`),
        '',
      ].join('\n')
    );
    expect(summary.unexpected).toEqual([]);
    expect(summary.serverErrors).toBe(0);
    expect(summary.transportErrors).toBe(0);
    expect(summary.gaveUp).toBe(0);
    const allowed = new Set(['200', '409', '412']);
    expect(Object.keys(summary.statuses).filter((s) => !allowed.has(s))).toEqual([]);
    expect(summary.answers).toBeGreaterThan(loadSeconds * 5);
    // The two instances did race on the same assessments: the app retried with If-Match, or users did.
    expect(summary.storeRetries + summary.conflicts).toBeGreaterThan(0);
  });

  it('loses no answer: per question the store and GET hold the last acknowledged write', async () => {
    expect(summary).toBeDefined();
    const stored = new Map<string, Map<string, StoredAnswer>>();
    for (const s of started) {
      const answers = await partition<AnswerDocument>(s.selfAssessmentId, 'answer');
      stored.set(s.selfAssessmentId, new Map(answers.map((a) => [a.questionId, a])));
    }
    const ids = started.map((s) => s.selfAssessmentId);
    expect(lostAnswers(summary, stored, ids)).toEqual([]);
    // The check can fail: the same store without an answer whose last acknowledged writes all gave a value
    // (no clear among them) is a lost answer.
    const dropped = summary.writes.find((w) => {
      const same = summary.writes.filter(
        (o) => o.selfAssessmentId === w.selfAssessmentId && o.questionId === w.questionId
      );
      const latest = same.filter((o) => !same.some((later) => later.startedMs > o.endedMs));
      return latest.every((o) => o.value !== null) && stored.get(w.selfAssessmentId)!.has(w.questionId);
    })!;
    const doctored = new Map([...stored].map(([id, answers]) => [id, new Map(answers)]));
    doctored.get(dropped.selfAssessmentId)!.delete(dropped.questionId);
    expect(lostAnswers(summary, doctored, ids)).toHaveLength(1);

    // What users read over HTTP (either instance) is what the store holds.
    const base = `http://127.0.0.1:${second!.port}/api`;
    const checked: string[] = [];
    for (const s of started) {
      const touched = [
        ...new Set(summary.writes.filter((w) => w.selfAssessmentId === s.selfAssessmentId).map((w) => w.questionId)),
      ];
      for (const questionId of touched.slice(0, 12)) {
        const read = await api(
          'GET',
          checked.length % 2 ? platform!.base : base,
          `self-assessments/${s.selfAssessmentId}/questions/${questionId}`,
          managerOf(s.assessment, 1).key
        );
        expect(read.status).toBe(200);
        const answer = read.body.answer as { value: unknown; answeredBy: string } | null | undefined;
        const inStore = stored.get(s.selfAssessmentId)!.get(questionId);
        expect(answer ? { value: answer.value, answeredBy: answer.answeredBy } : null).toEqual(
          inStore ? { value: inStore.value, answeredBy: inStore.answeredBy } : null
        );
        checked.push(questionId);
      }
    }
    expect(checked.length).toBeGreaterThan(0);
  });

  it('audits each acknowledged answer exactly once', async () => {
    for (const s of started) {
      const audits = await partition<SelfAssessmentAuditDocument>(s.selfAssessmentId, 'audit');
      const given = audits.filter((a) => a.action === 'answerGiven').length;
      const cleared = audits.filter((a) => a.action === 'answerCleared').length;
      const acked = summary.writes.filter((w) => w.selfAssessmentId === s.selfAssessmentId);
      expect({ id: s.selfAssessmentId, given }).toEqual({
        id: s.selfAssessmentId,
        given: acked.filter((w) => w.value !== null).length,
      });
      // A clear of a question without an answer writes nothing.
      expect(cleared).toBeLessThanOrEqual(acked.filter((w) => w.value === null).length);
    }
  });

  it('keeps the counters exact: the overview equals a recount from the stored answers', async () => {
    for (const s of started) {
      const answers = await partition<AnswerDocument>(s.selfAssessmentId, 'answer');
      let state = emptyProgress(s.plan);
      for (const a of answers) state = withAnswer(s.plan, state, s.plan.byId.get(a.questionId)!, a.value);
      const recount = progressOf(s.plan, state);
      const view = await api(
        'GET',
        platform!.base,
        `self-assessments/${s.selfAssessmentId}`,
        managerOf(s.assessment, 2).key
      );
      expect(view.status).toBe(200);
      const sections = view.body.sections as (Record<string, unknown> & { subsections: Record<string, unknown>[] })[];
      expect({
        overall: viewTally(view.body.overall as Record<string, unknown>),
        sections: sections.map(viewTally),
        subsections: sections.flatMap((section) => section.subsections.map(viewTally)),
      }).toEqual({
        overall: tallyOf(recount.overall),
        sections: recount.sections.map(tallyOf),
        subsections: recount.subsections.map(tallyOf),
      });
      expect(recount.overall.answered).toBe(answers.length);
    }
  });

  it('keeps memory flat: the platform host RSS of the last third is within 15 % + 32 MB of the first', () => {
    const warmUp = Math.min(15, loadSeconds * 0.2);
    const steady = samples.filter((s) => s.at >= warmUp);
    expect(steady.length).toBeGreaterThanOrEqual(3);
    const third = Math.max(1, Math.floor(steady.length / 3));
    const first = steady.slice(0, third);
    const last = steady.slice(-third);
    const firstMb = median(first.map((s) => s.hostMb));
    const lastMb = median(last.map((s) => s.hostMb));
    const mb = (v: number) => `${v.toFixed(0)} MB`;
    process.stdout.write(
      `concurrency memory: host RSS start ${mb(samples[0]!.hostMb)}, first third ${mb(firstMb)}, last third ${mb(lastMb)}, ` +
        `end ${mb(samples.at(-1)!.hostMb)}; whole platform tree ${mb(samples[0]!.treeMb)} -> ${mb(samples.at(-1)!.treeMb)}; ` +
        `second instance heap ${mb(median(first.map((s) => s.heapMb)))} -> ${mb(median(last.map((s) => s.heapMb)))}\n`
    );
    expect(lastMb).toBeLessThanOrEqual(firstMb * (1 + rssGrowthShare) + rssGrowthMarginMb);
  });
});
