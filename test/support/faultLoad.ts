// A light, steady load for the fault tests: a few factory managers answering their Step 1 self-assessment over
// the public HTTP API of a running local platform, one request at a time each, for as long as it runs. Every
// write the platform acknowledged (200) is recorded client-side, with what was sent after it whose outcome is
// unknown (no answer, a 5xx: it may have landed), so that afterwards `verify()` can say whether every
// acknowledged answer is there. Each request is bounded (`timeoutMs`): one that takes longer counts as hung.
// The answers go to unconditional text and number questions with a distinct value each time (text), so a lost
// write shows as an older value. The questions and the values are those of the concurrency load
// (test/support/selfAssessmentLoad.ts: `unconditionalQuestions`, `variedAnswer`); what differs is how writes are
// counted and checked: per fault phase, 503 and no answer tolerated, one writer per assessment in sequence (so
// only writes whose outcome is unknown after the last acknowledged one may be what the store holds).
import { unconditionalQuestions, variedAnswer, type LoadQuestion } from './selfAssessmentLoad';

type Json = Record<string, unknown>;

export interface LoadTarget {
  /** The factory manager who answers (a demo user bound to `factoryId`). */
  manager: string;
  /** The registration staff who activate the cycle (R11). */
  staff: string;
  factoryId: string;
}

/** What the requests of one phase got, by outcome. */
export interface PhaseTally {
  writes: number;
  acked: number;
  /** 503 problem answers (the platform says: try again). */
  unavailable: number;
  /** Other 4xx answers (a 409 "not taken", say). */
  refused: number;
  /** No answer at all (connection refused or reset: the host was down). */
  noAnswer: number;
  /** Over the bound. */
  hung: number;
  /** 500 and other 5xx than 503, or a 503 that is not a problem answer. */
  serverErrors: number;
  slowestMs: number;
}

interface Writer {
  target: LoadTarget;
  selfAssessmentId: string;
  questions: LoadQuestion[];
  token: string | undefined;
  /** Question id → the last acknowledged value, and the values sent after it whose outcome is unknown. */
  answers: Map<string, { acked: unknown; maybe: unknown[] } | { acked?: undefined; maybe: unknown[] }>;
}

const emptyTally = (): PhaseTally => ({
  writes: 0,
  acked: 0,
  unavailable: 0,
  refused: 0,
  noAnswer: 0,
  hung: 0,
  serverErrors: 0,
  slowestMs: 0,
});

export class AnswerLoad {
  /** The label the next requests are counted under (the test names the fault it is injecting). */
  phase = 'steady';
  readonly tallies = new Map<string, PhaseTally>();
  /** Unexpected answers, described (no tokens, no personal data). */
  readonly unexpected: string[] = [];
  private readonly writers: Writer[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private counter = 0;

  constructor(
    private readonly base: () => string,
    private readonly options: { timeoutMs?: number; pauseMs?: number } = {}
  ) {}

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? 20_000;
  }

  tally(phase = this.phase): PhaseTally {
    let tally = this.tallies.get(phase);
    if (!tally) this.tallies.set(phase, (tally = emptyTally()));
    return tally;
  }

  total(): PhaseTally {
    const sum = emptyTally();
    for (const t of this.tallies.values()) {
      for (const key of Object.keys(sum) as (keyof PhaseTally)[]) {
        sum[key] = key === 'slowestMs' ? Math.max(sum[key], t[key]) : sum[key] + t[key];
      }
    }
    return sum;
  }

  private async token(user: string): Promise<string> {
    const response = await fetch(`${this.base()}/_dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user, lifetimeSeconds: 86_400 }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const body = (await response.json()) as { access_token?: string };
    if (response.status !== 200 || !body.access_token) throw new Error(`no token for ${user}: ${response.status}`);
    return body.access_token;
  }

  private async call(
    token: string,
    method: string,
    path: string,
    json?: unknown
  ): Promise<{ status: number; body: Json; contentType: string }> {
    const response = await fetch(`${this.base()}/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    return {
      status: response.status,
      body: /json/.test(contentType) && text ? (JSON.parse(text) as Json) : {},
      contentType,
    };
  }

  private async expect(status: number, user: string, method: string, path: string, json?: unknown): Promise<Json> {
    const answer = await this.call(await this.token(user), method, path, json);
    if (answer.status !== status) {
      throw new Error(`${method} /${path} as ${user}: ${answer.status}, not ${status}: ${JSON.stringify(answer.body)}`);
    }
    return answer.body;
  }

  /** Activates each factory's current cycle, starts its Step 1 self-assessment and picks the questions to answer. */
  async prepare(targets: readonly LoadTarget[]): Promise<void> {
    for (const target of targets) {
      const factory = await this.expect(200, target.staff, 'GET', `factories/${target.factoryId}`);
      const cycle = (factory.cycles as { cycleId: string }[])[0];
      if (!cycle) throw new Error(`${target.factoryId} has no cycle`);
      await this.expect(200, target.staff, 'POST', `factories/${target.factoryId}/cycles/${cycle.cycleId}/activate`);
      const started = await this.expect(201, target.manager, 'POST', `factories/${target.factoryId}/self-assessments`, {
        cycleId: cycle.cycleId,
        step: 1,
      });
      const questions = (
        await unconditionalQuestions(this.base(), await this.token(target.manager), String(started.toolVersion), 1)
      ).filter((q) => q.answer.type === 'text' || q.answer.type === 'number');
      if (questions.length === 0) throw new Error('no unconditional text or number question in Step 1');
      this.writers.push({
        target,
        selfAssessmentId: String(started.selfAssessmentId),
        questions,
        token: undefined,
        answers: new Map(),
      });
    }
  }

  private async writeOnce(writer: Writer, question: LoadQuestion): Promise<void> {
    const value = variedAnswer(question.answer, ++this.counter);
    const entry = writer.answers.get(question.id) ?? { maybe: [] };
    writer.answers.set(question.id, entry);
    const path = `self-assessments/${writer.selfAssessmentId}/answers/${question.id}`;
    // A 401 (the virtual clock moved past the token's lifetime) was not applied: mint another and send it again.
    for (let authorised = 0; authorised < 20; authorised++) {
      try {
        writer.token ??= await this.token(writer.target.manager);
      } catch {
        // The host is down (or restarting): nothing was sent.
        await new Promise((resolve) => setTimeout(resolve, 250));
        return;
      }
      const started = Date.now();
      let outcome: { status: number; body: Json; contentType: string } | 'noAnswer' | 'hung';
      try {
        outcome = await this.call(writer.token, 'PUT', path, { value });
      } catch (error) {
        outcome = (error as Error).name === 'TimeoutError' ? 'hung' : 'noAnswer';
      }
      // Counted in the phase it ended in (a request cut off by a fault ends during it).
      const phase = this.phase;
      const tally = this.tally(phase);
      tally.writes++;
      tally.slowestMs = Math.max(tally.slowestMs, Date.now() - started);
      if (outcome === 'hung' || outcome === 'noAnswer') {
        tally[outcome]++;
        if (outcome === 'hung') this.unexpected.push(`${phase}: PUT ${question.id} took over ${this.timeoutMs} ms`);
        entry.maybe.push(value);
        await new Promise((resolve) => setTimeout(resolve, 250));
        return;
      }
      if (outcome.status === 401) {
        tally.writes--;
        writer.token = undefined;
        continue;
      }
      if (outcome.status === 200) {
        tally.acked++;
        writer.answers.set(question.id, { acked: value, maybe: [] });
        return;
      }
      if (outcome.status === 503 && outcome.contentType.startsWith('application/problem+json')) {
        tally.unavailable++;
        entry.maybe.push(value);
        await new Promise((resolve) => setTimeout(resolve, 100));
        return;
      }
      if (outcome.status >= 500) {
        tally.serverErrors++;
        entry.maybe.push(value);
        this.unexpected.push(
          `${phase}: PUT ${question.id} answered ${outcome.status} (${outcome.contentType}): ${JSON.stringify(outcome.body).slice(0, 300)}`
        );
        return;
      }
      tally.refused++;
      this.unexpected.push(
        `${phase}: PUT ${question.id} answered ${outcome.status}: ${JSON.stringify(outcome.body).slice(0, 300)}`
      );
      return;
    }
  }

  private async loop(writer: Writer, offset: number): Promise<void> {
    let i = offset;
    while (this.running) {
      const question = writer.questions[i++ % writer.questions.length]!;
      await this.writeOnce(writer, question);
      await new Promise((resolve) => setTimeout(resolve, this.options.pauseMs ?? 40));
    }
  }

  start(): void {
    this.running = true;
    this.loops = this.writers.map((writer, i) => this.loop(writer, i * 7));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /**
   * Reads every answered question back (once the platform is up and the load stopped): each must hold its last
   * acknowledged value, or a value sent after it whose outcome was unknown. Returns what was checked and what
   * did not hold.
   */
  async verify(): Promise<{ questions: number; acknowledged: number; lost: string[] }> {
    let questions = 0;
    let acknowledged = 0;
    const lost: string[] = [];
    for (const writer of this.writers) {
      const token = await this.token(writer.target.manager);
      for (const [questionId, entry] of writer.answers) {
        questions++;
        const read = await this.call(
          token,
          'GET',
          `self-assessments/${writer.selfAssessmentId}/questions/${questionId}`
        );
        if (read.status !== 200) {
          lost.push(`${writer.selfAssessmentId} ${questionId}: read answered ${read.status}`);
          continue;
        }
        const held = (read.body.answer as { value: unknown } | null | undefined)?.value;
        const allowed = [...(entry.acked === undefined ? [undefined] : [entry.acked]), ...entry.maybe];
        if (entry.acked !== undefined) acknowledged++;
        if (!allowed.some((v) => JSON.stringify(v) === JSON.stringify(held))) {
          lost.push(
            `${writer.selfAssessmentId} ${questionId}: holds ${JSON.stringify(held)}, acknowledged ${JSON.stringify(entry.acked)}`
          );
        }
      }
    }
    return { questions, acknowledged, lost };
  }
}
