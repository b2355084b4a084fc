// A scripted walk of factories through one service cycle, over the public HTTP API of a running local platform
// (`npm start -- --virtual-clock`), as its users would do it: registration staff enrol the factory (its first
// cycle is running), its manager accepts the emailed invitation, completes the profile, signs the T&C and asks
// to share via SLCP; staff register the next cycle, for which sharing is then effective (R2, R23); the manager
// "connects with SLCP" on the Gateway simulator's form and SLCP approves two days later (R9); staff activate the
// cycle (R11); the manager answers the Step 1 self-assessment and submits it (R13); an assessor records the
// compliance assessment, a visit or a Virtual Compliance Check, with its findings (some non-compliant) and
// completes it (R15); staff release the report on time or late (R16); and, when asked, the manager asks again
// to share from the cycle after (R3). Each step happens at a chosen moment of the virtual clock.
//
// Many journeys run at once on one clock (`runCycleJourneys`): each waits for its next moment, and the clock is
// moved (`POST /api/_dev/clock`, which fires every timer due on the way) only when every journey waits, to the
// earliest moment any of them waits for. The record of each journey says what it did, with the virtual dates.
// Plain TypeScript for the end-to-end tests, the demo and the timeline benchmark; it asserts nothing but what
// the journey itself needs (an unexpected answer stops it with a message naming the request).
import { addIsoDuration, parseIsoDuration, subtractIsoDuration } from '../../shared/domain/isoDuration';
import { findDemoUser, type DemoCountry } from '../seed/demoUsers';
import { sampleAnswer, type AnswerTypeLike, type SampleValue } from './sampleAnswers';

type Json = Record<string, unknown>;

/** Where the local platform answers, and how the journeys get tokens. */
export interface JourneyEndpoints {
  /** The API, e.g. `http://127.0.0.1:7071/api`. */
  base: string;
  /** The mail sink's web inbox, e.g. `http://127.0.0.1:7073` (the invitation link comes by email). */
  mailBase: string;
  /** A bearer token for a demo user (`devTokens(base)` mints them from the development identity provider). */
  token: (user: string) => Promise<string>;
  /** Requests in flight at most, across the journeys (default 8). */
  concurrency?: number;
  /** How long to wait for what happens asynchronously (an email, a Gateway callback); default 30 s. */
  waitMs?: number;
}

/** Tokens of the demo users from the development identity provider (`POST /api/_dev/token`). */
export function devTokens(base: string, lifetimeSeconds = 3600): (user: string) => Promise<string> {
  return async (user) => {
    const response = await fetch(`${base}/_dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user, lifetimeSeconds }),
    });
    const body = (await response.json()) as { access_token?: unknown };
    if (response.status !== 200 || typeof body.access_token !== 'string') {
      throw new Error(`no token for ${user}: HTTP ${response.status}`);
    }
    return body.access_token;
  };
}

// ---------------------------------------------------------------------------------------------------
// The virtual clock, shared by many journeys
// ---------------------------------------------------------------------------------------------------

/** The local host's virtual clock (`/api/_dev/clock`). */
export class DevClock {
  constructor(private readonly base: string) {}

  async now(): Promise<Date> {
    const response = await fetch(`${this.base}/_dev/clock`);
    const body = (await response.json()) as { now?: string; mode?: string };
    if (response.status !== 200 || typeof body.now !== 'string') throw new Error(`GET /_dev/clock: ${response.status}`);
    return new Date(body.now);
  }

  /** Moves the clock to `target` (firing every timer due on the way); a moment already past leaves it. */
  async moveTo(target: Date): Promise<Date> {
    const response = await fetch(`${this.base}/_dev/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: target.toISOString() }),
    });
    const body = (await response.json()) as { now?: string; detail?: string; mode?: string };
    if (response.status === 200 && typeof body.now === 'string') return new Date(body.now);
    if (response.status === 409 && body.detail?.includes('only moves forward')) return this.now();
    throw new Error(`POST /_dev/clock to ${target.toISOString()}: ${response.status} ${body.detail ?? ''}`);
  }
}

/** Resolves once the virtual clock is at `when` or later, with the clock's time then. */
export type At = (when: Date | string) => Promise<Date>;

/** What a task on the virtual clock gets: waiting for a moment, and reading the clock. */
export interface JourneyTime {
  at: At;
  /** Like `at`, but resolves sooner, at the first move of the clock for another task (an observer re-plans). */
  atOrSooner: At;
  now: () => Promise<Date>;
}

/**
 * Runs tasks that each wait for moments of the virtual clock (`at`): the clock is moved only when every task
 * waits, to the earliest moment one of them waits for, and the tasks due then go on together. The first task
 * that fails ends the run with its error.
 */
export class VirtualTime {
  private active = 0;
  private waiting: { due: number; resolve: (now: Date) => void; sooner: boolean }[] = [];
  private idle: (() => void) | undefined;
  private known = 0;

  constructor(
    private readonly clock: DevClock,
    /** Called after each move of the clock (tokens expire with it). */
    private readonly moved: () => void = () => undefined
  ) {}

  /** The clock's time as last read (it runs on at real speed meanwhile). */
  get lastKnown(): Date {
    return new Date(this.known);
  }

  private wait(when: Date | string, sooner: boolean): Promise<Date> {
    const due = new Date(when).getTime();
    if (Number.isNaN(due)) return Promise.reject(new Error(`not a moment: ${String(when)}`));
    if (due <= this.known) return Promise.resolve(new Date(this.known));
    return new Promise<Date>((resolve) => {
      this.waiting.push({ due, resolve, sooner });
      this.active--;
      this.checkIdle();
    });
  }

  private readonly at: At = (when) => this.wait(when, false);
  private readonly atOrSooner: At = (when) => this.wait(when, true);

  async run<T>(tasks: readonly ((time: JourneyTime) => Promise<T>)[]): Promise<T[]> {
    this.known = (await this.clock.now()).getTime();
    const time: JourneyTime = { at: this.at, atOrSooner: this.atOrSooner, now: () => this.clock.now() };
    const results = tasks.map((task) => {
      this.active++;
      return Promise.resolve()
        .then(() => task(time))
        .finally(() => {
          this.active--;
          this.checkIdle();
        });
    });
    // The first task that fails stops the run (the others are left waiting: the clock moves no further).
    let failure: { error: unknown } | undefined;
    for (const result of results) result.catch((error: unknown) => (failure ??= { error }));
    for (;;) {
      if (this.active > 0) await new Promise<void>((resolve) => (this.idle = resolve));
      await new Promise((resolve) => setImmediate(resolve)); // a failure is noted a moment after its task ended
      if (failure) throw failure.error;
      if (this.waiting.length === 0) break;
      const next = Math.min(...this.waiting.map((w) => w.due));
      this.known = Math.max(this.known, (await this.clock.moveTo(new Date(next))).getTime());
      this.moved();
      const ready = this.waiting.filter((w) => w.due <= this.known || w.sooner);
      this.waiting = this.waiting.filter((w) => !ready.includes(w));
      this.active += ready.length;
      for (const w of ready) w.resolve(new Date(this.known));
    }
    return Promise.all(results);
  }

  private checkIdle(): void {
    if (this.active === 0 && this.idle) {
      const resolve = this.idle;
      this.idle = undefined;
      resolve();
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------------

export interface JourneyAnswer {
  status: number;
  headers: Headers;
  body: Json;
}

class Semaphore {
  private running = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }
}

/** The API as the demo users, each request with a bearer token (kept until the clock moves). */
export class JourneyApi {
  private readonly tokens = new Map<string, Promise<string>>();
  private readonly slots: Semaphore;
  readonly waitMs: number;

  constructor(readonly endpoints: JourneyEndpoints) {
    this.slots = new Semaphore(Math.max(1, endpoints.concurrency ?? 8));
    this.waitMs = endpoints.waitMs ?? 30_000;
  }

  /** Tokens expire with the clock: after a move they are minted afresh. */
  forgetTokens(): void {
    this.tokens.clear();
  }

  token(user: string): Promise<string> {
    let token = this.tokens.get(user);
    if (!token) {
      token = this.endpoints.token(user);
      token.catch(() => this.tokens.delete(user));
      this.tokens.set(user, token);
    }
    return token;
  }

  /** The claims of a user's token (their email and object id). */
  async claims(user: string): Promise<{ email: string; userId: string }> {
    const [, payload] = (await this.token(user)).split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Json;
    const email = claims.email ?? claims.preferred_username;
    if (typeof email !== 'string' || typeof claims.oid !== 'string')
      throw new Error(`the token of ${user} has no email`);
    return { email, userId: claims.oid };
  }

  async call(
    as: string | undefined,
    method: string,
    path: string,
    options: { json?: unknown; headers?: Record<string, string> } = {}
  ): Promise<JourneyAnswer> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (as) headers.authorization = `Bearer ${await this.token(as)}`;
    if (options.json !== undefined) headers['content-type'] = 'application/json';
    return this.slots.run(async () => {
      const response = await fetch(`${this.endpoints.base}/${path.replace(/^\//, '')}`, {
        method,
        headers,
        ...(options.json !== undefined ? { body: JSON.stringify(options.json) } : {}),
      });
      const text = await response.text();
      let body: Json = {};
      if (text !== '' && /json/.test(response.headers.get('content-type') ?? '')) body = JSON.parse(text) as Json;
      return { status: response.status, headers: response.headers, body };
    });
  }

  /** The call, which must answer `status` (else the journey stops, naming the request and the answer). */
  async expect(
    status: number,
    as: string | undefined,
    method: string,
    path: string,
    options: { json?: unknown; headers?: Record<string, string> } = {}
  ): Promise<JourneyAnswer> {
    const answer = await this.call(as, method, path, options);
    if (answer.status !== status) {
      throw new Error(
        `${method} /${path} as ${as ?? 'nobody'} answered ${answer.status}, not ${status}: ${JSON.stringify(answer.body).slice(0, 500)}`
      );
    }
    return answer;
  }

  /** The mail sink's messages to `address`, newest first. */
  async mailTo(address: string): Promise<{ subject: string; text: string | null; to: string[] }[]> {
    const response = await fetch(`${this.endpoints.mailBase}/api/messages?to=${encodeURIComponent(address)}`);
    if (response.status !== 200) throw new Error(`mail inbox: HTTP ${response.status}`);
    return ((await response.json()) as { messages: { subject: string; text: string | null; to: string[] }[] }).messages;
  }

  /** Polls `probe` until it answers something (bounded by `waitMs`). */
  async eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${this.waitMs} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// The plan of a journey and what it did
// ---------------------------------------------------------------------------------------------------

export type AssessmentMethod = 'visit' | 'vcc';

export interface JourneyQuestion {
  id: string;
  answer: AnswerTypeLike;
}

export type AnswerValue = SampleValue;

/** A plausible valid answer: yes, the smallest number allowed (at least 1), today, a short text, the first option(s). */
export function plausibleAnswer(question: JourneyQuestion, today: string): AnswerValue {
  return sampleAnswer(question.answer, today);
}

export interface CycleJourneyPlan {
  /** Makes the factory's name and address unique (the Gateway keeps one registration per address). */
  label: string;
  country: DemoCountry;
  /** Demo users: the factory manager invited (bound to the factory when they accept), staff, the assessor. */
  manager: string;
  staff: string;
  assessor: string;
  /** The cycle the journey walks; the factory is enrolled for the cycle before it, which is running then. */
  cycle: { startsOn: string; endsOn: string };
  previousCycle: { startsOn: string; endsOn: string };
  /** When staff enrol the factory (ISO 8601): the journey's first step. */
  enrolAt: string;
  /**
   * How long the manager leaves the Gateway's Facility Information Form before submitting it (ISO 8601 duration
   * in days/hours, e.g. `P3DT12H`; none by default). Over three days and the platform chases them (R9); an
   * expired link is asked for again.
   */
  gatewayFormDelay?: string;
  /** When staff activate the cycle; default right after the Gateway approval. */
  activateAt?: string;
  /**
   * Which answers the manager gives (default `plausibleAnswer`), and how far they go: until the overall completion
   * reaches `stopAtPercent` (default 100; at least 95 for the submission to be taken, R13).
   */
  answers?: (question: JourneyQuestion, today: string) => AnswerValue;
  stopAtPercent?: number;
  /** The compliance assessment (R15): days within the cycle, recorded and completed at `completeAt`. */
  assessment: {
    method: AssessmentMethod;
    firstDay: string;
    lastDay: string;
    completeAt: string;
    /** How many findings are non-compliant (spread over the scope), or which questions. */
    nonCompliant: number | string[];
    /** The assessors' user ids (default: the caller; a country without an assessor needs one named). */
    assessorIds?: string[];
  };
  /** When staff release the report (R16: on time up to 28 days after the assessment's last day). */
  releaseAt: string;
  /** When the manager asks again to share, from the cycle after this one (then R3 has nothing to remind). */
  requestNextCycleAt?: string;
}

export interface PlanOptions {
  label: string;
  country?: DemoCountry;
  manager?: string;
  /** The journey's cycle; a year from `cycleStartsOn` unless `cycleEndsOn` is given. */
  cycleStartsOn: string;
  cycleEndsOn?: string;
  /** Days before the cycle starts that the factory is enrolled (default 25), at 09:00 UTC. */
  enrolDaysBefore?: number;
  gatewayFormDelay?: string;
  method?: AssessmentMethod;
  /** Days after the cycle starts that the two-day assessment begins (default 72). */
  assessmentAfterDays?: number;
  /** Days after the assessment's last day that the report is released, at 10:00 UTC (default 10; late when > 28). */
  releaseDelayDays?: number;
  nonCompliant?: number | string[];
  /** Ask again to share from the next cycle, this many days after the release. */
  requestNextCycleAfterDays?: number;
  answers?: CycleJourneyPlan['answers'];
  stopAtPercent?: number;
}

const dayMs = 86_400_000;
const day = (date: Date) => date.toISOString().slice(0, 10);
const addDays = (isoDay: string, days: number) => day(new Date(Date.parse(`${isoDay}T00:00:00Z`) + days * dayMs));
const at = (isoDay: string, time: string) => `${isoDay}T${time}Z`;
const oneYear = parseIsoDuration('P1Y')!;
/** The same day a year later or earlier, on the UTC calendar (29 February gives 28 February). */
const nextYear = (isoDay: string) => day(addIsoDuration(new Date(`${isoDay}T00:00:00Z`), oneYear));
const previousYear = (isoDay: string) => day(subtractIsoDuration(new Date(`${isoDay}T00:00:00Z`), oneYear));

/** The demo users of a country: its default manager, registration staff and assessor (Admin where it has none). */
export function demoPeople(country: DemoCountry): { manager: string; staff: string; assessor: string } {
  const cc = country.toLowerCase();
  const manager = country === 'BD' ? 'fm-bd-2' : `fm-${cc}-1`;
  return {
    manager,
    staff: findDemoUser(`registration-${cc}`) ? `registration-${cc}` : 'admin',
    assessor: findDemoUser(`assessor-${cc}`) ? `assessor-${cc}` : 'admin',
  };
}

/** A plan from offsets: the dates of each step follow from the cycle's first day. */
export function planCycleJourney(options: PlanOptions): CycleJourneyPlan {
  const country = options.country ?? 'BD';
  const people = demoPeople(country);
  const startsOn = options.cycleStartsOn;
  const endsOn = options.cycleEndsOn ?? addDays(nextYear(startsOn), -1);
  const previousStartsOn = previousYear(startsOn);
  const firstDay = addDays(startsOn, options.assessmentAfterDays ?? 72);
  const lastDay = addDays(firstDay, 1);
  const releaseOn = addDays(lastDay, options.releaseDelayDays ?? 10);
  return {
    label: options.label,
    country,
    manager: options.manager ?? people.manager,
    staff: people.staff,
    assessor: people.assessor,
    cycle: { startsOn, endsOn },
    previousCycle: { startsOn: previousStartsOn, endsOn: addDays(startsOn, -1) },
    enrolAt: at(addDays(startsOn, -(options.enrolDaysBefore ?? 25)), '09:00:00.000'),
    ...(options.gatewayFormDelay ? { gatewayFormDelay: options.gatewayFormDelay } : {}),
    assessment: {
      method: options.method ?? 'visit',
      firstDay,
      lastDay,
      completeAt: at(addDays(lastDay, 1), '09:00:00.000'),
      nonCompliant: options.nonCompliant ?? 3,
    },
    releaseAt: at(releaseOn, '10:00:00.000'),
    ...(options.requestNextCycleAfterDays !== undefined
      ? { requestNextCycleAt: at(addDays(releaseOn, options.requestNextCycleAfterDays), '11:00:00.000') }
      : {}),
    ...(options.answers ? { answers: options.answers } : {}),
    ...(options.stopAtPercent !== undefined ? { stopAtPercent: options.stopAtPercent } : {}),
  };
}

/** The steps of a journey, in order. */
export const journeyPhases = [
  'enrolled',
  'connected',
  'activated',
  'selfAssessed',
  'assessed',
  'released',
  'requestedNextCycle',
] as const;
export type JourneyPhase = (typeof journeyPhases)[number];

/** What a journey did, with the virtual moments the platform recorded (ISO 8601). */
export interface CycleJourneyRecord {
  label: string;
  country: DemoCountry;
  factoryId: string;
  factoryName: string;
  address: string;
  previousCycleId: string;
  cycleId: string;
  cycle: { startsOn: string; endsOn: string };
  people: { manager: string; managerUserId: string; managerEmail: string; staff: string; assessor: string };
  /** The last step done. */
  phase: JourneyPhase | 'planned';
  gateway: {
    /** Each "Connect with SLCP": when, and the hand-off's link expiry. */
    connects: { at: string; expiresAt: string }[];
    registrationId: string | null;
    formSubmittedAt: string | null;
    approvalExpectedBy: string | null;
    gatewayFacilityId: string | null;
  };
  selfAssessment: {
    selfAssessmentId: string | null;
    toolVersion: string | null;
    answered: number;
    completedPercent: number | null;
  };
  assessment: {
    assessmentId: string | null;
    method: AssessmentMethod;
    firstDay: string;
    lastDay: string;
    inScope: number;
    nonCompliant: string[];
    releaseDeadline: string | null;
  };
  report: { reportId: string | null; late: boolean | null; progressReport1DueOn: string | null };
  dates: {
    enrolledAt: string | null;
    invitationAcceptedAt: string | null;
    termsSignedAt: string | null;
    sharingRequestedAt: string | null;
    cycleRegisteredAt: string | null;
    gatewayApprovedAt: string | null;
    activatedAt: string | null;
    selfAssessmentSubmittedAt: string | null;
    assessmentCompletedAt: string | null;
    releasedAt: string | null;
    nextCycleRequestedAt: string | null;
  };
}

const str = (value: unknown, what: string): string => {
  if (typeof value !== 'string') throw new Error(`expected ${what} to be a string, got ${JSON.stringify(value)}`);
  return value;
};

/** A moment plus an ISO 8601 duration (`P3DT12H`), on the UTC calendar. */
export function plusDuration(from: Date | string, duration: string): Date {
  const parsed = parseIsoDuration(duration);
  if (!parsed) throw new Error(`${duration} is not an ISO 8601 duration such as P3DT12H`);
  return addIsoDuration(new Date(from), parsed);
}

/** The outbox delivers emails on the minute: a little over a minute later, what was queued has gone out. */
const outboxTick = 61_000;

/** One factory's journey: its plan, what it did so far (`record`), and its steps. */
export class CycleJourney {
  readonly record: CycleJourneyRecord;

  constructor(readonly plan: CycleJourneyPlan) {
    const suffix = plan.label.replace(/[^A-Za-z0-9 ]/g, '').slice(0, 40);
    this.record = {
      label: plan.label,
      country: plan.country,
      factoryId: '',
      factoryName: `${suffix} Garments Ltd.`,
      address: `Plot ${suffix}, Journey Road, Export Processing Zone`,
      previousCycleId: '',
      cycleId: '',
      cycle: { ...plan.cycle },
      people: {
        manager: plan.manager,
        managerUserId: '',
        managerEmail: '',
        staff: plan.staff,
        assessor: plan.assessor,
      },
      phase: 'planned',
      gateway: {
        connects: [],
        registrationId: null,
        formSubmittedAt: null,
        approvalExpectedBy: null,
        gatewayFacilityId: null,
      },
      selfAssessment: { selfAssessmentId: null, toolVersion: null, answered: 0, completedPercent: null },
      assessment: {
        assessmentId: null,
        method: plan.assessment.method,
        firstDay: plan.assessment.firstDay,
        lastDay: plan.assessment.lastDay,
        inScope: 0,
        nonCompliant: [],
        releaseDeadline: null,
      },
      report: { reportId: null, late: null, progressReport1DueOn: null },
      dates: {
        enrolledAt: null,
        invitationAcceptedAt: null,
        termsSignedAt: null,
        sharingRequestedAt: null,
        cycleRegisteredAt: null,
        gatewayApprovedAt: null,
        activatedAt: null,
        selfAssessmentSubmittedAt: null,
        assessmentCompletedAt: null,
        releasedAt: null,
        nextCycleRequestedAt: null,
      },
    };
  }

  private get factoryPath(): string {
    return `factories/${this.record.factoryId}`;
  }

  private get cyclePath(): string {
    return `${this.factoryPath}/cycles/${this.record.cycleId}`;
  }

  /** Runs the steps after the last one done, up to `until` (included). */
  async run(
    api: JourneyApi,
    time: JourneyTime,
    until: JourneyPhase = 'requestedNextCycle'
  ): Promise<CycleJourneyRecord> {
    const steps: Record<JourneyPhase, () => Promise<void>> = {
      enrolled: () => this.enrol(api, time),
      connected: () => this.connect(api, time),
      activated: () => this.activate(api, time),
      selfAssessed: () => this.selfAssess(api, time),
      assessed: () => this.assess(api, time),
      released: () => this.release(api, time),
      requestedNextCycle: () => this.requestNextCycle(api, time),
    };
    const from = this.record.phase === 'planned' ? 0 : journeyPhases.indexOf(this.record.phase) + 1;
    for (const phase of journeyPhases.slice(from, journeyPhases.indexOf(until) + 1)) {
      await steps[phase]();
      this.record.phase = phase;
    }
    return this.record;
  }

  /** R7, R10, R2, R23: enrolment, account, profile, T&C, the request to share, and the next cycle registered. */
  async enrol(api: JourneyApi, { at, now: clock }: JourneyTime): Promise<void> {
    const { plan, record } = this;
    const { manager, staff } = plan;
    const now = await at(plan.enrolAt);
    const me = await api.claims(manager);
    record.people.managerEmail = me.email;
    record.people.managerUserId = me.userId;
    const registered = await api.expect(201, staff, 'POST', `countries/${plan.country}/factories`, {
      json: {
        name: record.factoryName,
        address: record.address,
        managerEmail: me.email,
        cycle: plan.previousCycle,
      },
    });
    record.factoryId = str(registered.body.factoryId, 'factoryId');
    record.previousCycleId = str((registered.body.cycles as Json[])[0]?.cycleId, 'the first cycle');
    record.dates.enrolledAt = now.toISOString();

    // The invitation leaves through the outbox, on the minute.
    await at(new Date(now.getTime() + outboxTick));
    const invitation = await api.eventually(`the invitation email of ${record.factoryId}`, async () =>
      (await api.mailTo(me.email)).find((m) => m.subject === `Set up the Better Work account of ${record.factoryName}`)
    );
    const link = /\/invitations\/accept\?token=(\S+)/.exec(invitation.text ?? '');
    if (!link) throw new Error(`the invitation email of ${record.factoryId} has no link`);
    await api.expect(200, manager, 'POST', 'invitations/accept', {
      json: { token: decodeURIComponent(link[1]!) },
    });
    record.dates.invitationAcceptedAt = (await clock()).toISOString();

    const profile = await api.expect(200, manager, 'GET', `${this.factoryPath}/profile`);
    const edited = await api.expect(200, manager, 'PATCH', `${this.factoryPath}/profile`, {
      json: profileOf(plan.country, record.factoryName, me.email),
      headers: { 'if-match': profile.headers.get('etag') ?? '*' },
    });
    const signed = await api.expect(200, manager, 'POST', `${this.factoryPath}/terms`, {
      json: { accept: true },
      headers: { 'if-match': edited.headers.get('etag') ?? '*' },
    });
    record.dates.termsSignedAt = str((signed.body.terms as Json | null)?.signedAt, 'terms.signedAt');
    const requested = await api.expect(200, manager, 'POST', `${this.factoryPath}/slcp-request`);
    record.dates.sharingRequestedAt = str((requested.body.request as Json).requestedAt, 'request.requestedAt');

    const next = await api.expect(201, staff, 'POST', `${this.factoryPath}/cycles`, { json: plan.cycle });
    const cycle = (next.body.cycles as Json[]).find((c) => c.startsOn === plan.cycle.startsOn);
    if (!cycle || cycle.sharingEffective !== true) {
      throw new Error(`the cycle ${plan.cycle.startsOn} of ${record.factoryId} was not registered with sharing (R23)`);
    }
    record.cycleId = str(cycle.cycleId, 'cycleId');
    record.dates.cycleRegisteredAt = str(cycle.registeredAt, 'registeredAt');
  }

  /** R9: "Connect with SLCP", the Gateway's form (late when planned so), and the approval two days later. */
  async connect(api: JourneyApi, { at, now: clock }: JourneyTime): Promise<void> {
    const { plan, record } = this;
    const connectNow = async () => {
      const now = await clock();
      const connected = await api.expect(200, plan.manager, 'POST', `${this.factoryPath}/gateway/connect`);
      const expiresAt = str(connected.body.expiresAt, 'expiresAt');
      record.gateway.connects.push({ at: now.toISOString(), expiresAt });
      return { url: new URL(str(connected.body.registrationUrl, 'registrationUrl')), expiresAt };
    };
    let link = await connectNow();
    if (plan.gatewayFormDelay) {
      const back = await at(plusDuration(record.gateway.connects[0]!.at, plan.gatewayFormDelay));
      if (Date.parse(link.expiresAt) <= back.getTime() + 60_000) link = await connectNow();
    }
    const response = await fetch(`${link.url.origin}/facility-registration`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        state: link.url.searchParams.get('state'),
        country: plan.country,
        facilityName: record.factoryName,
        address: record.address,
        contactEmail: record.people.managerEmail,
      }),
    });
    const submitted = (await response.json()) as Json;
    if (response.status !== 201) {
      throw new Error(
        `the Gateway refused the form of ${record.factoryId}: ${response.status} ${JSON.stringify(submitted)}`
      );
    }
    record.gateway.registrationId = str(submitted.registrationId, 'registrationId');
    record.gateway.approvalExpectedBy = str(submitted.approvalExpectedBy, 'approvalExpectedBy');
    record.gateway.formSubmittedAt = (await clock()).toISOString();

    const status = async (wanted: string) =>
      api.eventually(`the Gateway connection of ${record.factoryId} to be ${wanted}`, async () => {
        const slcp = await api.expect(200, plan.manager, 'GET', `${this.factoryPath}/slcp`);
        const gateway = slcp.body.gateway as Json;
        return gateway.status === wanted ? gateway : undefined;
      });
    await status('registered');
    // SLCP approves on the clock; its callback reaches the platform, and the approval email goes out on the minute.
    await at(new Date(Date.parse(record.gateway.approvalExpectedBy) + outboxTick));
    const connected = await status('connected');
    record.gateway.gatewayFacilityId = str(connected.gatewayFacilityId, 'gatewayFacilityId');
    record.dates.gatewayApprovedAt = str(connected.updatedAt, 'gateway.updatedAt');
  }

  /** R11: staff activate the cycle (its timeline starts). */
  async activate(api: JourneyApi, { at }: JourneyTime): Promise<void> {
    if (this.plan.activateAt) await at(this.plan.activateAt);
    const activated = await api.expect(200, this.plan.staff, 'POST', `${this.cyclePath}/activate`);
    this.record.dates.activatedAt = str(activated.body.activatedAt, 'activatedAt');
  }

  /** R11-R13: the manager starts the Step 1 self-assessment, answers it question after question, submits it. */
  async selfAssess(api: JourneyApi, { now: clock }: JourneyTime): Promise<void> {
    const { plan, record } = this;
    const manager = plan.manager;
    const today = day(await clock());
    const started = await api.expect(201, manager, 'POST', `${this.factoryPath}/self-assessments`, {
      json: { cycleId: record.cycleId, step: 1 },
    });
    const id = str(started.body.selfAssessmentId, 'selfAssessmentId');
    const version = str(started.body.toolVersion, 'toolVersion');
    record.selfAssessment.selfAssessmentId = id;
    record.selfAssessment.toolVersion = version;
    const bank = await api.expect(200, manager, 'GET', `question-banks/${version}?step=1`);
    const questions = new Map<string, JourneyQuestion>();
    for (const section of bank.body.sections as { subsections: { questions: JourneyQuestion[] }[] }[]) {
      for (const subsection of section.subsections) for (const q of subsection.questions) questions.set(q.id, q);
    }
    const choose = plan.answers ?? plausibleAnswer;
    const stopAt = plan.stopAtPercent ?? 100;
    const overview = await api.expect(200, manager, 'GET', `self-assessments/${id}`);
    let next = overview.body.nextUnansweredQuestionId as string | null;
    let percent = (overview.body.overall as { completedPercent: number }).completedPercent;
    let answered = 0;
    while (next && percent < stopAt) {
      const question = questions.get(next);
      if (!question) throw new Error(`${next} is not a Step 1 question of ${version}`);
      const answer = await api.expect(200, manager, 'PUT', `self-assessments/${id}/answers/${next}`, {
        json: { value: choose(question, today) },
      });
      answered++;
      next = answer.body.nextUnansweredQuestionId as string | null;
      percent = (answer.body.overall as { completedPercent: number }).completedPercent;
      if (answered > questions.size) throw new Error('the self-assessment never runs out of questions');
    }
    record.selfAssessment.answered = answered;
    const submitted = await api.expect(200, manager, 'POST', `self-assessments/${id}/submit`);
    record.selfAssessment.completedPercent = (submitted.body.overall as { completedPercent: number }).completedPercent;
    record.dates.selfAssessmentSubmittedAt = str(submitted.body.submittedAt, 'submittedAt');
  }

  /** R15: the assessor records the assessment with a finding for every question in scope, and completes it. */
  async assess(api: JourneyApi, { at }: JourneyTime): Promise<void> {
    const { plan, record } = this;
    const { assessor } = plan;
    await at(plan.assessment.completeAt);
    const created = await api.expect(201, assessor, 'POST', `${this.cyclePath}/assessment`, {
      json: {
        method: plan.assessment.method,
        firstDay: plan.assessment.firstDay,
        lastDay: plan.assessment.lastDay,
        ...(plan.assessment.assessorIds ? { assessors: plan.assessment.assessorIds } : {}),
      },
    });
    record.assessment.assessmentId = str(created.body.assessmentId, 'assessmentId');
    const scope = (created.body.clusters as { points: { questions: { questionId: string }[] }[] }[]).flatMap((c) =>
      c.points.flatMap((p) => p.questions.map((q) => q.questionId))
    );
    const wanted = plan.assessment.nonCompliant;
    const nonCompliant =
      typeof wanted === 'number'
        ? scope
            .filter((_, i) => wanted > 0 && i % Math.max(1, Math.floor(scope.length / wanted)) === 0)
            .slice(0, wanted)
        : wanted;
    record.assessment.inScope = scope.length;
    record.assessment.nonCompliant = nonCompliant;
    await api.expect(200, assessor, 'POST', `${this.cyclePath}/assessment/findings`, {
      json: {
        findings: scope.map((questionId) =>
          nonCompliant.includes(questionId)
            ? {
                questionId,
                result: 'nonCompliant',
                notes: `Found during the ${plan.assessment.method} (${questionId}).`,
              }
            : { questionId, result: 'compliant' }
        ),
      },
    });
    const completed = await api.expect(200, assessor, 'POST', `${this.cyclePath}/assessment/complete`);
    record.dates.assessmentCompletedAt = str(completed.body.completedAt, 'completedAt');
    record.assessment.releaseDeadline = str((completed.body.release as Json).deadline, 'release.deadline');
  }

  /** R16: staff release the report (the timeline hands it to the transmission, R17). */
  async release(api: JourneyApi, { at }: JourneyTime): Promise<void> {
    await at(this.plan.releaseAt);
    const released = await api.expect(200, this.plan.staff, 'POST', `${this.cyclePath}/report/release`);
    const { record } = this;
    record.report.reportId = str(released.body.reportId, 'reportId');
    record.report.late = (released.body.release as { late: boolean }).late;
    record.report.progressReport1DueOn = str(
      (released.body.improvementPlan as Json).progressReport1DueOn,
      'progressReport1DueOn'
    );
    record.dates.releasedAt = str(released.body.releasedAt, 'releasedAt');
  }

  /** R2: the manager asks to share from the cycle after this one (so R3 has nothing to invite them to). */
  async requestNextCycle(api: JourneyApi, { at }: JourneyTime): Promise<void> {
    if (!this.plan.requestNextCycleAt) return;
    await at(this.plan.requestNextCycleAt);
    const requested = await api.expect(200, this.plan.manager, 'POST', `${this.factoryPath}/slcp-request`);
    this.record.dates.nextCycleRequestedAt = str((requested.body.request as Json).requestedAt, 'request.requestedAt');
  }
}

function profileOf(country: DemoCountry, name: string, managerEmail: string): Json {
  const phone = { BD: '+880', ID: '+62', VN: '+84' }[country];
  const city = { BD: 'Savar', ID: 'Bekasi', VN: 'Binh Duong' }[country];
  return {
    city,
    postalCode: '1349',
    phoneCountryCode: phone,
    phoneNumber: '2 7791 1200',
    facilityEmail: `office@${name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')}.example.com`,
    contactPersonName: 'Compliance Manager',
    contactPersonTitle: 'General Manager',
    contactEmail: managerEmail,
    totalWorkers: 1200,
    femaleWorkers: 780,
    products: 'Woven shirts and knitwear',
  };
}

/**
 * Runs journeys together on the platform's virtual clock, each up to `until` (default: to the end), from where
 * it stands (a `CycleJourney` resumes after its last step; a plan starts a new one). `alongside` runs more tasks
 * on the same clock (an observer that checks what happened at chosen moments, say). Returns the journeys.
 */
export async function runCycleJourneys(
  endpoints: JourneyEndpoints,
  journeys: readonly (CycleJourney | CycleJourneyPlan)[],
  options: { until?: JourneyPhase; alongside?: readonly ((time: JourneyTime) => Promise<void>)[] } = {}
): Promise<CycleJourney[]> {
  const api = new JourneyApi(endpoints);
  const time = new VirtualTime(new DevClock(endpoints.base), () => api.forgetTokens());
  const running = journeys.map((j) => (j instanceof CycleJourney ? j : new CycleJourney(j)));
  await time.run([
    ...running.map((journey) => async (moments: JourneyTime) => {
      await journey.run(api, moments, options.until);
    }),
    ...(options.alongside ?? []),
  ]);
  return running;
}
