// The Gateway simulator's data submissions (docs/gateway.openapi.json, "Data submissions"): it receives
// BW's submissions, idempotent by key (the same key and body answer the first receipt again, another body
// 409), validates each against the contract (422 naming every field) and checks the facility (approved, with
// Better Work as verifier), answers its status by key, and `validationDelay` after the report's release (not
// before receipt) validates it and calls back, signed like the registration callbacks and retried with the same
// backoff, on the project clock. Fault injection (set under /_sim/faults) makes it fail like a real service:
// a share of calls answered 5xx, 429 with Retry-After, no answer at all (the submission recorded, then the
// connection held and dropped), slow answers, malformed answers (recorded, then a broken body), and an outage
// window answering 503 with Retry-After until it ends.
//
// State: an append-only journal `<dataDir>/gateway/submissions.jsonl` (each line fsynced before the answer, a
// torn last line ignored at start), and each payload as `<dataDir>/gateway/submissions/<key>.json`.
import { createHash, randomInt, randomUUID } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { z } from 'zod';
import { postSignedCallback } from './signedCallback';
import { addIsoDuration, type IsoDuration } from '../../shared/domain/isoDuration';
import type { Clock } from '../../shared/ports/clock';
import {
  dataSubmissionSchema,
  gatewaySubmissionEventSchema,
  gatewaySubmissionSchema,
  idempotencyKeyHeader,
  idempotentReplayedHeader,
  submissionKeySchema,
  type GatewaySubmission,
  type GatewaySubmissionEvent,
} from '../../shared/schemas/gateway';
import { seededRandom } from '../processes/seededRandom';

// ---------------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------------

export interface SubmissionFaults {
  /** Share of submission and status calls answered 500, 502 or 503 (nothing recorded). */
  errorRate: number;
  /** Share answered 429 with `Retry-After: retryAfterSeconds` (nothing recorded). */
  rateLimitRate: number;
  retryAfterSeconds: number;
  /** Share that get no answer: a submission is recorded, then the connection is held `hangMs` and dropped. */
  timeoutRate: number;
  hangMs: number;
  /** Share answered only after `slowMs` (then as usual). */
  slowRate: number;
  slowMs: number;
  /** Share whose submission is recorded but answered 200 with a broken body. */
  malformedRate: number;
  /** Until this instant (project clock) every submission and status call answers 503 with Retry-After to its end. */
  outageUntil: string | null;
  /** Validations wait for POST /_sim/submissions/{key}/validate (to see BW chase a missing validation). */
  holdValidation: boolean;
  /** Seeds the fault dice for a repeatable run; random when null. */
  seed: number | null;
  /**
   * Certain faults, whatever the rates: per factory id, the faults its next submission calls meet, in order
   * (each `POST /data-submissions` of the factory takes the first left). Setting it replaces the whole plan.
   */
  scripted: Record<string, ScriptedFault[]>;
}

/**
 * A planned fault of one submission call: `unavailable` 503 and `rateLimit` 429, both with
 * `Retry-After: retryAfterSeconds`; `error` a 5xx; `timeout` the submission recorded, then the connection held
 * `hangMs` and dropped; `malformed` recorded, then a broken body.
 */
export const scriptedFaults = ['unavailable', 'rateLimit', 'error', 'timeout', 'malformed'] as const;
export type ScriptedFault = (typeof scriptedFaults)[number];

export const defaultSubmissionFaults: SubmissionFaults = {
  errorRate: 0,
  rateLimitRate: 0,
  retryAfterSeconds: 1,
  timeoutRate: 0,
  hangMs: 15_000,
  slowRate: 0,
  slowMs: 2_000,
  malformedRate: 0,
  outageUntil: null,
  holdValidation: false,
  seed: null,
  scripted: {},
};

const rate = z.number().min(0).max(1);
export const submissionFaultsSchema = z.strictObject({
  errorRate: rate.optional(),
  rateLimitRate: rate.optional(),
  retryAfterSeconds: z.int().min(0).max(3600).optional(),
  timeoutRate: rate.optional(),
  hangMs: z.int().min(0).max(120_000).optional(),
  slowRate: rate.optional(),
  slowMs: z.int().min(0).max(120_000).optional(),
  malformedRate: rate.optional(),
  outageUntil: z.iso.datetime({ offset: true }).nullable().optional(),
  holdValidation: z.boolean().optional(),
  seed: z.int().nullable().optional(),
  scripted: z.record(z.string().min(1).max(100), z.array(z.enum(scriptedFaults)).max(20)).optional(),
});

export type FaultKind = 'error' | 'unavailable' | 'rateLimit' | 'timeout' | 'malformed' | 'outage';

// ---------------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------------

const isoTime = z.iso.datetime({ offset: true });
const submissionRecord = z.object({
  key: z.string(),
  submissionId: z.string(),
  sha256: z.string(),
  bytes: z.int(),
  gatewayFacilityId: z.string(),
  factoryId: z.string(),
  cycleId: z.string(),
  callbackUrl: z.string(),
  receivedAt: isoTime,
  validationDueAt: isoTime,
  status: z.enum(['RECEIVED', 'VALIDATED', 'VALIDATION_FAILED']),
  validatedAt: isoTime.nullable(),
  validationFailureReason: z.string().nullable(),
  summary: z.record(z.string(), z.number()),
});
export type SubmissionRecord = z.infer<typeof submissionRecord>;

const deliveryRecord = z.object({
  eventId: z.uuid(),
  key: z.string(),
  type: z.string(),
  callbackUrl: z.string(),
  body: z.string(),
  attempts: z.int().nonnegative(),
  status: z.enum(['pending', 'delivered', 'failed']),
  nextAttemptAt: isoTime.nullable(),
  lastError: z.string().nullable(),
  deliveredAt: isoTime.nullable(),
});
type DeliveryRecord = z.infer<typeof deliveryRecord>;

const journalLine = z.discriminatedUnion('op', [
  z.object({ op: z.literal('submission'), record: submissionRecord }),
  z.object({ op: z.literal('delivery'), record: deliveryRecord }),
]);

export interface SubmissionStats {
  /** Submissions created (one per key). */
  received: number;
  /** Repeats of a key with the same body: answered with the first receipt, nothing created. */
  replayed: number;
  /** A key repeated with another body (409). */
  conflicts: number;
  /** Submissions refused (400, 413, 422). */
  refused: number;
  /** A cycle submitted under a second key: a duplicate at the Gateway (must stay 0). */
  duplicates: number;
  /** Faults injected, by kind. */
  faults: Record<FaultKind | 'slow', number>;
}

export interface SubmissionsOptions {
  dataDir: string;
  clock: Clock;
  secret: string;
  /** From the report's release to SLCP's validation (not before receipt). */
  validationDelay: IsoDuration;
  backoff: IsoDuration[];
  callbackTimeoutMs: number;
  /** Whether the Gateway knows this facility (approved, Better Work as verifier). */
  facilityKnown: (gatewayFacilityId: string) => boolean;
  log: (line: string) => void;
  stopping: AbortSignal;
  isClosed: () => boolean;
}

export const maxSubmissionBodyBytes = 4 * 1024 * 1024;

const idAlphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const randomId = (length: number) => Array.from({ length }, () => idAlphabet[randomInt(idAlphabet.length)]).join('');

function problem(status: number, title: string, detail: string, errors?: { pointer: string; detail: string }[]) {
  return { type: 'about:blank', title, status, detail, ...(errors ? { errors } : {}) };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res
    .writeHead(status, {
      'content-type': status >= 400 ? 'application/problem+json' : 'application/json',
      'cache-control': 'no-store',
      ...headers,
    })
    .end(JSON.stringify(body));
}

export class SubmissionDesk {
  private readonly submissions = new Map<string, SubmissionRecord>();
  private readonly deliveries = new Map<string, DeliveryRecord>();
  private readonly cycles = new Map<string, string>();
  readonly faults: SubmissionFaults = { ...defaultSubmissionFaults, scripted: {} };
  private dice: () => number = Math.random;
  readonly stats: SubmissionStats = {
    received: 0,
    replayed: 0,
    conflicts: 0,
    refused: 0,
    duplicates: 0,
    faults: { error: 0, unavailable: 0, rateLimit: 0, timeout: 0, malformed: 0, outage: 0, slow: 0 },
  };
  private readonly journal: string;
  private readonly payloadDir: string;

  constructor(private readonly options: SubmissionsOptions) {
    const dir = join(options.dataDir, 'gateway');
    this.payloadDir = join(dir, 'submissions');
    mkdirSync(this.payloadDir, { recursive: true });
    this.journal = join(dir, 'submissions.jsonl');
    this.load();
  }

  private load(): void {
    if (!existsSync(this.journal)) return;
    const lines = readFileSync(this.journal, 'utf8').split('\n');
    for (const [i, line] of lines.entries()) {
      if (line.trim() === '') continue;
      let parsed;
      try {
        parsed = journalLine.safeParse(JSON.parse(line));
      } catch {
        parsed = undefined;
      }
      if (!parsed?.success) {
        if (i >= lines.length - 2) break; // a torn last line: the write it belongs to never answered
        throw new Error(`${this.journal} line ${i + 1} is not a submission journal entry`);
      }
      if (parsed.data.op === 'submission') {
        this.submissions.set(parsed.data.record.key, parsed.data.record);
        this.cycles.set(`${parsed.data.record.factoryId}|${parsed.data.record.cycleId}`, parsed.data.record.key);
      } else this.deliveries.set(parsed.data.record.eventId, parsed.data.record);
    }
  }

  private append(entry: z.infer<typeof journalLine>): void {
    const fd = openSync(this.journal, 'a', 0o600);
    try {
      appendFileSync(fd, `${JSON.stringify(entry)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  private now(): Date {
    return this.options.clock.now();
  }

  setFaults(change: z.infer<typeof submissionFaultsSchema>): void {
    Object.assign(this.faults, change);
    if (change.scripted !== undefined) {
      this.faults.scripted = Object.fromEntries(Object.entries(change.scripted).map(([id, list]) => [id, [...list]]));
    }
    if (change.seed !== undefined) this.dice = change.seed === null ? Math.random : seededRandom(change.seed);
  }

  // ----- the contract ------------------------------------------------------------------------------

  /** The fault this call meets, if any (and whether it is slow). */
  private roll(): { fault: FaultKind | undefined; slow: boolean } {
    const f = this.faults;
    if (f.outageUntil && Date.parse(f.outageUntil) > this.now().getTime()) return { fault: 'outage', slow: false };
    const r = this.dice();
    const slow = f.slowRate > 0 && this.dice() < f.slowRate;
    let edge = f.errorRate;
    if (r < edge) return { fault: 'error', slow };
    edge += f.rateLimitRate;
    if (r < edge) return { fault: 'rateLimit', slow };
    edge += f.timeoutRate;
    if (r < edge) return { fault: 'timeout', slow };
    edge += f.malformedRate;
    if (r < edge) return { fault: 'malformed', slow };
    return { fault: undefined, slow };
  }

  /** The scripted fault the next submission call of the body's factory meets, taken off the plan; if any. */
  private takeScripted(body: Buffer | 'tooLarge'): FaultKind | undefined {
    if (body === 'tooLarge') return undefined;
    let factoryId: unknown;
    try {
      factoryId = (JSON.parse(body.toString('utf8')) as { facility?: { factoryId?: unknown } }).facility?.factoryId;
    } catch {
      return undefined;
    }
    if (typeof factoryId !== 'string') return undefined;
    const plan = this.faults.scripted[factoryId];
    const fault = plan?.shift();
    if (plan && plan.length === 0) delete this.faults.scripted[factoryId];
    return fault;
  }

  /** Answers a fault that keeps the call from being processed; true when it answered. */
  private async before(res: ServerResponse, fault: FaultKind | undefined, slow: boolean): Promise<boolean> {
    if (slow) {
      this.stats.faults.slow++;
      await new Promise((resolve) => setTimeout(resolve, this.faults.slowMs).unref());
    }
    if (fault === 'outage') {
      this.stats.faults.outage++;
      const seconds = Math.max(1, Math.ceil((Date.parse(this.faults.outageUntil!) - this.now().getTime()) / 1000));
      send(res, 503, problem(503, 'Service Unavailable', 'The Gateway is down for maintenance.'), {
        'retry-after': String(seconds),
      });
      return true;
    }
    if (fault === 'error') {
      this.stats.faults.error++;
      const status = [500, 502, 503][Math.floor(this.dice() * 3)]!;
      send(res, status, problem(status, 'Server Error', 'Fault injected: the Gateway failed.'));
      return true;
    }
    if (fault === 'unavailable') {
      this.stats.faults.unavailable++;
      send(res, 503, problem(503, 'Service Unavailable', 'Fault injected: the Gateway is unavailable.'), {
        'retry-after': String(this.faults.retryAfterSeconds),
      });
      return true;
    }
    if (fault === 'rateLimit') {
      this.stats.faults.rateLimit++;
      send(res, 429, problem(429, 'Too Many Requests', 'Fault injected: slow down.'), {
        'retry-after': String(this.faults.retryAfterSeconds),
      });
      return true;
    }
    return false;
  }

  /** Answers after processing: the normal answer, or a fault that hides it. */
  private async after(
    res: ServerResponse,
    fault: FaultKind | undefined,
    status: number,
    body: unknown,
    headers: Record<string, string> = {}
  ): Promise<void> {
    if (fault === 'timeout' && status < 300) {
      this.stats.faults.timeout++;
      await new Promise((resolve) => setTimeout(resolve, this.faults.hangMs).unref());
      res.destroy();
      return;
    }
    if (fault === 'malformed' && status < 300) {
      this.stats.faults.malformed++;
      res
        .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify(body).slice(0, 17));
      return;
    }
    send(res, status, body, headers);
  }

  view(record: SubmissionRecord): GatewaySubmission {
    return gatewaySubmissionSchema.parse({
      submissionId: record.submissionId,
      idempotencyKey: record.key,
      status: record.status,
      gatewayFacilityId: record.gatewayFacilityId,
      assessmentStatus: record.status === 'VALIDATED' ? 'VRF' : 'VRP',
      receivedAt: record.receivedAt,
      validationExpectedBy: record.validationDueAt,
      validatedAt: record.validatedAt,
      validationFailureReason: record.validationFailureReason,
    });
  }

  /** VRF once a submission of the facility is validated, VRP while one waits; undefined without any. */
  assessmentStatusOf(gatewayFacilityId: string): 'VRP' | 'VRF' | undefined {
    let status: 'VRP' | 'VRF' | undefined;
    for (const record of this.submissions.values()) {
      if (record.gatewayFacilityId !== gatewayFacilityId) continue;
      if (record.status === 'VALIDATED') return 'VRF';
      status = 'VRP';
    }
    return status;
  }

  /** POST /data-submissions (the bearer token is checked by the caller). */
  async submit(req: IncomingMessage, res: ServerResponse, body: Buffer | 'tooLarge'): Promise<void> {
    const scripted = this.takeScripted(body);
    const { fault, slow } = scripted ? { fault: scripted, slow: false } : this.roll();
    if (await this.before(res, fault, slow)) return;
    const refuse = (status: number, title: string, detail: string, errors?: { pointer: string; detail: string }[]) => {
      this.stats.refused++;
      send(res, status, problem(status, title, detail, errors));
    };
    if (body === 'tooLarge') {
      return refuse(413, 'Content Too Large', `The body is larger than ${maxSubmissionBodyBytes / 1024 / 1024} MiB.`);
    }
    const keyHeader = req.headers[idempotencyKeyHeader];
    const key = submissionKeySchema.safeParse(Array.isArray(keyHeader) ? undefined : keyHeader);
    if (!key.success) return refuse(400, 'Bad Request', 'Send one Idempotency-Key: the transmission id.');
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/json') return refuse(415, 'Unsupported Media Type', 'Send JSON.');
    const text = body.toString('utf8');
    const sha256 = createHash('sha256').update(body).digest('hex');
    const existing = this.submissions.get(key.data);
    if (existing) {
      if (existing.sha256 !== sha256) {
        this.stats.conflicts++;
        return send(
          res,
          409,
          problem(409, 'Conflict', `Idempotency-Key ${key.data} was used with another body (${existing.submissionId}).`)
        );
      }
      this.stats.replayed++;
      return this.after(res, fault, 200, this.view(existing), { [idempotentReplayedHeader]: 'true' });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return refuse(400, 'Bad Request', 'The body is not JSON.');
    }
    const parsed = dataSubmissionSchema.safeParse(json);
    if (!parsed.success) {
      const errors = parsed.error.issues
        .slice(0, 100)
        .map((i) => ({ pointer: `/${i.path.map(String).join('/')}`, detail: i.message }));
      return refuse(422, 'Unprocessable Content', 'The submission does not match the contract.', errors);
    }
    const submission = parsed.data;
    if (submission.transmissionId !== key.data) {
      return refuse(400, 'Bad Request', 'The Idempotency-Key must equal the transmissionId of the body.');
    }
    if (!this.options.facilityKnown(submission.gatewayFacilityId)) {
      return refuse(
        422,
        'Unprocessable Content',
        `No approved facility ${submission.gatewayFacilityId} has Better Work as its verifier.`,
        [{ pointer: '/gatewayFacilityId', detail: 'not an approved facility with Better Work as verifier' }]
      );
    }
    const now = this.now();
    const released = new Date(submission.report.releasedAt);
    const due = addIsoDuration(released, this.options.validationDelay);
    let submissionId: string;
    do submissionId = `SUB-${randomId(10)}`;
    while ([...this.submissions.values()].some((s) => s.submissionId === submissionId));
    const record: SubmissionRecord = {
      key: key.data,
      submissionId,
      sha256,
      bytes: body.length,
      gatewayFacilityId: submission.gatewayFacilityId,
      factoryId: submission.facility.factoryId,
      cycleId: submission.cycle.cycleId,
      callbackUrl: submission.callbackUrl,
      receivedAt: now.toISOString(),
      validationDueAt: (due.getTime() > now.getTime() ? due : now).toISOString(),
      status: 'RECEIVED',
      validatedAt: null,
      validationFailureReason: null,
      summary: { ...submission.summary },
    };
    writeFileSync(join(this.payloadDir, `${key.data}.json`), text, { mode: 0o600 });
    this.append({ op: 'submission', record });
    this.submissions.set(record.key, record);
    const cycleKey = `${record.factoryId}|${record.cycleId}`;
    if (this.cycles.has(cycleKey)) this.stats.duplicates++;
    else this.cycles.set(cycleKey, record.key);
    this.stats.received++;
    this.options.log(
      `submission ${submissionId} (key ${record.key}, ${record.bytes} bytes) received; validation due ${record.validationDueAt}`
    );
    await this.after(res, fault, 202, this.view(record));
  }

  /** GET /data-submissions/{key}. */
  async status(res: ServerResponse, key: string): Promise<void> {
    const { fault, slow } = this.roll();
    if (await this.before(res, fault, slow)) return;
    let record = this.submissions.get(key);
    if (!record) return send(res, 404, problem(404, 'Not Found', `Nothing was submitted with the key ${key}.`));
    // The Gateway's answer follows its clock: a validation due by now has happened, even when the clock's
    // wake-up for it (which also sends the callback) has not run yet at this very instant.
    if (
      !this.faults.holdValidation &&
      record.status === 'RECEIVED' &&
      Date.parse(record.validationDueAt) <= this.now().getTime()
    ) {
      this.settle(record, { validated: true });
      record = this.submissions.get(key)!;
    }
    await this.after(res, fault, 200, this.view(record));
  }

  // ----- /_sim -------------------------------------------------------------------------------------

  list() {
    return {
      stats: this.stats,
      submissions: [...this.submissions.values()].map((record) => ({
        ...record,
        deliveries: this.deliveriesOf(record.key),
      })),
    };
  }

  one(key: string) {
    const record = this.submissions.get(key);
    if (!record) return undefined;
    const file = join(this.payloadDir, `${key}.json`);
    const payload = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as unknown) : null;
    return { ...record, deliveries: this.deliveriesOf(key), payload };
  }

  private deliveriesOf(key: string) {
    return [...this.deliveries.values()]
      .filter((d) => d.key === key)
      .map(({ body, ...d }) => ({ ...d, event: JSON.parse(body) as unknown }));
  }

  /** Validates (or refuses) now; 404 unknown, 409 when decided already. */
  decide(key: string, decision: { validated: true } | { validated: false; reason: string }): 404 | 409 | 200 {
    const record = this.submissions.get(key);
    if (!record) return 404;
    if (record.status !== 'RECEIVED') return 409;
    this.settle(record, decision);
    return 200;
  }

  // ----- the clock ---------------------------------------------------------------------------------

  nextDue(): number | undefined {
    let earliest: number | undefined;
    const consider = (iso: string | null) => {
      if (iso === null) return;
      const at = Date.parse(iso);
      if (earliest === undefined || at < earliest) earliest = at;
    };
    if (!this.faults.holdValidation) {
      for (const r of this.submissions.values()) if (r.status === 'RECEIVED') consider(r.validationDueAt);
    }
    for (const d of this.deliveries.values()) if (d.status === 'pending') consider(d.nextAttemptAt);
    return earliest;
  }

  /** Validations due, then deliveries due (one at a time; the simulator serialises calls). */
  async runDue(): Promise<void> {
    const now = this.now().getTime();
    if (!this.faults.holdValidation) {
      for (const record of this.submissions.values()) {
        if (record.status === 'RECEIVED' && Date.parse(record.validationDueAt) <= now) {
          this.settle(record, { validated: true });
        }
      }
    }
    const due = [...this.deliveries.values()]
      .filter(
        (d) => d.status === 'pending' && d.nextAttemptAt !== null && Date.parse(d.nextAttemptAt) <= this.now().getTime()
      )
      .sort((a, b) => Date.parse(a.nextAttemptAt!) - Date.parse(b.nextAttemptAt!));
    for (const delivery of due) {
      if (this.options.isClosed()) return;
      await this.attempt(delivery);
    }
  }

  private settle(record: SubmissionRecord, decision: { validated: true } | { validated: false; reason: string }): void {
    const at = this.now().toISOString();
    const updated: SubmissionRecord = decision.validated
      ? { ...record, status: 'VALIDATED', validatedAt: at }
      : { ...record, status: 'VALIDATION_FAILED', validationFailureReason: decision.reason };
    const base = {
      eventId: randomUUID(),
      occurredAt: at,
      submissionId: record.submissionId,
      idempotencyKey: record.key,
      gatewayFacilityId: record.gatewayFacilityId,
      factoryId: record.factoryId,
      cycleId: record.cycleId,
    };
    // Parsed with the contract's schema: the simulator cannot send an event the contract does not allow.
    const event: GatewaySubmissionEvent = gatewaySubmissionEventSchema.parse(
      decision.validated
        ? { ...base, type: 'submission.validated', assessmentStatus: 'VRF' }
        : { ...base, type: 'submission.validationFailed', reason: decision.reason }
    );
    const delivery: DeliveryRecord = {
      eventId: event.eventId,
      key: record.key,
      type: event.type,
      callbackUrl: record.callbackUrl,
      body: JSON.stringify(event),
      attempts: 0,
      status: 'pending',
      nextAttemptAt: at,
      lastError: null,
      deliveredAt: null,
    };
    this.append({ op: 'submission', record: updated });
    this.append({ op: 'delivery', record: delivery });
    this.submissions.set(record.key, updated);
    this.deliveries.set(delivery.eventId, delivery);
    this.options.log(`submission ${record.submissionId} ${updated.status.toLowerCase()}`);
  }

  private async attempt(delivery: DeliveryRecord): Promise<void> {
    const attempt = delivery.attempts + 1;
    const result = await postSignedCallback({
      callbackUrl: delivery.callbackUrl,
      eventId: delivery.eventId,
      body: delivery.body,
      secret: this.options.secret,
      now: this.now(),
      timeoutMs: this.options.callbackTimeoutMs,
      stopping: this.options.stopping,
    });
    if (result?.requestFailed && this.options.isClosed()) return;
    const failure = result?.failure;
    const at = this.now();
    const maxAttempts = this.options.backoff.length + 1;
    const updated: DeliveryRecord =
      failure === undefined
        ? {
            ...delivery,
            attempts: attempt,
            status: 'delivered',
            deliveredAt: at.toISOString(),
            nextAttemptAt: null,
            lastError: null,
          }
        : attempt >= maxAttempts
          ? { ...delivery, attempts: attempt, status: 'failed', nextAttemptAt: null, lastError: failure }
          : {
              ...delivery,
              attempts: attempt,
              nextAttemptAt: addIsoDuration(at, this.options.backoff[attempt - 1]!).toISOString(),
              lastError: failure,
            };
    this.append({ op: 'delivery', record: updated });
    this.deliveries.set(updated.eventId, updated);
    this.options.log(
      `${delivery.type} ${delivery.eventId} of ${delivery.key} ${failure === undefined ? 'delivered' : `failed (attempt ${attempt}: ${failure})`}`
    );
  }
}
