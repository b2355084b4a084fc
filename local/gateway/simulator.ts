// The SLCP Gateway simulator: the Gateway side of docs/gateway.openapi.json on its own HTTP server and
// port, for the local platform and the contract tests. It keeps its registrations in
// <dataDir>/gateway/registrations.json (replaced atomically, so they survive restarts and kill -9),
// approves a registration `approvalDelay` after its submission on the project clock (a WakeupSource, so a
// virtual clock jump fires it), and delivers signed callbacks with bounded retries, each retry also on
// the clock. Local only: nothing in functions/ or shared/ imports it.
//
//   GET  /facility-registration?state=…       the Facility Information Form (HTML)
//   POST /facility-registration               submit it (form fields or JSON)
//   GET  /facility-registrations/{id}         a registration (bearer token)
//   GET  /facilities/{gatewayFacilityId}      an approved facility (bearer token)
//   GET  /_sim/registrations                  dev/test: every registration with its callback deliveries
//   POST /_sim/registrations/{id}/approve     dev/test: approve now (the real clock would take `approvalDelay`)
//   POST /_sim/registrations/{id}/reject      dev/test: {"reason": "..."} → facility.rejected
//   POST /data-submissions                    a cycle's data (bearer token, Idempotency-Key; R17)
//   GET  /data-submissions/{key}              a submission's validation status (bearer token; R18)
//   GET  /_sim/submissions[/{key}]            dev/test: submissions, their callbacks and stats (one with its payload)
//   POST /_sim/submissions/{key}/validate     dev/test: SLCP validates it now → submission.validated
//   POST /_sim/submissions/{key}/fail-validation  dev/test: {"reason": "..."} → submission.validationFailed
//   GET|POST /_sim/faults                     dev/test: {"failNextCallbacks": n, "delayMs": n} and the submission
//                                             faults of ./submissions.ts (errorRate, rateLimitRate, timeoutRate,
//                                             slowRate, malformedRate, outageUntil, holdValidation, seed, ...;
//                                             "scripted": {factoryId: ["unavailable", "timeout", ...]} for certain ones)
//   POST /_sim/down                           dev/test: {"forMs": n} the Gateway goes really down: it stops listening
//                                             and drops every connection, and listens again on its port n ms later
//                                             (real time); its own callbacks and timers go on meanwhile
import { randomInt, randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import {
  RegistrationStateRejected,
  verifyGatewayApiToken,
  verifyRegistrationState,
} from '../../shared/adapters/gateway/gatewayClient';
import { addIsoDuration, parseIsoDuration, type IsoDuration } from '../../shared/domain/isoDuration';
import type { Clock } from '../../shared/ports/clock';
import {
  assessmentStatusSchema,
  betterWorkVerifier,
  facilityRegistrationFormSchema,
  facilityRegistrationSchema,
  gatewayCallbackEventSchema,
  gatewayFacilityIdSchema,
  gatewayFacilitySchema,
  gatewaySharedSecretSchema,
  registrationAcceptedSchema,
  registrationIdSchema,
  registrationStatusSchema,
  sameEmail,
  type FacilityRegistrationForm,
  type GatewayCallbackEvent,
  type RegistrationState,
} from '../../shared/schemas/gateway';
import { CorruptDataError, HostStartError } from '../errors';
import type { WakeupSource } from '../timers/scheduler';
import { postSignedCallback } from './signedCallback';
import { maxSubmissionBodyBytes, SubmissionDesk, submissionFaultsSchema, type SubmissionFaults } from './submissions';

export interface GatewaySimulatorFaults {
  /** The next n callback delivery attempts fail on the Gateway's side (nothing is sent); they are retried. */
  failNextCallbacks: number;
  /** Every answer of the Gateway's own endpoints (form, look-ups) waits this long; `/_sim` never waits. */
  delayMs: number;
}

export interface GatewaySimulatorOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The shared secret (at least 32 characters), the same the app has as GATEWAY_SHARED_SECRET. */
  secret: string;
  /** The project clock (the local host's, real or virtual). */
  clock: Clock;
  /** From submission to SLCP approval, ISO 8601; 'P2D' by default ("up to 3 days"). */
  approvalDelay?: string;
  /** The local data folder; the simulator keeps its state in <dataDir>/gateway. */
  dataDir: string;
  log: (line: string) => void;
  faults?: Partial<GatewaySimulatorFaults>;
  /** Per callback attempt; 10 s by default. */
  callbackTimeoutMs?: number;
  /** Waits between callback attempts, ISO 8601; one more attempt than entries. Default 1 min, 5 min, 30 min, 2 h. */
  callbackRetryBackoff?: string[];
  /**
   * From a report's release to SLCP's validation of its data (not before the submission arrives), ISO 8601;
   * 'P15D' by default: R18's 15 days; Better Work asks and chases only a day later (validationCheckGrace).
   */
  validationDelay?: string;
  /** Accept submissions for facilities it never approved (a benchmark's factories); false by default. */
  acceptUnknownFacilities?: boolean;
  /** Submission faults to start with (see ./submissions.ts). */
  submissionFaults?: Partial<SubmissionFaults>;
}

export interface GatewaySimulator {
  port: number;
  baseUrl: string;
  /** Add it to the local host's scheduler: approvals and callback retries are due on the project clock. */
  wakeups: WakeupSource;
  close(): Promise<void>;
}

export const defaultApprovalDelay = 'P2D';
export const defaultValidationDelay = 'P15D';
export const defaultCallbackRetryBackoff = ['PT1M', 'PT5M', 'PT30M', 'PT2H'];
const maxBodyBytes = 64 * 1024;
const maxTimerMs = 60_000;

// ---------------------------------------------------------------------------------------------------
// State on disk
// ---------------------------------------------------------------------------------------------------

const isoTime = z.iso.datetime({ offset: true });
const registrationRecord = z.object({
  registrationId: registrationIdSchema,
  status: registrationStatusSchema,
  factoryId: z.string(),
  jti: z.string(),
  email: z.string(),
  callbackUrl: z.string(),
  facility: z.object({
    facilityName: z.string(),
    address: z.string(),
    country: z.string(),
    osHubId: z.string().nullable(),
  }),
  submittedAt: isoTime,
  approvalDueAt: isoTime,
  decidedAt: isoTime.nullable(),
  gatewayFacilityId: gatewayFacilityIdSchema.nullable(),
  rejectionReason: z.string().nullable(),
  assessmentStatus: assessmentStatusSchema.nullable(),
});
type RegistrationRecord = z.infer<typeof registrationRecord>;

const deliveryRecord = z.object({
  eventId: z.uuid(),
  registrationId: z.string(),
  type: z.string(),
  callbackUrl: z.string(),
  /** The exact bytes sent on every attempt. */
  body: z.string(),
  createdAt: isoTime,
  attempts: z.int().nonnegative(),
  status: z.enum(['pending', 'delivered', 'failed']),
  nextAttemptAt: isoTime.nullable(),
  lastError: z.string().nullable(),
  deliveredAt: isoTime.nullable(),
});
type DeliveryRecord = z.infer<typeof deliveryRecord>;

const stateFileSchema = z.object({
  version: z.literal(1),
  registrations: z.array(registrationRecord),
  deliveries: z.array(deliveryRecord),
});
type StateFile = z.infer<typeof stateFileSchema>;

function loadState(file: string): StateFile {
  if (!existsSync(file)) return { version: 1, registrations: [], deliveries: [] };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new CorruptDataError(file, 'is not valid JSON');
  }
  const parsed = stateFileSchema.safeParse(json);
  if (!parsed.success) throw new CorruptDataError(file, 'is not a Gateway simulator state of this version');
  return parsed.data;
}

/** Writes a temporary file, fsyncs it, renames it over the old one: a reader sees the old or the new state. */
function saveState(file: string, state: StateFile): void {
  const temp = `${file}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(state, null, 2));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
  try {
    const dir = openSync(dirname(file), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // Directory fsync is not supported everywhere (Windows); the rename is still atomic.
  }
}

// ---------------------------------------------------------------------------------------------------
// HTML (English, no external assets; the Gateway is English-only)
// ---------------------------------------------------------------------------------------------------

const countries: [string, string][] = [
  ['BD', 'Bangladesh'],
  ['ID', 'Indonesia'],
  ['VN', 'Viet Nam'],
  ['KH', 'Cambodia'],
  ['CN', 'China'],
  ['EG', 'Egypt'],
  ['ET', 'Ethiopia'],
  ['HT', 'Haiti'],
  ['IN', 'India'],
  ['JO', 'Jordan'],
  ['LK', 'Sri Lanka'],
  ['MM', 'Myanmar'],
  ['NI', 'Nicaragua'],
  ['PK', 'Pakistan'],
  ['TR', 'Turkiye'],
];

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} - SLCP Gateway</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
header { border-bottom: 2px solid #0b5394; margin-bottom: 1.5rem; }
label { display: block; font-weight: 600; margin-top: 1rem; }
input, select, textarea { width: 100%; padding: .5rem; font: inherit; box-sizing: border-box; }
.hint { color: #555; font-size: .9rem; margin: .25rem 0 0; }
.error { color: #a40000; font-weight: 600; margin: .25rem 0 0; }
.fixed { background: #eef3f8; padding: .75rem; border-radius: .25rem; margin-top: 1rem; }
button { margin-top: 1.5rem; padding: .6rem 1.5rem; font: inherit; background: #0b5394; color: #fff; border: 0; border-radius: .25rem; }
</style>
</head>
<body>
<header><p><strong>SLCP Gateway</strong> (simulator)</p></header>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

function messagePage(title: string, paragraphs: string[]): string {
  return page(title, paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n'));
}

type FormField = 'facilityName' | 'address' | 'country' | 'contactEmail' | 'osHubId' | 'verifier' | 'form';

function formPage(
  state: string,
  claims: RegistrationState,
  values: Record<string, string>,
  errors: Partial<Record<FormField, string>>
) {
  const value = (name: string) => escapeHtml(values[name] ?? '');
  const error = (name: FormField) =>
    errors[name] ? `<p class="error" id="${name}-error">${escapeHtml(errors[name])}</p>` : '';
  const selected = values.country ?? '';
  const options = [
    `<option value=""${selected ? '' : ' selected'}>Choose the country</option>`,
    ...countries.map(
      ([code, name]) => `<option value="${code}"${code === selected ? ' selected' : ''}>${escapeHtml(name)}</option>`
    ),
  ].join('');
  return page(
    'Facility Information Form',
    `<p>Register your facility with SLCP. Fill in every field marked required and submit the form for approval.</p>
${error('form')}
<form method="post" action="/facility-registration">
<input type="hidden" name="state" value="${escapeHtml(state)}">
<label for="facilityName">Facility name (required)</label>
<input id="facilityName" name="facilityName" required maxlength="200" value="${value('facilityName')}">
<p class="hint">As written on the facility's business licence.</p>
${error('facilityName')}
<label for="address">Facility address (required)</label>
<textarea id="address" name="address" required maxlength="500" rows="3">${value('address')}</textarea>
<p class="hint">SLCP keeps one facility profile per address.</p>
${error('address')}
<label for="country">Country (required)</label>
<select id="country" name="country" required>${options}</select>
${error('country')}
<label for="contactEmail">Contact email (required)</label>
<input id="contactEmail" name="contactEmail" type="email" required maxlength="254" value="${value('contactEmail')}">
<p class="hint">Use the same email address as on the Better Work platform (${escapeHtml(claims.email)}). A different address is refused.</p>
${error('contactEmail')}
<label for="osHubId">Open Supply Hub ID (optional)</label>
<input id="osHubId" name="osHubId" maxlength="15" placeholder="BD2019085HK3WN1" value="${value('osHubId')}">
${error('osHubId')}
<div class="fixed" id="verifier">
<strong>Verifier: Better Work</strong>
<p class="hint">Set by the Better Work platform for this registration; it cannot be changed.</p>
</div>
${error('verifier')}
<button type="submit">Submit for approval</button>
</form>`
  );
}

const htmlHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, htmlHeaders).end(html);
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const contentType = status >= 400 ? 'application/problem+json' : 'application/json';
  res
    .writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', ...extra })
    .end(JSON.stringify(body));
}

const problemTitles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function problem(status: number, detail: string, errors?: { pointer: string; detail: string }[]) {
  return {
    type: 'about:blank',
    title: problemTitles[status] ?? 'Error',
    status,
    detail,
    ...(errors ? { errors } : {}),
  };
}

function sendProblem(res: ServerResponse, status: number, detail: string, extra: Record<string, string> = {}): void {
  sendJson(res, status, problem(status, detail), extra);
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit = maxBodyBytes): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => (tooLarge ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------------
// The simulator
// ---------------------------------------------------------------------------------------------------

const idAlphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const randomId = (length: number) => Array.from({ length }, () => idAlphabet[randomInt(idAlphabet.length)]).join('');
const normalizedAddress = (address: string, country: string) =>
  `${country}|${address
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()}`;

const faultsSchema = submissionFaultsSchema.extend({
  failNextCallbacks: z.int().min(0).max(1000).optional(),
  delayMs: z.int().min(0).max(120_000).optional(),
});
const rejectSchema = z.strictObject({ reason: z.string().trim().min(1).max(2000) });
const downSchema = z.strictObject({ forMs: z.int().min(1).max(600_000) });

class Simulator {
  readonly file: string;
  private state: StateFile;
  readonly faults: GatewaySimulatorFaults;
  private readonly approvalDelay: IsoDuration;
  private readonly backoff: IsoDuration[];
  private readonly callbackTimeoutMs: number;
  private queue: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private lastRunFailed = false;
  private readonly stopping = new AbortController();
  readonly desk: SubmissionDesk;
  closed = false;

  constructor(private readonly options: GatewaySimulatorOptions) {
    if (!gatewaySharedSecretSchema.safeParse(options.secret).success) {
      throw new HostStartError('the Gateway simulator needs a shared secret of at least 32 characters');
    }
    const delay = parseIsoDuration(options.approvalDelay ?? defaultApprovalDelay);
    if (!delay) {
      throw new HostStartError(
        `bad Gateway approval delay '${options.approvalDelay}': use an ISO 8601 duration such as P2D`
      );
    }
    this.approvalDelay = delay;
    const backoff = (options.callbackRetryBackoff ?? defaultCallbackRetryBackoff).map((d) => parseIsoDuration(d));
    if (backoff.some((d) => d === undefined)) {
      throw new HostStartError('bad Gateway callback retry backoff: use ISO 8601 durations such as PT1M');
    }
    this.backoff = backoff as IsoDuration[];
    this.callbackTimeoutMs = options.callbackTimeoutMs ?? 10_000;
    this.faults = { failNextCallbacks: 0, delayMs: 0, ...options.faults };
    const dir = join(options.dataDir, 'gateway');
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'registrations.json');
    this.state = loadState(this.file);
    const validationDelay = parseIsoDuration(options.validationDelay ?? defaultValidationDelay);
    if (!validationDelay) {
      throw new HostStartError(`bad Gateway validation delay '${options.validationDelay}': use an ISO 8601 duration`);
    }
    try {
      this.desk = new SubmissionDesk({
        dataDir: options.dataDir,
        clock: options.clock,
        secret: options.secret,
        validationDelay,
        backoff: this.backoff,
        callbackTimeoutMs: this.callbackTimeoutMs,
        facilityKnown: (id) =>
          options.acceptUnknownFacilities === true ||
          this.state.registrations.some((r) => r.gatewayFacilityId === id && r.status === 'APPROVED'),
        log: (line) => this.log(line),
        stopping: this.stopping.signal,
        isClosed: () => this.closed,
      });
    } catch (error) {
      throw new CorruptDataError(join(dir, 'submissions.jsonl'), (error as Error).message);
    }
    if (options.submissionFaults) this.desk.setFaults(options.submissionFaults);
  }

  /** The faults as /_sim/faults shows them. */
  faultsView() {
    return { ...this.faults, ...this.desk.faults };
  }

  get maxAttempts(): number {
    return this.backoff.length + 1;
  }

  private log(line: string): void {
    this.options.log(`gateway: ${line}`);
  }

  private save(): void {
    saveState(this.file, this.state);
  }

  private now(): Date {
    return this.options.clock.now();
  }

  // ----- the clock ---------------------------------------------------------------------------------

  readonly wakeups: WakeupSource = {
    name: 'SLCP Gateway simulator',
    nextDue: () => this.nextDue(),
    fireDue: (now) => this.fireDue(now),
  };

  private nextDue(): Date | undefined {
    if (this.closed) return undefined;
    let earliest: number | undefined;
    const consider = (iso: string | null) => {
      if (iso === null) return;
      const at = Date.parse(iso);
      if (earliest === undefined || at < earliest) earliest = at;
    };
    for (const r of this.state.registrations) if (r.status === 'PENDING_APPROVAL') consider(r.approvalDueAt);
    for (const d of this.state.deliveries) if (d.status === 'pending') consider(d.nextAttemptAt);
    const desk = this.desk.nextDue();
    if (desk !== undefined && (earliest === undefined || desk < earliest)) earliest = desk;
    return earliest === undefined ? undefined : new Date(earliest);
  }

  /** One thing at a time: approvals, deliveries and their bookkeeping never interleave. */
  private serial(work: () => Promise<void>): Promise<void> {
    const run = this.queue.then(work);
    this.queue = run.then(
      () => {
        this.lastRunFailed = false;
      },
      (error: unknown) => {
        this.lastRunFailed = true;
        this.log(`error: ${(error as Error)?.message ?? String(error)}`);
      }
    );
    return this.queue.finally(() => this.arm());
  }

  private fireDue(now: Date): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.serial(async () => {
      for (const registration of this.state.registrations) {
        if (registration.status === 'PENDING_APPROVAL' && Date.parse(registration.approvalDueAt) <= now.getTime()) {
          this.approve(registration);
        }
      }
      // The clock's now, not `now`: an approval just made enqueued its callback a moment after `now`, and it
      // must go out within this wake-up (before the clock moves on), not on a timer after it.
      await this.deliverDue(this.now());
      await this.desk.runDue();
    });
  }

  /** Deliveries due now go out without waiting for the scheduler. */
  private kick(): void {
    void this.serial(async () => {
      await this.deliverDue(this.now());
      await this.desk.runDue();
    });
  }

  /**
   * The host's scheduler wakes sources on a virtual jump, but is not told when a source gains a new due
   * time; this timer covers the real passing of time (at most a minute between checks, as the scheduler).
   */
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const due = this.nextDue();
    if (!due || this.closed) return;
    const wait = Math.min(Math.max(due.getTime() - this.now().getTime(), this.lastRunFailed ? 5_000 : 0), maxTimerMs);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.fireDue(this.now());
    }, wait);
    this.timer.unref();
  }

  // ----- registrations -----------------------------------------------------------------------------

  private findRegistration(id: string): RegistrationRecord | undefined {
    return this.state.registrations.find((r) => r.registrationId === id);
  }

  private register(claims: RegistrationState, form: FacilityRegistrationForm): RegistrationRecord {
    const now = this.now();
    let registrationId: string;
    do registrationId = `REG-${randomId(10)}`;
    while (this.findRegistration(registrationId));
    const registration: RegistrationRecord = {
      registrationId,
      status: 'PENDING_APPROVAL',
      factoryId: claims.factoryId,
      jti: claims.jti,
      email: form.contactEmail,
      callbackUrl: claims.callbackUrl,
      facility: {
        facilityName: form.facilityName,
        address: form.address,
        country: form.country,
        osHubId: form.osHubId ?? null,
      },
      submittedAt: now.toISOString(),
      approvalDueAt: addIsoDuration(now, this.approvalDelay).toISOString(),
      decidedAt: null,
      gatewayFacilityId: null,
      rejectionReason: null,
      assessmentStatus: null,
    };
    this.state.registrations.push(registration);
    this.enqueue(registration, { type: 'facility.registered' });
    this.save();
    this.log(
      `registration ${registrationId} of factory ${claims.factoryId} submitted; approval due ${registration.approvalDueAt}`
    );
    return registration;
  }

  private approve(registration: RegistrationRecord): void {
    let gatewayFacilityId: string;
    do gatewayFacilityId = `GW-${randomId(8)}`;
    while (this.state.registrations.some((r) => r.gatewayFacilityId === gatewayFacilityId));
    registration.status = 'APPROVED';
    registration.decidedAt = this.now().toISOString();
    registration.gatewayFacilityId = gatewayFacilityId;
    this.enqueue(registration, { type: 'facility.approved', gatewayFacilityId });
    this.save();
    this.log(`registration ${registration.registrationId} approved: Gateway Facility ID ${gatewayFacilityId}`);
  }

  private reject(registration: RegistrationRecord, reason: string): void {
    registration.status = 'REJECTED';
    registration.decidedAt = this.now().toISOString();
    registration.rejectionReason = reason;
    this.enqueue(registration, { type: 'facility.rejected', reason });
    this.save();
    this.log(`registration ${registration.registrationId} rejected: ${reason}`);
  }

  // ----- callbacks ---------------------------------------------------------------------------------

  private enqueue(
    registration: RegistrationRecord,
    detail:
      | { type: 'facility.registered' }
      | { type: 'facility.approved'; gatewayFacilityId: string }
      | { type: 'facility.rejected'; reason: string }
  ): void {
    const now = this.now().toISOString();
    // Parsed with the contract's schema: the simulator cannot send an event the contract does not allow.
    const event: GatewayCallbackEvent = gatewayCallbackEventSchema.parse({
      eventId: randomUUID(),
      occurredAt: now,
      state: { factoryId: registration.factoryId, jti: registration.jti },
      registrationId: registration.registrationId,
      email: registration.email,
      ...detail,
    });
    this.state.deliveries.push({
      eventId: event.eventId,
      registrationId: registration.registrationId,
      type: event.type,
      callbackUrl: registration.callbackUrl,
      body: JSON.stringify(event),
      createdAt: now,
      attempts: 0,
      status: 'pending',
      nextAttemptAt: now,
      lastError: null,
      deliveredAt: null,
    });
  }

  private async deliverDue(now: Date): Promise<void> {
    const due = this.state.deliveries
      .filter((d) => d.status === 'pending' && d.nextAttemptAt !== null && Date.parse(d.nextAttemptAt) <= now.getTime())
      .sort((a, b) => Date.parse(a.nextAttemptAt!) - Date.parse(b.nextAttemptAt!));
    for (const delivery of due) {
      if (this.closed) return;
      await this.attempt(delivery);
    }
  }

  private async attempt(delivery: DeliveryRecord): Promise<void> {
    const attempt = delivery.attempts + 1;
    let failure: string | undefined;
    if (this.faults.failNextCallbacks > 0) {
      this.faults.failNextCallbacks -= 1;
      failure = 'fault injected: the Gateway dropped this delivery';
    } else {
      const result = await postSignedCallback({
        callbackUrl: delivery.callbackUrl,
        eventId: delivery.eventId,
        body: delivery.body,
        secret: this.options.secret,
        now: this.now(),
        timeoutMs: this.callbackTimeoutMs,
        stopping: this.stopping.signal,
      });
      if (result?.requestFailed && this.closed) return; // stopped mid-attempt: it stays pending, as if never tried
      failure = result?.failure;
    }
    const at = this.now();
    delivery.attempts = attempt;
    const what = `${delivery.type} ${delivery.eventId} of ${delivery.registrationId}`;
    if (failure === undefined) {
      delivery.status = 'delivered';
      delivery.deliveredAt = at.toISOString();
      delivery.nextAttemptAt = null;
      delivery.lastError = null;
      this.log(`${what} delivered (attempt ${attempt})`);
    } else if (attempt >= this.maxAttempts) {
      delivery.status = 'failed';
      delivery.nextAttemptAt = null;
      delivery.lastError = failure;
      this.log(`${what} failed (attempt ${attempt} of ${this.maxAttempts}: ${failure}); giving up`);
    } else {
      delivery.nextAttemptAt = addIsoDuration(at, this.backoff[attempt - 1]!).toISOString();
      delivery.lastError = failure;
      this.log(
        `${what} failed (attempt ${attempt} of ${this.maxAttempts}: ${failure}); next at ${delivery.nextAttemptAt}`
      );
    }
    this.save();
  }

  // ----- views -------------------------------------------------------------------------------------

  private registrationView(r: RegistrationRecord) {
    return facilityRegistrationSchema.parse({
      registrationId: r.registrationId,
      status: r.status,
      state: { factoryId: r.factoryId, jti: r.jti },
      verifier: betterWorkVerifier,
      submittedAt: r.submittedAt,
      decidedAt: r.decidedAt,
      gatewayFacilityId: r.gatewayFacilityId,
      rejectionReason: r.rejectionReason,
    });
  }

  private facilityView(r: RegistrationRecord) {
    return gatewayFacilitySchema.parse({
      gatewayFacilityId: r.gatewayFacilityId,
      registrationId: r.registrationId,
      facilityName: r.facility.facilityName,
      address: r.facility.address,
      country: r.facility.country,
      osHubId: r.facility.osHubId,
      verifier: betterWorkVerifier,
      assessmentStatus:
        (r.gatewayFacilityId && this.desk.assessmentStatusOf(r.gatewayFacilityId)) ?? r.assessmentStatus,
      approvedAt: r.decidedAt,
    });
  }

  private simView(r: RegistrationRecord) {
    return {
      ...r,
      deliveries: this.state.deliveries
        .filter((d) => d.registrationId === r.registrationId)
        .map(({ body, ...d }) => ({ ...d, event: JSON.parse(body) as unknown })),
    };
  }

  // ----- HTTP --------------------------------------------------------------------------------------

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    if (path.startsWith('/_sim/')) return this.handleSim(method, path, req, res);
    if (this.faults.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.faults.delayMs).unref());
    if (this.closed) return sendProblem(res, 503, 'The Gateway simulator is stopping.');

    const submissionMatch = /^\/data-submissions(?:\/([^/]+))?$/.exec(path);
    if (submissionMatch) return this.handleSubmission(method, submissionMatch[1], req, res);
    if (path === '/facility-registration') {
      if (method === 'GET') return this.showForm(url, res);
      if (method === 'POST') return this.submitForm(req, res);
      return sendProblem(res, 405, `${method} is not allowed here; use GET or POST.`, { allow: 'GET, POST' });
    }
    const registrationMatch = /^\/facility-registrations\/([^/]+)$/.exec(path);
    const facilityMatch = /^\/facilities\/([^/]+)$/.exec(path);
    if (registrationMatch || facilityMatch) {
      if (method !== 'GET') return sendProblem(res, 405, `${method} is not allowed here; use GET.`, { allow: 'GET' });
      if (!(await this.authorized(req))) {
        return sendProblem(res, 401, 'A valid bearer token signed with the shared secret is required.', {
          'www-authenticate': 'Bearer realm="slcp-gateway"',
        });
      }
      const id = decodeURIComponent((registrationMatch ?? facilityMatch)![1]!);
      if (registrationMatch) {
        const registration = this.findRegistration(id);
        return registration
          ? sendJson(res, 200, this.registrationView(registration))
          : sendProblem(res, 404, `No registration ${id}.`);
      }
      const facility = this.state.registrations.find((r) => r.gatewayFacilityId === id && r.status === 'APPROVED');
      return facility
        ? sendJson(res, 200, this.facilityView(facility))
        : sendProblem(res, 404, `No facility has the ID ${id}.`);
    }
    return sendProblem(res, 404, `Nothing at ${path}.`);
  }

  private async handleSubmission(
    method: string,
    key: string | undefined,
    req: IncomingMessage,
    res: ServerResponse
  ): Promise<void> {
    const allowed = key === undefined ? 'POST' : 'GET';
    if (method !== allowed) {
      return sendProblem(res, 405, `${method} is not allowed here; use ${allowed}.`, { allow: allowed });
    }
    let body: Buffer | 'tooLarge' = Buffer.alloc(0);
    if (method === 'POST') {
      try {
        body = await readBody(req, maxSubmissionBodyBytes);
      } catch (error) {
        if (!(error instanceof BodyTooLarge)) throw error;
        body = 'tooLarge';
      }
    }
    if (!(await this.authorized(req))) {
      return sendProblem(res, 401, 'A valid bearer token signed with the shared secret is required.', {
        'www-authenticate': 'Bearer realm="slcp-gateway"',
      });
    }
    if (key === undefined) {
      await this.desk.submit(req, res, body);
      this.kick();
      return;
    }
    return this.desk.status(res, decodeURIComponent(key));
  }

  private async authorized(req: IncomingMessage): Promise<boolean> {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    return match?.[1] ? verifyGatewayApiToken(match[1], this.options.secret, this.options.clock) : false;
  }

  private async checkState(
    token: string | undefined
  ): Promise<{ claims: RegistrationState } | { status: number; title: string; lines: string[] }> {
    const again = 'Go back to the Better Work platform and click "Connect with SLCP" again to get a new link.';
    if (!token) {
      return {
        status: 400,
        title: 'Open this form from the Better Work platform',
        lines: [
          'This page needs the link from the Better Work platform ("Connect with SLCP").',
          'Registering without that link is not supported: Better Work could not share your data through SLCP.',
        ],
      };
    }
    let claims: RegistrationState;
    try {
      claims = await verifyRegistrationState(token, this.options.secret, this.options.clock);
    } catch (error) {
      if (!(error instanceof RegistrationStateRejected)) throw error;
      return error.reason === 'expired'
        ? { status: 400, title: 'This link has expired', lines: ['Registration links are valid for 24 hours.', again] }
        : {
            status: 400,
            title: 'This link is not valid',
            lines: ['The registration link is damaged or not from Better Work.', again],
          };
    }
    const used = this.state.registrations.find((r) => r.jti === claims.jti);
    if (used) {
      return {
        status: 409,
        title: 'This link was used already',
        lines: [
          `The facility registration ${used.registrationId} was submitted with it (status ${used.status}).`,
          'SLCP confirms by email; approval can take up to 3 days. Each link can be used once.',
        ],
      };
    }
    return { claims };
  }

  private async showForm(url: URL, res: ServerResponse): Promise<void> {
    const token = url.searchParams.get('state') ?? undefined;
    const checked = await this.checkState(token);
    if (!('claims' in checked)) return sendHtml(res, checked.status, messagePage(checked.title, checked.lines));
    sendHtml(res, 200, formPage(token!, checked.claims, { contactEmail: checked.claims.email }, {}));
  }

  private async submitForm(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const accept = req.headers.accept ?? '';
    const asJson =
      contentType === 'application/json' || (accept.includes('application/json') && !accept.includes('text/html'));
    const fail = (status: number, title: string, lines: string[], errors?: { pointer: string; detail: string }[]) =>
      asJson
        ? sendJson(res, status, problem(status, lines.join(' '), errors))
        : sendHtml(res, status, messagePage(title, lines));

    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLarge)
        return fail(413, 'Too much data', [`The form is larger than ${maxBodyBytes / 1024} KiB.`]);
      throw error;
    }
    let fields: Record<string, unknown>;
    if (contentType === 'application/x-www-form-urlencoded') {
      fields = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
    } else if (contentType === 'application/json') {
      try {
        const json: unknown = JSON.parse(raw.toString('utf8'));
        if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('not an object');
        fields = json as Record<string, unknown>;
      } catch {
        return fail(400, 'The form could not be read', ['The body must be a JSON object.']);
      }
    } else {
      return fail(415, 'The form could not be read', [
        'Send the form as application/x-www-form-urlencoded or application/json.',
      ]);
    }
    for (const optional of ['osHubId', 'verifier']) {
      if (typeof fields[optional] === 'string' && (fields[optional] as string).trim() === '') delete fields[optional];
    }

    const token = typeof fields.state === 'string' ? fields.state : undefined;
    const checked = await this.checkState(token);
    if (!('claims' in checked)) return fail(checked.status, checked.title, checked.lines);
    const { claims } = checked;

    const errors: Partial<Record<FormField, string>> = {};
    const parsed = facilityRegistrationFormSchema.safeParse(fields);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? 'form') as FormField;
        errors[field] ??=
          field === 'verifier'
            ? 'Better Work is the verifier of this registration; no other verifier body can be chosen.'
            : issue.message;
      }
    }
    const email = typeof fields.contactEmail === 'string' ? fields.contactEmail : '';
    if (!errors.contactEmail && !sameEmail(email, claims.email)) {
      errors.contactEmail =
        'The contact email must be the email you use on the Better Work platform. Use that address, or change it on the Better Work platform first.';
    }
    if (!parsed.success || Object.keys(errors).length > 0) {
      const list = Object.entries(errors).map(([field, detail]) => ({ pointer: `/${field}`, detail: detail! }));
      if (asJson) return sendJson(res, 422, problem(422, list.map((e) => e.detail).join(' '), list));
      const values = Object.fromEntries(
        Object.entries(fields).filter((entry): entry is [string, string] => typeof entry[1] === 'string')
      );
      return sendHtml(res, 422, formPage(token!, claims, values, errors));
    }
    const form = parsed.data;

    const key = normalizedAddress(form.address, form.country);
    const sameAddress = this.state.registrations.find(
      (r) => r.status !== 'REJECTED' && normalizedAddress(r.facility.address, r.facility.country) === key
    );
    if (sameAddress) {
      return fail(409, 'A facility profile exists for this address', [
        'SLCP keeps one facility profile per facility address, and one exists for this address already.',
        'If it is your facility, give its SLCP Gateway ID to your Better Work country programme so that they can link it to your Better Work account.',
      ]);
    }
    if (this.closed) return fail(503, 'Try again later', ['The Gateway is stopping.']);

    const registration = this.register(claims, form);
    this.kick();
    const accepted = registrationAcceptedSchema.parse({
      registrationId: registration.registrationId,
      status: 'PENDING_APPROVAL',
      approvalExpectedBy: registration.approvalDueAt,
      message: 'Thank you. SLCP will confirm by email; approval can take up to 3 days.',
    });
    if (asJson) return sendJson(res, 201, accepted);
    sendHtml(
      res,
      201,
      messagePage('Registration submitted', [
        `Thank you. Your facility registration ${registration.registrationId} for ${form.facilityName} has been submitted for approval.`,
        'SLCP will confirm by email; approval can take up to 3 days.',
        'After approval you receive your Gateway Facility ID and an email with a link back to the Better Work platform; your connection with SLCP is then established.',
      ])
    );
  }

  private async handleSim(method: string, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const readJson = async (): Promise<{ ok: true; json: unknown } | { ok: false }> => {
      try {
        const raw = await readBody(req);
        return { ok: true, json: raw.length === 0 ? {} : (JSON.parse(raw.toString('utf8')) as unknown) };
      } catch {
        return { ok: false };
      }
    };
    if (path === '/_sim/registrations' && method === 'GET') {
      return sendJson(res, 200, { registrations: this.state.registrations.map((r) => this.simView(r)) });
    }
    const decision = /^\/_sim\/registrations\/([^/]+)\/(approve|reject)$/.exec(path);
    if (decision && method === 'POST') {
      const registration = this.findRegistration(decodeURIComponent(decision[1]!));
      if (!registration) return sendProblem(res, 404, `No registration ${decision[1]}.`);
      let reason = '';
      if (decision[2] === 'reject') {
        const body = await readJson();
        const parsed = body.ok ? rejectSchema.safeParse(body.json) : undefined;
        if (!parsed?.success) return sendProblem(res, 400, 'Give the reason: {"reason": "..."}.');
        reason = parsed.data.reason;
      }
      if (this.closed) return sendProblem(res, 503, 'The Gateway simulator is stopping.');
      if (registration.status !== 'PENDING_APPROVAL') {
        return sendProblem(res, 409, `Registration ${registration.registrationId} is ${registration.status} already.`);
      }
      if (decision[2] === 'approve') this.approve(registration);
      else this.reject(registration, reason);
      this.kick();
      return sendJson(res, 200, this.simView(registration));
    }
    if (path === '/_sim/faults') {
      if (method === 'GET') return sendJson(res, 200, this.faultsView());
      if (method === 'POST') {
        const body = await readJson();
        const parsed = body.ok ? faultsSchema.safeParse(body.json) : undefined;
        if (!parsed?.success) {
          return sendProblem(
            res,
            400,
            'Give {"failNextCallbacks": n (0-1000), "delayMs": n (0-120000)} and/or submission faults: ' +
              '{"errorRate", "rateLimitRate", "timeoutRate", "slowRate", "malformedRate": 0-1, "retryAfterSeconds", ' +
              '"hangMs", "slowMs": n, "outageUntil": ISO time or null, "holdValidation": boolean, "seed": n or null, ' +
              '"scripted": {factoryId: ["unavailable" | "rateLimit" | "error" | "timeout" | "malformed", ...]}}.'
          );
        }
        const { failNextCallbacks, delayMs, ...submissionFaults } = parsed.data;
        if (failNextCallbacks !== undefined) this.faults.failNextCallbacks = failNextCallbacks;
        if (delayMs !== undefined) this.faults.delayMs = delayMs;
        this.desk.setFaults(submissionFaults);
        this.log(`faults now ${JSON.stringify(this.faultsView())}`);
        this.kick();
        return sendJson(res, 200, this.faultsView());
      }
    }
    if (path === '/_sim/submissions' && method === 'GET') return sendJson(res, 200, this.desk.list());
    const simSubmission = /^\/_sim\/submissions\/([^/]+)(?:\/(validate|fail-validation))?$/.exec(path);
    if (simSubmission) {
      const key = decodeURIComponent(simSubmission[1]!);
      if (!simSubmission[2] && method === 'GET') {
        const found = this.desk.one(key);
        return found ? sendJson(res, 200, found) : sendProblem(res, 404, `No submission ${key}.`);
      }
      if (simSubmission[2] && method === 'POST') {
        let decision: { validated: true } | { validated: false; reason: string } = { validated: true };
        if (simSubmission[2] === 'fail-validation') {
          const body = await readJson();
          const parsed = body.ok ? rejectSchema.safeParse(body.json) : undefined;
          if (!parsed?.success) return sendProblem(res, 400, 'Give the reason: {"reason": "..."}.');
          decision = { validated: false, reason: parsed.data.reason };
        }
        if (this.closed) return sendProblem(res, 503, 'The Gateway simulator is stopping.');
        const outcome = this.desk.decide(key, decision);
        if (outcome === 404) return sendProblem(res, 404, `No submission ${key}.`);
        if (outcome === 409) return sendProblem(res, 409, `Submission ${key} is decided already.`);
        this.kick();
        return sendJson(res, 200, this.desk.one(key));
      }
    }
    return sendProblem(res, 404, `Nothing at ${method} ${path}.`);
  }

  start(): void {
    this.arm();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.stopping.abort();
    await this.queue;
  }
}

/** Starts the SLCP Gateway simulator on its own HTTP server and port. */
export async function startGatewaySimulator(options: GatewaySimulatorOptions): Promise<GatewaySimulator> {
  const simulator = new Simulator(options);
  let relisten: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;
  /** `POST /_sim/down`: answers, then stops listening and drops every connection until `forMs` have passed. */
  const goDown = async (req: IncomingMessage, res: ServerResponse) => {
    let forMs: number | undefined;
    try {
      forMs = downSchema.parse(JSON.parse((await readBody(req)).toString('utf8') || '{}')).forMs;
    } catch {
      return sendProblem(res, 400, 'Give {"forMs": n} (1-600000): how long the Gateway stays down.');
    }
    if (relisten || closing) return sendProblem(res, 409, 'The Gateway simulator is down or stopping already.');
    const backAt = new Date(Date.now() + forMs).toISOString();
    res.once('finish', () => {
      server.close();
      server.closeAllConnections();
      options.log(`gateway: down (not listening) until ${backAt} (real time)`);
      relisten = setTimeout(() => {
        relisten = undefined;
        if (closing) return;
        server.listen(port, options.host, () => options.log('gateway: listening again'));
      }, forMs);
      relisten.unref();
    });
    sendJson(res, 202, { downForMs: forMs, backAt });
  };
  const server = createServer((req, res) => {
    if (req.method === 'POST' && (req.url ?? '').split('?')[0]!.replace(/\/+$/, '') === '/_sim/down') {
      void goDown(req, res);
      return;
    }
    simulator.handle(req, res).catch((error: unknown) => {
      options.log(`gateway: error answering ${req.method} ${req.url}: ${(error as Error)?.stack ?? String(error)}`);
      if (!res.headersSent) sendProblem(res, 500, 'The Gateway simulator failed; see the local host log.');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new HostStartError(
              `port ${options.port} (SLCP Gateway simulator) is in use: stop what uses it, or choose another with --gateway-port <port> or LOCAL_GATEWAY_PORT=<port>`
            )
          : error
      )
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host =
    options.host === '0.0.0.0' ? '127.0.0.1' : options.host.includes(':') ? `[${options.host}]` : options.host;
  server.on('error', (error: Error) => options.log(`gateway: server error: ${error.message}`));
  simulator.start();
  return {
    port,
    baseUrl: `http://${host}:${port}`,
    wakeups: simulator.wakeups,
    close: () =>
      (closing ??= (async () => {
        if (relisten) clearTimeout(relisten);
        relisten = undefined;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await simulator.close();
        await stopped;
      })()),
  };
}
