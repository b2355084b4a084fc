// self-assessment: a scripted factory manager answers a whole Step 3 self-assessment over HTTP, question by
// question, on the whole local platform (`npm start -- --virtual-clock`, fresh data with the demo factories).
// Registration staff activate the demo factory's seeded cycle (R11); its manager starts a Step 3
// self-assessment, reads the overview, answers every question that applies one by one in the order the API
// leads ("next unanswered"), and submits (R13). Per answer it reads the cost headers of the API:
// `x-cosmos-round-trips`, `x-cosmos-writes`, `x-cosmos-bytes-written`. Timings are reported, never asserted.
import { performance } from 'node:perf_hooks';
import { percentile } from './apiMetrics';
import { loopback, withPlatform } from './platform';
import { noteStop, type PlatformBenchOptions } from './platformBenches';
import { round, type Figures } from './results';
import { sampleAnswer, type AnswerTypeLike } from '../local/demo/sampleAnswers';

const factoryId = 'BD-DEMO0001';
const cycleId = `${factoryId}-C1`;
const staff = 'registration-bd';
const manager = 'fm-bd-1';
const requestTimeoutMs = 30_000;

type Json = Record<string, unknown>;

export interface Cost {
  roundTrips: number;
  writes: number;
  bytes: number;
}

interface Answered {
  status: number;
  headers: Headers;
  body: Json;
  ms: number;
}

function header(headers: Headers, name: string): number {
  const raw = headers.get(name);
  if (raw === null || !/^\d+$/.test(raw)) throw new Error(`the response has no valid ${name} header (got ${raw})`);
  return Number(raw);
}

export function costOf(headers: Headers): Cost {
  return {
    roundTrips: header(headers, 'x-cosmos-round-trips'),
    writes: header(headers, 'x-cosmos-writes'),
    bytes: header(headers, 'x-cosmos-bytes-written'),
  };
}

/** A small HTTP client of the API as the demo users (tokens from the development identity provider). */
export class SelfAssessmentClient {
  private readonly tokens = new Map<string, string>();

  constructor(readonly base: string) {}

  async token(user: string): Promise<string> {
    const cached = this.tokens.get(user);
    if (cached) return cached;
    const response = await fetch(`${this.base}/_dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user, lifetimeSeconds: 86_400 }),
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    const body = (await response.json()) as Json;
    if (response.status !== 200 || typeof body.access_token !== 'string') {
      throw new Error(`no token for ${user}: ${response.status} ${JSON.stringify(body)}`);
    }
    this.tokens.set(user, body.access_token);
    return body.access_token;
  }

  async call(method: string, path: string, as: string, json?: unknown): Promise<Answered> {
    const headers: Record<string, string> = { authorization: `Bearer ${await this.token(as)}` };
    if (json !== undefined) headers['content-type'] = 'application/json';
    const started = performance.now();
    const response = await fetch(`${this.base}/${path}`, {
      method,
      headers,
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Json) : {}, ms };
  }

  /** The call, which must answer `status`. */
  async expect(status: number, method: string, path: string, as: string, json?: unknown): Promise<Answered> {
    const answer = await this.call(method, path, as, json);
    if (answer.status !== status) {
      throw new Error(
        `${method} ${path} as ${as} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 400)}`
      );
    }
    return answer;
  }
}

/** The answer types of a version's questions of a Step (the question bank API). */
export async function answerTypes(
  client: SelfAssessmentClient,
  as: string,
  version: string,
  step: number
): Promise<Map<string, AnswerTypeLike>> {
  const bank = await client.expect(200, 'GET', `question-banks/${version}?step=${step}`, as);
  const types = new Map<string, AnswerTypeLike>();
  for (const section of bank.body.sections as {
    subsections: { questions: { id: string; answer: AnswerTypeLike }[] }[];
  }[])
    for (const subsection of section.subsections) for (const q of subsection.questions) types.set(q.id, q.answer);
  return types;
}

/**
 * Answers every question that applies, one by one, following "next unanswered" from the overview and then
 * from each answer; returns each answer's timing and cost.
 */
export async function answerEverything(
  client: SelfAssessmentClient,
  as: string,
  selfAssessmentId: string,
  types: ReadonlyMap<string, AnswerTypeLike>
): Promise<{ questionId: string; ms: number; cost: Cost }[]> {
  const answers: { questionId: string; ms: number; cost: Cost }[] = [];
  const first = await client.expect(200, 'GET', `self-assessments/${selfAssessmentId}`, as);
  let next = first.body.nextUnansweredQuestionId as string | null;
  while (next) {
    const type = types.get(next);
    if (!type) throw new Error(`${next} is not a question of the bank`);
    const answer = await client.expect(200, 'PUT', `self-assessments/${selfAssessmentId}/answers/${next}`, as, {
      value: sampleAnswer(type),
    });
    answers.push({ questionId: next, ms: answer.ms, cost: costOf(answer.headers) });
    next = answer.body.nextUnansweredQuestionId as string | null;
    if (answers.length > 5000) throw new Error('more than 5000 answers: the next unanswered question never runs out');
  }
  return answers;
}

interface Run {
  answers: { questionId: string; ms: number; cost: Cost }[];
  overview: Cost;
  overviewCold: Cost;
  start: Cost & { crossPartition: number };
  submit: Cost & { ms: number };
  totalMs: number;
  applicable: number;
  questions: number;
  toolVersion: string;
}

async function measure(base: string): Promise<Run> {
  const client = new SelfAssessmentClient(base);
  await client.expect(200, 'POST', `factories/${factoryId}/cycles/${cycleId}/activate`, staff);
  const began = performance.now();
  const started = await client.expect(201, 'POST', `factories/${factoryId}/self-assessments`, manager, {
    cycleId,
    step: 3,
  });
  const selfAssessmentId = started.body.selfAssessmentId as string;
  const toolVersion = started.body.toolVersion as string;
  const overviewCold = costOf(
    (await client.expect(200, 'GET', `self-assessments/${selfAssessmentId}`, 'advisor-bd')).headers
  );
  const overview = costOf(
    (await client.expect(200, 'GET', `self-assessments/${selfAssessmentId}`, 'advisor-bd')).headers
  );
  const types = await answerTypes(client, manager, toolVersion, 3);
  const answers = await answerEverything(client, manager, selfAssessmentId, types);
  const done = await client.expect(200, 'GET', `self-assessments/${selfAssessmentId}`, manager);
  const submitted = await client.expect(200, 'POST', `self-assessments/${selfAssessmentId}/submit`, manager);
  const totalMs = performance.now() - began;
  return {
    answers,
    overview,
    overviewCold,
    start: { ...costOf(started.headers), crossPartition: header(started.headers, 'x-cross-partition-queries') },
    submit: { ...costOf(submitted.headers), ms: submitted.ms },
    totalMs,
    applicable: (done.body.overall as { applicable: number }).applicable,
    questions: types.size,
    toolVersion,
  };
}

export async function selfAssessment({ repoRoot, note }: PlatformBenchOptions): Promise<Figures> {
  const { result, stop } = await withPlatform(
    repoRoot,
    (platform) => measure(`http://${loopback}:${platform.port}/api`),
    {
      extraArgs: ['--virtual-clock'],
    }
  );
  const { answers } = result;
  const writes = answers.map((a) => a.cost.writes);
  const reads = answers.map((a) => a.cost.roundTrips - a.cost.writes);
  const bytes = answers.map((a) => a.cost.bytes);
  const ms = answers.map((a) => a.ms);
  const distinct = (values: number[]) => [...new Set(values)].sort((a, b) => a - b).join(', ');
  note(
    `tool ${result.toolVersion}, Step 3: ${result.questions} questions, ${result.applicable} applied with the answers given; ` +
      `${answers.length} answered one by one over HTTP, then submitted`
  );
  note(
    `per answer: write round trips ${distinct(writes)}; read round trips ${distinct(reads)} ` +
      `(the caller's directory entry is re-read when its 30 s cache expires); bytes written ${Math.min(...bytes)}-${Math.max(...bytes)}`
  );
  note(
    `overview: ${result.overview.roundTrips} round trip(s) (${result.overviewCold.roundTrips} for a caller not yet cached); ` +
      `start ${result.start.roundTrips} round trips (${result.start.crossPartition} across partitions: finding the latest tool version), ${result.start.bytes} bytes; ` +
      `submit ${result.submit.roundTrips} round trips, ${result.submit.writes} write, ${result.submit.bytes} bytes, ${result.submit.ms.toFixed(1)} ms`
  );
  noteStop(stop, note);
  return {
    answer_write_round_trips: { value: Math.max(...writes), unit: 'round trips', target: '== 1' },
    answer_read_round_trips: { value: percentile(reads, 50), unit: 'round trips', target: '<= 1' },
    answer_read_round_trips_max: { value: Math.max(...reads), unit: 'round trips', target: 'informational' },
    answer_bytes_written: { value: Math.max(...bytes), unit: 'bytes', target: '< 2048' },
    overview_queries: { value: result.overview.roundTrips, unit: 'round trips', target: '<= 1' },
    answer_p50_ms: { value: round(percentile(ms, 50), 1), unit: 'ms', target: 'informational' },
    answer_p99_ms: { value: round(percentile(ms, 99), 1), unit: 'ms', target: 'informational' },
    self_assessment_answers: { value: answers.length, unit: 'count', target: 'informational' },
    self_assessment_total_s: { value: round(result.totalMs / 1000, 2), unit: 's', target: 'informational' },
  };
}
