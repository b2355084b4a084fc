// Simulated portal users answering self-assessments over HTTP, for the reliability suite (concurrency and
// faults). Each user loops until stopped: opens a question (GET), thinks, answers it (PUT) or clears it
// (DELETE), now and then reads the overview. A write refused because someone else changed the assessment
// meanwhile (409 or 412, a problem answer) is retried as a portal does: read the question again, apply the
// user's change again. Every request is counted by status and timed; every acknowledged write (2xx) is kept
// with when it started and ended, so that afterwards `lostAnswers` can check the store holds, per question,
// the last acknowledged write (a write that another acknowledged write started after is superseded).
// Requests go to one or more base URLs (instances behind a load balancer), round robin.
import { performance } from 'node:perf_hooks';
import { percentile } from '../../bench/apiMetrics';
import { sampleAnswer, type AnswerTypeLike, type SampleValue } from '../../local/demo/sampleAnswers';
import { seededRandom } from '../../local/processes/seededRandom';

export interface LoadQuestion {
  id: string;
  answer: AnswerTypeLike;
}

export interface LoadUser {
  /** What `tokenFor` is given. */
  key: string;
  /** The token's user id (`answeredBy` of the answers it writes). */
  userId: string;
  selfAssessmentId: string;
  /** The questions this user picks from (unconditional ones: they always apply). */
  questions: readonly LoadQuestion[];
}

export interface SelfAssessmentLoadOptions {
  /** `http://127.0.0.1:<port>/api`, or several instances' (requests take turns between them). */
  baseUrl: string | readonly string[];
  users: readonly LoadUser[];
  tokenFor(key: string): Promise<string>;
  /** A user's pause between actions, uniformly in [min, max] ms (default 20-200). */
  thinkMs?: { min: number; max: number };
  /** Shares of the actions (default: 70 % answer, 10 % clear, 20 % read the overview). */
  mix?: { answer: number; clear: number; read: number };
  requestTimeoutMs?: number;
  /** How often one change is re-read and re-applied after 409/412 before the user gives up (default 20). */
  maxConflictRetries?: number;
  /** Seed of the users' choices (default 1): the same seed, the same choices. */
  seed?: number;
}

/** A PUT (value) or DELETE (null) that the API acknowledged with 200. */
export interface AcknowledgedWrite {
  userKey: string;
  userId: string;
  selfAssessmentId: string;
  questionId: string;
  /** null: the answer was cleared. */
  value: SampleValue | null;
  /** performance.now() when the request was sent and when its answer arrived. */
  startedMs: number;
  endedMs: number;
  /** `x-cosmos-writes` of the answer: more than 1 when the app itself re-read and retried after a 412. */
  storeWrites: number;
}

/** A write whose outcome is unknown (the connection failed or timed out): it may or may not have landed. */
export type UncertainWrite = Omit<AcknowledgedWrite, 'endedMs' | 'storeWrites'>;

export interface LoadSummary {
  durationMs: number;
  users: number;
  requests: number;
  /** Answers per status code; `error` counts requests that got no HTTP answer (refused, reset, timed out). */
  statuses: Record<string, number>;
  answers: number;
  clears: number;
  reads: number;
  answersPerSecond: number;
  /** 409/412 answers the users saw, each followed by a re-read and a re-applied change. */
  conflicts: number;
  /** Changes given up after `maxConflictRetries` conflicts in a row. */
  gaveUp: number;
  /** Write round trips the app retried itself after a 412 from the store (sum of `x-cosmos-writes` − 1). */
  storeRetries: number;
  latencyMs: { p50: number; p99: number; max: number };
  writeLatencyMs: { p50: number; p99: number; max: number };
  serverErrors: number;
  transportErrors: number;
  /** The first 50 answers that were neither expected nor a conflict, described (status, method, path, detail). */
  unexpected: string[];
  writes: AcknowledgedWrite[];
  uncertain: UncertainWrite[];
}

export interface RunningLoad {
  /** Lets every user finish the request in flight, then answers what happened. */
  stop(): Promise<LoadSummary>;
  /** Requests answered so far. */
  requests(): number;
}

const defaultMix = { answer: 0.7, clear: 0.1, read: 0.2 };

/**
 * A valid answer that varies with `n` (n = 0 is the bench's sample answer): texts are unique per n, numbers
 * walk their range, dates their month, choices their options, so the last write of a question is recognisable.
 */
export function variedAnswer(answer: AnswerTypeLike, n: number): SampleValue {
  const base = sampleAnswer(answer);
  if (n === 0) return base;
  switch (answer.type) {
    case 'yesNo':
      return n % 2 === 0;
    case 'number': {
      const min = answer.integer ? Math.ceil(answer.min ?? 0) : (answer.min ?? 0);
      const max = answer.max ?? min + 1000;
      const span = Math.floor(max - min) + 1;
      return Math.min(max, min + (n % Math.max(1, span)));
    }
    case 'date':
      return `2026-01-${String(1 + (n % 28)).padStart(2, '0')}`;
    case 'text': {
      const tag = `#${n.toString(36)}`;
      const limit = answer.maxLength ?? 40;
      return `${String(base).slice(0, Math.max(0, limit - tag.length - 1))} ${tag}`.trim().slice(-limit);
    }
    case 'singleChoice':
      return answer.options![n % answer.options!.length]!.code;
    case 'multipleChoice': {
      const options = answer.options!;
      const picked = options.filter((_, i) => ((n >> (i % 16)) & 1) === 1 || i === n % options.length);
      return picked.map((o) => o.code);
    }
  }
}

type Json = Record<string, unknown>;

/**
 * The questions of a tool version's Step that always apply (no condition), from the question bank API
 * (`GET /question-banks/{version}?step=`): what a load can answer at any time without a 422.
 */
export async function unconditionalQuestions(
  baseUrl: string,
  token: string,
  version: string,
  step: number
): Promise<LoadQuestion[]> {
  const response = await fetch(`${baseUrl}/question-banks/${encodeURIComponent(version)}?step=${step}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json()) as {
    sections?: { subsections: { questions: { id: string; answer: AnswerTypeLike; condition?: unknown }[] }[] }[];
  };
  if (response.status !== 200 || !body.sections) {
    throw new Error(`GET question-banks/${version}?step=${step} answered ${response.status}`);
  }
  return body.sections.flatMap((section) =>
    section.subsections.flatMap((subsection) =>
      subsection.questions.filter((q) => q.condition === undefined).map((q) => ({ id: q.id, answer: q.answer }))
    )
  );
}

interface Answered {
  status: number;
  body: Json;
  headers: Headers;
}

const spread = (values: number[]) =>
  values.length === 0
    ? { p50: 0, p99: 0, max: 0 }
    : { p50: percentile(values, 50), p99: percentile(values, 99), max: Math.max(...values) };

export function startSelfAssessmentLoad(options: SelfAssessmentLoadOptions): RunningLoad {
  const bases = typeof options.baseUrl === 'string' ? [options.baseUrl] : [...options.baseUrl];
  if (bases.length === 0) throw new Error('no base URL');
  const think = options.thinkMs ?? { min: 20, max: 200 };
  const mix = options.mix ?? defaultMix;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const maxRetries = options.maxConflictRetries ?? 20;
  const rng = seededRandom(options.seed ?? 1);
  const began = performance.now();

  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const writeLatencies: number[] = [];
  const unexpected: string[] = [];
  const writes: AcknowledgedWrite[] = [];
  const uncertain: UncertainWrite[] = [];
  let requests = 0;
  let nextBase = 0;
  let counter = 0;
  let conflicts = 0;
  let gaveUp = 0;
  let reads = 0;
  let stopped = false;
  let wake: () => void = () => undefined;
  const stopping = new Promise<void>((resolve) => (wake = resolve));

  const note = (line: string) => {
    if (unexpected.length < 50) unexpected.push(line);
  };

  async function call(user: LoadUser, method: string, path: string, json?: unknown): Promise<Answered | undefined> {
    const base = bases[nextBase++ % bases.length]!;
    const headers: Record<string, string> = { authorization: `Bearer ${await options.tokenFor(user.key)}` };
    if (json !== undefined) headers['content-type'] = 'application/json';
    const started = performance.now();
    try {
      const response = await fetch(`${base}/${path}`, {
        method,
        headers,
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      requests += 1;
      latencies.push(performance.now() - started);
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      let body: Json = {};
      try {
        body = text ? (JSON.parse(text) as Json) : {};
      } catch {
        note(`${response.status} ${method} /${path}: not JSON: ${text.slice(0, 200)}`);
      }
      return { status: response.status, body, headers: response.headers };
    } catch (error) {
      requests += 1;
      statuses.error = (statuses.error ?? 0) + 1;
      note(`no answer to ${method} /${path}: ${(error as Error).message}`);
      return undefined;
    }
  }

  const problem = (a: Answered) =>
    `${String(a.body.title ?? '')}: ${String(a.body.detail ?? JSON.stringify(a.body)).slice(0, 200)}`;

  /** Opens the question, then writes; after 409/412 reads it again and applies the change again. */
  async function change(user: LoadUser, question: LoadQuestion, value: SampleValue | null): Promise<void> {
    const path = `self-assessments/${user.selfAssessmentId}/answers/${question.id}`;
    for (let attempt = 0; ; attempt += 1) {
      const opened = await call(user, 'GET', `self-assessments/${user.selfAssessmentId}/questions/${question.id}`);
      if (!opened) return;
      if (opened.status !== 200) {
        note(`${opened.status} GET question ${question.id}: ${problem(opened)}`);
        return;
      }
      if (stopped && attempt === 0) return;
      const startedMs = performance.now();
      const written =
        value === null ? await call(user, 'DELETE', path) : await call(user, 'PUT', path, { value: value });
      const attempted: UncertainWrite = {
        userKey: user.key,
        userId: user.userId,
        selfAssessmentId: user.selfAssessmentId,
        questionId: question.id,
        value,
        startedMs,
      };
      if (!written) {
        uncertain.push(attempted);
        return;
      }
      if (written.status === 200) {
        const endedMs = performance.now();
        writeLatencies.push(endedMs - startedMs);
        const storeWrites = Number(written.headers.get('x-cosmos-writes') ?? '1');
        writes.push({ ...attempted, endedMs, storeWrites: Number.isFinite(storeWrites) ? storeWrites : 1 });
        return;
      }
      if (written.status === 409 || written.status === 412) {
        conflicts += 1;
        if (attempt + 1 >= maxRetries) {
          gaveUp += 1;
          return;
        }
        continue;
      }
      note(`${written.status} ${value === null ? 'DELETE' : 'PUT'} ${question.id}: ${problem(written)}`);
      return;
    }
  }

  async function pause(): Promise<void> {
    const ms = think.min + rng() * (think.max - think.min);
    await Promise.race([new Promise((resolve) => setTimeout(resolve, ms)), stopping]);
  }

  async function run(user: LoadUser): Promise<void> {
    if (user.questions.length === 0) throw new Error(`user ${user.key} has no questions to answer`);
    await pause();
    while (!stopped) {
      const roll = rng() * (mix.answer + mix.clear + mix.read);
      if (roll < mix.read) {
        const read = await call(user, 'GET', `self-assessments/${user.selfAssessmentId}`);
        if (read) {
          reads += 1;
          if (read.status !== 200) note(`${read.status} GET overview ${user.selfAssessmentId}: ${problem(read)}`);
        }
      } else {
        const question = user.questions[Math.floor(rng() * user.questions.length)]!;
        const value = roll < mix.read + mix.clear ? null : variedAnswer(question.answer, (counter += 1));
        await change(user, question, value);
      }
      await pause();
    }
  }

  const running = Promise.all(options.users.map(run));

  return {
    requests: () => requests,
    async stop() {
      stopped = true;
      wake();
      await running;
      const durationMs = performance.now() - began;
      const answers = writes.filter((w) => w.value !== null).length;
      const serverErrors = Object.entries(statuses)
        .filter(([status]) => /^5\d\d$/.test(status))
        .reduce((sum, [, count]) => sum + count, 0);
      return {
        durationMs,
        users: options.users.length,
        requests,
        statuses,
        answers,
        clears: writes.length - answers,
        reads,
        answersPerSecond: answers / (durationMs / 1000),
        conflicts,
        gaveUp,
        storeRetries: writes.reduce((sum, w) => sum + Math.max(0, w.storeWrites - 1), 0),
        latencyMs: spread(latencies),
        writeLatencyMs: spread(writeLatencies),
        serverErrors,
        transportErrors: statuses.error ?? 0,
        unexpected,
        writes,
        uncertain,
      };
    },
  };
}

/** Equal answer values (JSON: values from another realm, such as the SDK's parser, compare equal too). */
const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** An answer as the store (or `GET …/questions/{id}`) holds it. */
export interface StoredAnswer {
  value: unknown;
  answeredBy: string;
}

/**
 * Lost or phantom answers: for every question the load wrote, the stored answer (or its absence) must be
 * one of the acknowledged writes no other acknowledged write started after (the last acknowledged write
 * wins; overlapping ones may land in either order), or a write whose outcome is unknown. `stored` maps a
 * self-assessment id to its answers by question id. Questions the load never wrote must have no answer.
 */
export function lostAnswers(
  summary: Pick<LoadSummary, 'writes' | 'uncertain'>,
  stored: ReadonlyMap<string, ReadonlyMap<string, StoredAnswer>>,
  selfAssessmentIds: readonly string[]
): string[] {
  const problems: string[] = [];
  const byQuestion = new Map<string, { acked: AcknowledgedWrite[]; uncertain: UncertainWrite[] }>();
  const keyOf = (w: { selfAssessmentId: string; questionId: string }) => `${w.selfAssessmentId} ${w.questionId}`;
  const entry = (key: string) => {
    let found = byQuestion.get(key);
    if (!found) byQuestion.set(key, (found = { acked: [], uncertain: [] }));
    return found;
  };
  for (const w of summary.writes) entry(keyOf(w)).acked.push(w);
  for (const w of summary.uncertain) entry(keyOf(w)).uncertain.push(w);

  const matches = (w: UncertainWrite, answer: StoredAnswer | undefined) =>
    w.value === null ? answer === undefined : answer !== undefined && sameValue(answer.value, w.value);
  const describe = (answer: StoredAnswer | undefined) =>
    answer === undefined ? 'no answer' : `${JSON.stringify(answer.value)} by ${answer.answeredBy}`;

  for (const selfAssessmentId of selfAssessmentIds) {
    const answers = stored.get(selfAssessmentId) ?? new Map<string, StoredAnswer>();
    const questionIds = new Set([
      ...answers.keys(),
      ...[...byQuestion.keys()].filter((k) => k.startsWith(`${selfAssessmentId} `)).map((k) => k.split(' ')[1]!),
    ]);
    for (const questionId of questionIds) {
      const answer = answers.get(questionId);
      const written = byQuestion.get(`${selfAssessmentId} ${questionId}`);
      if (!written) {
        problems.push(`${selfAssessmentId} ${questionId}: ${describe(answer)} although nobody wrote it`);
        continue;
      }
      const latest = written.acked.filter((w) => !written.acked.some((later) => later.startedMs > w.endedMs));
      const candidates: UncertainWrite[] = [...latest, ...written.uncertain];
      const ok = candidates.some(
        (w) => matches(w, answer) && (w.value === null || answer === undefined || answer.answeredBy === w.userId)
      );
      if (!ok && (written.acked.length > 0 || answer !== undefined)) {
        problems.push(
          `${selfAssessmentId} ${questionId}: holds ${describe(answer)}; the last acknowledged write(s): ${latest
            .map((w) => `${w.value === null ? 'clear' : JSON.stringify(w.value)} by ${w.userId}`)
            .join(' | ')}`
        );
      }
    }
  }
  return problems;
}
