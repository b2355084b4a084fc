// api: what each API request costs in Cosmos DB round trips, and how the staff's factory list pages at scale.
//
// On the whole local platform (`npm start -- --virtual-clock`, fresh data, free loopback ports):
//  1. a tour calls every operation of GET /api/openapi.json at least once, as a demo user allowed to
//     (tokens from POST /api/_dev/token), with valid bodies, on factories registered during the tour, and
//     reads the `x-cosmos-round-trips` and `x-cross-partition-queries` headers of each answer; the Gateway's
//     signed callbacks are the events the platform's Gateway simulator produced (its own delivery made to fail),
//     delivered and measured by the bench; a replay needs a transmission the Gateway refused: a second
//     factory ready to transmit is written through the app's store and use cases (bench/transmissionSeed.ts),
//     connected to a Gateway Facility ID the simulator never approved, queued with the R17 use case; the simulator
//     refuses it for good (422), then registration staff replay it (measured; the Gateway refuses it again);
//     the personal-data export and erasure come last, on a demo user nothing else in the run uses;
//  2. 10,000 factories are written into the country BD straight into the local Cosmos server (the real
//     SDK's bulk API, the app's document shape), then registration staff page through
//     GET /api/countries/BD/factories?pageSize=50 with the continuation tokens, timing each page.
// Timings are reported, never asserted.
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { JSONObject } from '@azure/cosmos';
import { findDemoUser } from '../local/seed/demoUsers';
import { defaultCosmosDatabaseName } from '../shared/config/cosmosContainers';
import { utcDay } from '../shared/domain/countryProgrammes';
import { gatewayCallbackHeaders, gatewaySignatureVersion } from '../shared/schemas/gateway';
import {
  callName,
  costHeaders,
  formatCallTable,
  isFactoryScoped,
  openApiOperations,
  expandPath,
  percentile,
  summariseCalls,
  unexercised,
  type ApiOperation,
  type CallRecord,
} from './apiMetrics';
import shippedQuestionBank from '../data/question-banks/caf-1.5.0.json';
import { benchFactoryDocument, benchFactoryId } from './benchFactories';
import { loopback, withPlatform, type RunningPlatform } from './platform';
import { noteStop, type PlatformBenchOptions } from './platformBenches';
import { answerEverything, answerTypes, SelfAssessmentClient } from './selfAssessmentBench';
import { round, type Figures } from './results';
import { localKeys, openPorts } from './transmissionBench';
import { queueReadyCycle, seedReadyCycle } from './transmissionSeed';

/** Factories written into one country for the list benchmark. */
const listCountry = 'BD';
const listFactoryCount = 10_000;
const listPageSize = 50;
/** Paging stops here even if the list goes on (it should end after about 200 pages). */
const maxListPages = 400;
const listBudgetMs = 120_000;
/** The demo user whose personal data is exported and erased at the end (a Bangladesh manager the tour never uses). */
const erasedUser = 'fm-bd-1';
/** The factory whose transmission the Gateway refuses for good: its Gateway Facility ID was never approved there. */
const refusedFactory = {
  factoryId: 'BD-RPLY0001',
  name: 'Bench Replay Garments Ltd.',
  gatewayFacilityId: 'GW-NVRAPPRV',
} as const;
/** The round trips per request this benchmark expects at most (the target of the max figure). */
// A Gateway approval reads its receipt, the factory and the managers' contacts, claims the Gateway ID
// in its own container and writes one batch: 5 when the factory has one manager.
const roundTripTarget = 6;
const dayMs = 86_400_000;
/** No request of this benchmark may hang the run. */
const requestTimeoutMs = 30_000;

type Note = (line: string) => void;
type Json = Record<string, unknown>;

interface Answer {
  status: number;
  headers: Headers;
  body: Json;
}

interface CallOptions {
  /** The demo user to call as (a token from the development identity provider); none: no token. */
  as?: string;
  /** Who the table names as the caller when there is no token. */
  caller?: string;
  variant?: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  json?: unknown;
  /** A raw JSON body (signed callbacks: the signature covers these exact bytes). */
  rawJson?: string;
  headers?: Record<string, string>;
}

/** fetch on loopback, bounded in time. */
function request(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(requestTimeoutMs) });
}

function field(body: Json, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') throw new Error(`the answer has no ${name}: ${JSON.stringify(body)}`);
  return value;
}

async function readJson(response: Response): Promise<Json> {
  const text = await response.text();
  if (!text) return {};
  try {
    return JSON.parse(text) as Json;
  } catch {
    return { text: text.slice(0, 300) };
  }
}

/** Calls the API as the demo users, recording what every call of an OpenAPI operation cost. */
class ApiSession {
  readonly calls: CallRecord[] = [];
  private readonly tokens = new Map<string, { token: string; email: string }>();

  constructor(
    readonly base: string,
    private readonly operations: ReadonlyMap<string, ApiOperation>
  ) {}

  private async user(key: string): Promise<{ token: string; email: string }> {
    const cached = this.tokens.get(key);
    if (cached) return cached;
    // A day-long token: the virtual clock moves a few minutes during the run.
    const response = await request(`${this.base}/_dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: key, lifetimeSeconds: 86_400 }),
    });
    const body = await readJson(response);
    if (response.status !== 200) throw new Error(`no token for ${key}: ${response.status} ${JSON.stringify(body)}`);
    const user = { token: field(body, 'access_token'), email: field(body.user as Json, 'email') };
    this.tokens.set(key, user);
    return user;
  }

  async token(key: string): Promise<string> {
    return (await this.user(key)).token;
  }

  async email(key: string): Promise<string> {
    return (await this.user(key)).email;
  }

  /** One measured call of an operation of the document; anything but a 2xx stops the benchmark. */
  async call(operationId: string, options: CallOptions = {}): Promise<Answer> {
    const operation = this.operations.get(operationId);
    if (!operation) throw new Error(`${operationId} is not an operation of the OpenAPI document`);
    const query = options.query ? `?${new URLSearchParams(options.query).toString()}` : '';
    const url = `${this.base}${expandPath(operation.path, options.params)}${query}`;
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.as) headers.authorization = `Bearer ${await this.token(options.as)}`;
    const body = options.rawJson ?? (options.json === undefined ? undefined : JSON.stringify(options.json));
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await request(url, {
      method: operation.method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const answer = await readJson(response);
    const caller = options.as ?? options.caller ?? 'anonymous';
    const name = callName({ operationId, variant: options.variant });
    if (response.status < 200 || response.status > 299) {
      throw new Error(`${name} as ${caller} answered ${response.status}: ${JSON.stringify(answer).slice(0, 400)}`);
    }
    this.calls.push({
      operationId,
      variant: options.variant,
      method: operation.method,
      path: operation.path,
      caller,
      status: response.status,
      ...costHeaders(response.headers),
    });
    return { status: response.status, headers: response.headers, body: answer };
  }

  async clockNow(): Promise<Date> {
    const response = await request(`${this.base}/_dev/clock`);
    const body = await readJson(response);
    if (response.status !== 200) throw new Error(`GET /_dev/clock answered ${response.status}`);
    return new Date(field(body, 'now'));
  }

  /** Moves the virtual clock, which fires the timers due on the way (the outbox every minute). */
  async advanceClock(duration: string): Promise<void> {
    const response = await request(`${this.base}/_dev/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advance: duration }),
    });
    if (response.status !== 200) {
      throw new Error(`POST /_dev/clock answered ${response.status}: ${JSON.stringify(await readJson(response))}`);
    }
  }
}

/** The invitation link to this factory the mail sink received for this address (the outbox emails it). */
async function invitationToken(mailBase: string, to: string, factoryId: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await request(`${mailBase}/api/messages?to=${encodeURIComponent(to)}`);
    const body = (await readJson(response)) as { messages?: { text?: string | null }[] };
    for (const message of body.messages ?? []) {
      const match = /[?&]token=([A-Z]{2}-[0-9A-Z]{8}\.[A-Za-z0-9_-]+)/.exec(message.text ?? '');
      if (match?.[1]?.startsWith(`${factoryId}.`)) return match[1];
    }
    if (Date.now() > deadline) throw new Error(`no invitation email to ${to} for ${factoryId} in the mail sink`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A call to the Gateway simulator of the platform (its `/_sim` test controls); anything but a 2xx throws. */
async function simulator(gatewayBase: string, method: 'GET' | 'POST', path: string, json?: unknown): Promise<Json> {
  const response = await request(`${gatewayBase}${path}`, {
    method,
    ...(json === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) }),
  });
  const body = await readJson(response);
  if (response.status < 200 || response.status > 299) {
    throw new Error(`${method} ${path} of the Gateway simulator answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return body;
}

/** The manager's browser submits the Gateway's Facility Information Form of a hand-off (R9); its registration id. */
async function submitRegistrationForm(registrationUrl: string, contactEmail: string): Promise<string> {
  const url = new URL(registrationUrl);
  const response = await request(`${url.origin}${url.pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      state: url.searchParams.get('state'),
      facilityName: 'Bench Knit Composite Ltd.',
      address: 'Plot 7, Road 2, Ashulia',
      country: listCountry,
      contactEmail,
    }),
  });
  const body = await readJson(response);
  if (response.status < 200 || response.status > 299) {
    throw new Error(`the Gateway's registration form answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return field(body, 'registrationId');
}

/**
 * Delivers, signed with the shared secret as the Gateway does, the callback event of this type the Gateway
 * simulator holds for a registration (its own delivery was made to fail); the event, as sent.
 */
async function relayRegistrationCallback(
  api: ApiSession,
  gatewayBase: string,
  secrets: LocalSecrets,
  registrationId: string,
  type: 'facility.registered' | 'facility.approved'
): Promise<Json> {
  const listed = (await simulator(gatewayBase, 'GET', '/_sim/registrations')) as {
    registrations?: { registrationId: string; deliveries?: { type: string; event: Json }[] }[];
  };
  const registration = listed.registrations?.find((r) => r.registrationId === registrationId);
  const event = registration?.deliveries?.find((d) => d.type === type)?.event;
  if (!event) throw new Error(`the Gateway simulator holds no ${type} event of ${registrationId}`);
  const rawJson = JSON.stringify(event);
  await api.call('gatewayCallbacks', {
    caller: 'SLCP Gateway (signed)',
    variant: type,
    rawJson,
    headers: signCallback(secrets.gatewaySharedSecret, field(event, 'eventId'), rawJson, await api.clockNow()),
  });
  return event;
}

/**
 * Polls the cycle's transmission (as registration staff, not measured) until it has one of these statuses; the
 * view and its ETag (a replay's If-Match).
 */
async function waitForTransmission(
  api: ApiSession,
  params: { factoryId: string; cycleId: string },
  statuses: readonly string[]
): Promise<{ body: Json; etag: string }> {
  const authorization = `Bearer ${await api.token('registration-bd')}`;
  const deadline = Date.now() + 60_000;
  let last: Json = {};
  for (;;) {
    const response = await request(
      `${api.base}/factories/${encodeURIComponent(params.factoryId)}/cycles/${encodeURIComponent(params.cycleId)}/transmission`,
      { headers: { authorization } }
    );
    last = await readJson(response);
    if (response.status === 200 && statuses.includes(String(last.status))) {
      return { body: last, etag: response.headers.get('etag') ?? '' };
    }
    if (Date.now() > deadline) {
      throw new Error(
        `the transmission of ${params.cycleId} is not ${statuses.join(' or ')}: ${JSON.stringify(last).slice(0, 400)}`
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The headers the Gateway signs a callback with (docs/gateway.openapi.json): HMAC-SHA256 of "<ts>.<body>". */
function signCallback(secret: string, eventId: string, rawBody: string, at: Date): Record<string, string> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const mac = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex');
  return {
    [gatewayCallbackHeaders.eventId]: eventId,
    [gatewayCallbackHeaders.timestamp]: timestamp,
    [gatewayCallbackHeaders.signature]: `${gatewaySignatureVersion}=${mac}`,
  };
}

interface LocalSecrets {
  cosmosKey: string;
  gatewaySharedSecret: string;
}

function localSecrets(dataDir: string): LocalSecrets {
  const parsed = JSON.parse(readFileSync(join(dataDir, 'local-keys.json'), 'utf8')) as Partial<LocalSecrets>;
  if (typeof parsed.cosmosKey !== 'string' || typeof parsed.gatewaySharedSecret !== 'string') {
    throw new Error(`${join(dataDir, 'local-keys.json')} has no cosmosKey or gatewaySharedSecret`);
  }
  return { cosmosKey: parsed.cosmosKey, gatewaySharedSecret: parsed.gatewaySharedSecret };
}

/** A complete profile (R10) for the factory manager to fill in. */
const completeProfile = {
  city: 'Savar',
  postalCode: '1340',
  phoneCountryCode: '+880',
  phoneNumber: '2 7791 4400',
  facilityEmail: 'office@bench-factory-1.example.com',
  contactPersonName: 'Shirin Begum',
  contactPersonTitle: 'General Manager',
  contactEmail: 'manager@bench-factory-1.example.com',
  totalWorkers: 1800,
  femaleWorkers: 1100,
  products: 'Knitted T-shirts and polo shirts',
};

/**
 * Every operation once (a few twice, named), in an order where each has what it needs: staff register two
 * factories, their managers accept the emailed links, fill the profile, sign, request sharing and connect
 * to the Gateway, whose signed callbacks follow; staff link a Gateway ID, manage brands, read the audit
 * trail, register a cycle and record an opt-out; notifications are delivered and read.
 */
async function tour(api: ApiSession, mailBase: string, gateway: string, secrets: LocalSecrets): Promise<void> {
  const now = await api.clockNow();
  const day = (offset: number) => utcDay(new Date(now.getTime() + offset * dayMs));
  const staff = 'registration-bd';
  const manager = 'fm-bd-2';
  // R7: only the invited account may accept a link, so the factories invite the manager's own address.
  const managerEmail = await api.email(manager);

  await api.call('listCountryProgrammes', { as: staff });
  await api.call('setCountryLaunch', { as: 'admin', params: { countryCode: 'LK' }, json: { launchDate: day(90) } });
  // The question bank: a new version imported (the shipped file under another number), listed, read in Bangla.
  await api.call('importQuestionBank', { as: 'admin', json: { ...shippedQuestionBank, version: '1.5.1' } });
  await api.call('listQuestionBanks', { as: staff });
  await api.call('getQuestionBank', { as: 'fm-bd-2', params: { version: '1.5.1' }, query: { lang: 'bn' } });

  const firstCycle = { startsOn: day(-30), endsOn: day(334) };
  const f1 = field(
    (
      await api.call('registerFactory', {
        as: staff,
        params: { countryCode: listCountry },
        json: {
          name: 'Bench Knit Composite Ltd.',
          address: 'Plot 7, Road 2, Ashulia',
          managerEmail,
          cycle: firstCycle,
        },
      })
    ).body,
    'factoryId'
  );
  const f2 = field(
    (
      await api.call('registerFactory', {
        as: staff,
        variant: 'second factory',
        params: { countryCode: listCountry },
        json: {
          name: 'Bench Denim Apparels Ltd.',
          address: 'Holding 12, Kashimpur Road',
          managerEmail: 'manager@bench-factory-2.example.com',
          cycle: firstCycle,
        },
      })
    ).body,
    'factoryId'
  );
  const one = { factoryId: f1 };
  await api.call('getFactory', { as: staff, params: one });
  // The second factory was registered with another address: staff send the link to the manager's instead.
  await api.call('sendInvitation', {
    as: staff,
    params: { factoryId: f2 },
    json: { managerEmail },
  });

  await api.advanceClock('PT1M'); // the outbox timer emails the invitation links
  const link1 = await invitationToken(mailBase, managerEmail, f1);
  const link2 = await invitationToken(mailBase, managerEmail, f2);
  await api.call('acceptInvitation', { as: manager, json: { token: link1 } });
  await api.call('acceptInvitation', { as: manager, variant: 'second factory', json: { token: link2 } });

  const profile = await api.call('getProfile', { as: manager, params: one });
  await api.call('editProfile', {
    as: manager,
    params: one,
    json: completeProfile,
    headers: { 'if-match': profile.headers.get('etag') ?? '' },
  });
  await api.call('signTerms', { as: manager, params: one, json: { accept: true } });
  await api.call('requestSlcpSharing', { as: manager, params: one });
  await api.call('getSlcpStatus', { as: 'assessor-bd', params: one });
  const connect = await api.call('connectGateway', { as: manager, params: one });
  // The manager fills in the Gateway's Facility Information Form (the simulator of `npm start`) and SLCP approves
  // it, so the Gateway knows the facility with Better Work as verifier (R19 asks it). The Gateway's own delivery
  // of its two callbacks is made to fail once each; the bench delivers those very events, signed, and measures them.
  const registrationUrl = field(connect.body, 'registrationUrl');
  await simulator(gateway, 'POST', '/_sim/faults', { failNextCallbacks: 2 });
  const registrationId = await submitRegistrationForm(registrationUrl, managerEmail);
  await relayRegistrationCallback(api, gateway, secrets, registrationId, 'facility.registered');
  await simulator(gateway, 'POST', `/_sim/registrations/${registrationId}/approve`);
  const gatewayFacilityId = field(
    await relayRegistrationCallback(api, gateway, secrets, registrationId, 'facility.approved'),
    'gatewayFacilityId'
  );
  await api.call('linkGateway', { as: staff, params: { factoryId: f2 }, json: { gatewayFacilityId: 'GW-BENCH002' } });

  await api.call('subscribeBrand', { as: staff, params: { ...one, brandId: 'brand-1' } });
  await api.call('getDashboard', { as: manager, params: one });
  await api.call('getAssessorBody', { as: 'brand-1', params: one });
  await api.call('listAuditEvents', { as: staff, params: one, query: { pageSize: '20' } });
  await api.call('registerCycle', { as: staff, params: one, json: { startsOn: day(335), endsOn: day(699) } });
  await api.call('recordSlcpOptOut', {
    as: staff,
    params: one,
    json: { reason: 'The factory told the country programme it stops sharing via SLCP.' },
  });

  // The self-assessment (R11-R13): staff activate the first cycle, the manager starts it, reads, answers and
  // clears an answer, answers everything else (not measured here: see the self-assessment benchmark), submits.
  const firstCycleId = `${f1}-C1`;
  const sa = { selfAssessmentId: `${firstCycleId}-SA` };
  const fpBas1 = { ...sa, questionId: 'FP-BAS-1' };
  await api.call('activateCycle', { as: staff, params: { ...one, cycleId: firstCycleId } });
  const started = await api.call('startSelfAssessment', { as: manager, params: one, json: { cycleId: firstCycleId } });
  await api.call('getSelfAssessment', { as: 'assessor-bd', params: sa, query: { lang: 'bn' } });
  await api.call('getSelfAssessmentQuestion', { as: manager, params: fpBas1, query: { lang: 'vi' } });
  await api.call('answerSelfAssessmentQuestion', {
    as: manager,
    params: fpBas1,
    json: { value: 'Bench Knit Composite Ltd.' },
  });
  await api.call('clearSelfAssessmentAnswer', { as: manager, params: fpBas1 });
  const answering = new SelfAssessmentClient(api.base);
  const types = await answerTypes(answering, manager, field(started.body, 'toolVersion'), 1);
  await answerEverything(answering, manager, sa.selfAssessmentId, types);
  await api.call('submitSelfAssessment', { as: manager, params: sa });

  // Better Work's side of the cycle (R15, R16, R25): the assessor creates the assessment of the first cycle,
  // records one finding and then all of them in one request, completes it; staff release the report, which the
  // manager and the subscribed brand read (JSON, HTML, the list); the plan is extended and an item marked done
  // (by an administrator: no enterprise advisor is assigned to the bench factory).
  const cycle = { ...one, cycleId: firstCycleId };
  const assessor = 'assessor-bd';
  await api.call('createComplianceAssessment', {
    as: assessor,
    params: cycle,
    json: { method: 'visit', firstDay: day(-3), lastDay: day(-2) },
  });
  const assessment = await api.call('getComplianceAssessment', { as: staff, params: cycle, query: { lang: 'bn' } });
  const inScope = (assessment.body.clusters as Json[]).flatMap((c) =>
    (c.points as Json[]).flatMap((p) => (p.questions as Json[]).map((q) => field(q, 'questionId')))
  );
  await api.call('recordAssessmentFinding', {
    as: assessor,
    params: { ...cycle, questionId: inScope[0]! },
    json: { result: 'compliant' },
  });
  await api.call('recordAssessmentFindings', {
    as: assessor,
    params: cycle,
    json: {
      findings: inScope.map((questionId, i) =>
        i % 30 === 1
          ? { questionId, result: 'nonCompliant', notes: 'Seen on the floor and confirmed in worker interviews.' }
          : { questionId, result: 'compliant' }
      ),
    },
  });
  await api.call('completeComplianceAssessment', { as: assessor, params: cycle });
  await api.call('releaseAssessmentReport', { as: staff, params: cycle });
  await api.call('getAssessmentReport', { as: 'brand-1', params: cycle });
  await api.call('getAssessmentReportPage', { as: manager, params: cycle });
  await api.call('listAssessmentReports', { as: 'brand-1', params: one });
  const plan = await api.call('getImprovementPlan', { as: manager, params: cycle });
  await api.call('addImprovementItem', {
    as: 'admin',
    params: cycle,
    json: { title: 'Fire exits blocked in the finishing section', cluster: 'Occupational Safety and Health' },
  });
  const item = (plan.body.items as Json[])[0]!;
  await api.call('updateImprovementItem', {
    as: 'admin',
    params: { ...cycle, itemId: field(item, 'itemId') },
    json: { status: 'done' },
    headers: { 'if-match': field(item, 'etag') },
  });

  // R19, R17, R18: staff read the cycle's timeline; after the assessment the manager asks to share this cycle
  // (the Gateway confirms Better Work as verifier); the report is released, so the transmission is queued at once
  // and the local queue delivers it to the Gateway; staff read it and the country's list; SLCP validates it and
  // the Gateway calls back (signed).
  await api.call('getCycleTimeline', { as: staff, params: cycle });
  await api.call('requestMidCycleSharing', { as: manager, params: cycle });
  const accepted = (await waitForTransmission(api, cycle, ['accepted'])).body;
  await api.call('getTransmission', { as: staff, params: cycle });
  await api.call('listTransmissions', {
    as: staff,
    params: { countryCode: listCountry },
    query: { status: 'accepted' },
  });
  const validatedAt = await api.clockNow();
  const validatedEventId = randomUUID();
  const validatedJson = JSON.stringify({
    eventId: validatedEventId,
    type: 'submission.validated',
    occurredAt: validatedAt.toISOString(),
    submissionId: field(accepted, 'submissionId'),
    idempotencyKey: field(accepted, 'transmissionId'),
    gatewayFacilityId,
    factoryId: f1,
    cycleId: firstCycleId,
    assessmentStatus: 'VRF',
  });
  await api.call('gatewaySubmissionCallbacks', {
    caller: 'SLCP Gateway (signed)',
    variant: 'submission.validated',
    rawJson: validatedJson,
    headers: signCallback(secrets.gatewaySharedSecret, validatedEventId, validatedJson, validatedAt),
  });

  await api.advanceClock('PT1M'); // the outbox timer delivers the managers' portal notifications
  const unread = await api.call('listNotifications', { as: manager, query: { unread: 'true' } });
  const first = (unread.body.items as Json[] | undefined)?.[0];
  if (!first) throw new Error(`no notification for ${manager} after the Gateway approval and link`);
  await api.call('countUnreadNotifications', { as: manager });
  await api.call('markNotificationRead', { as: manager, params: { notificationId: field(first, 'id') } });
  await api.call('unsubscribeBrand', { as: staff, params: { ...one, brandId: 'brand-1' } });
  await api.call('listFactories', {
    as: staff,
    params: { countryCode: listCountry },
    query: { pageSize: String(listPageSize) },
  });
}

/** Writes the factories straight into the local Cosmos server with the SDK's bulk API (pinned certificate). */
async function seedFactories(platform: RunningPlatform, secrets: LocalSecrets, now: Date): Promise<number> {
  const { CosmosClient } = await import('@azure/cosmos');
  const agent = new Agent({ ca: readFileSync(join(platform.dataDir, 'cosmos', 'cert.pem')), keepAlive: true });
  const client = new CosmosClient({
    endpoint: `https://${loopback}:${platform.ports.cosmos}/`,
    key: secrets.cosmosKey,
    agent,
    connectionPolicy: { enableEndpointDiscovery: false },
  });
  const started = performance.now();
  try {
    const container = client.database(process.env.COSMOS_DATABASE || defaultCosmosDatabaseName).container('factories');
    const operations = Array.from({ length: listFactoryCount }, (_, i) => ({
      operationType: 'Create' as const,
      partitionKey: listCountry,
      resourceBody: benchFactoryDocument(listCountry, i, now) as unknown as JSONObject,
    }));
    const results = await container.items.executeBulkOperations(operations);
    const failed = results.filter((r) => r.error || !r.response || r.response.statusCode !== 201);
    if (failed.length > 0) {
      const firstFailure = failed[0]!;
      throw new Error(
        `${failed.length} of ${listFactoryCount} factories were not created (first: ${
          firstFailure.error?.code ?? firstFailure.response?.statusCode ?? 'no answer'
        } ${firstFailure.error?.message?.split('\n')[0] ?? ''})`
      );
    }
    return performance.now() - started;
  } finally {
    client.dispose();
    agent.destroy();
  }
}

interface ListRun {
  pages: number;
  items: number;
  latenciesMs: number[];
  roundTrips: number[];
  crossPartition: number[];
  seededSeen: number;
  duplicates: number;
  outOfOrder: number;
  complete: boolean;
}

/** Registration staff page through their country's factories with the continuation tokens. */
async function pageThroughList(api: ApiSession): Promise<ListRun> {
  const authorization = `Bearer ${await api.token('registration-bd')}`;
  const seen = new Set<string>();
  const seeded = new Set(Array.from({ length: listFactoryCount }, (_, i) => benchFactoryId(listCountry, i)));
  const run: ListRun = {
    pages: 0,
    items: 0,
    latenciesMs: [],
    roundTrips: [],
    crossPartition: [],
    seededSeen: 0,
    duplicates: 0,
    outOfOrder: 0,
    complete: false,
  };
  let continuation: string | undefined;
  let previousName: string | undefined;
  const started = performance.now();
  do {
    const query = new URLSearchParams({ pageSize: String(listPageSize), ...(continuation ? { continuation } : {}) });
    const pageStarted = performance.now();
    const response = await request(`${api.base}/countries/${listCountry}/factories?${query.toString()}`, {
      headers: { authorization },
    });
    const body = await readJson(response);
    const ms = performance.now() - pageStarted;
    if (response.status !== 200) {
      throw new Error(`page ${run.pages + 1} answered ${response.status}: ${JSON.stringify(body).slice(0, 400)}`);
    }
    const costs = costHeaders(response.headers);
    run.pages += 1;
    run.latenciesMs.push(ms);
    run.roundTrips.push(costs.roundTrips);
    run.crossPartition.push(costs.crossPartitionQueries);
    for (const item of (body.items as Json[] | undefined) ?? []) {
      const id = field(item, 'factoryId');
      const name = field(item, 'name');
      if (seen.has(id)) run.duplicates += 1;
      else if (seeded.has(id)) run.seededSeen += 1;
      seen.add(id);
      if (previousName !== undefined && name < previousName) run.outOfOrder += 1;
      previousName = name;
      run.items += 1;
    }
    continuation = typeof body.continuation === 'string' ? body.continuation : undefined;
  } while (continuation && run.pages < maxListPages && performance.now() - started < listBudgetMs);
  run.complete = continuation === undefined;
  return run;
}

/**
 * R17: a transmission the Gateway refused, replayed by registration staff. The factory, ready to transmit, is
 * written through the app's store and use cases on the platform's time (not measured), connected to a facility
 * the Gateway simulator never approved, so the Gateway answers 422 (final) and the sender records it rejected.
 * Staff replay it (measured); the bench waits until the Gateway has refused it again, so nothing is in flight
 * when the next steps run. Its time, in ms.
 */
async function replayRefusedTransmission(api: ApiSession, platform: RunningPlatform): Promise<number> {
  const started = performance.now();
  const offsetMs = (await api.clockNow()).getTime() - Date.now();
  const { deps, close } = await openPorts(platform, localKeys(platform.dataDir), {
    now: () => new Date(Date.now() + offsetMs),
  });
  try {
    const cycle = await seedReadyCycle(deps, refusedFactory);
    await queueReadyCycle(deps, cycle);
    const params = { factoryId: cycle.factoryId, cycleId: cycle.cycleId };
    const refused = await waitForTransmission(api, params, ['rejected']);
    const replay = await api.call('replayTransmission', {
      as: 'registration-bd',
      params,
      headers: { 'if-match': refused.etag },
    });
    const replayed = replay.body.transmission as Json | undefined;
    if (replayed?.replays !== 1) throw new Error(`the replay answered ${JSON.stringify(replay.body).slice(0, 400)}`);
    const again = (await waitForTransmission(api, params, ['rejected'])).body;
    if (again.replays !== 1) throw new Error(`the replayed transmission is ${JSON.stringify(again).slice(0, 400)}`);
  } finally {
    close();
  }
  return performance.now() - started;
}

interface ApiRun {
  operations: ApiOperation[];
  calls: CallRecord[];
  seedMs: number;
  list: ListRun;
}

async function measure(platform: RunningPlatform, note: Note): Promise<ApiRun> {
  const base = `http://${loopback}:${platform.port}/api`;
  const document = await readJson(await request(`${base}/openapi.json`));
  const operations = openApiOperations(document);
  const api = new ApiSession(base, new Map(operations.map((op) => [op.operationId, op])));
  const secrets = localSecrets(platform.dataDir);
  note(`${operations.length} operations in GET /api/openapi.json; calling each as a demo user allowed to`);
  await tour(
    api,
    `http://${loopback}:${platform.ports.mailWeb}`,
    `http://${loopback}:${platform.ports.gateway}`,
    secrets
  );
  const replayMs = await replayRefusedTransmission(api, platform);
  note(
    `replayed a transmission the Gateway refused (seeded ${refusedFactory.factoryId}, unknown facility ` +
      `${refusedFactory.gatewayFacilityId}) in ${(replayMs / 1000).toFixed(1)} s`
  );

  const seedMs = await seedFactories(platform, secrets, await api.clockNow());
  note(
    `wrote ${listFactoryCount} ${listCountry} factories into the local Cosmos server in ${(seedMs / 1000).toFixed(1)} s ` +
      '(@azure/cosmos executeBulkOperations, pinned certificate)'
  );
  const list = await pageThroughList(api);
  // Last, on a demo user nothing else in the bench acts as or for: an administrator exports everything held about
  // the person, then erases it (the account is closed).
  const erased = findDemoUser(erasedUser)?.userId;
  if (!erased) throw new Error(`there is no demo user ${erasedUser}`);
  await api.call('exportPersonalData', { as: 'admin', params: { userId: erased } });
  await api.call('erasePersonalData', { as: 'admin', params: { userId: erased } });
  return { operations, calls: api.calls, seedMs, list };
}

export async function api({ repoRoot, note }: PlatformBenchOptions): Promise<Figures> {
  const { result, stop } = await withPlatform(repoRoot, (platform) => measure(platform, note), {
    extraArgs: ['--virtual-clock'],
  });
  const { operations, calls, list } = result;

  note(`per request (${calls.length} calls; "> ${roundTripTarget}" marks more round trips than the target):`);
  for (const line of formatCallTable(calls, roundTripTarget)) note(`  ${line}`);
  const missing = unexercised(operations, calls);
  if (missing.length > 0) {
    note(`WARNING: not exercised: ${missing.map((op) => `${op.operationId} (${op.method} ${op.path})`).join(', ')}`);
  }
  const summary = summariseCalls(calls);
  note(
    `most round trips: ${summary.maxRoundTrips} (${summary.maxRoundTripsCalls.map(callName).join(', ')}); ` +
      `factory-scoped calls: ${calls.filter((c) => isFactoryScoped(c.path)).length}, ` +
      `with a cross-partition query: ${summary.crossPartitionFactoryCalls.length}` +
      (summary.crossPartitionFactoryCalls.length > 0
        ? ` (${summary.crossPartitionFactoryCalls.map(callName).join(', ')})`
        : '')
  );

  const pageRoundTrips = [...new Set(list.roundTrips)].sort((a, b) => a - b);
  note(
    `staff list: ${list.pages} pages of ${listPageSize}, ${list.items} factories ` +
      `(${list.seededSeen}/${listFactoryCount} seeded ones seen, ${list.duplicates} duplicates, ` +
      `${list.outOfOrder} out of name order)${list.complete ? '' : ' — STOPPED before the end of the list'}; ` +
      `round trips per page: ${pageRoundTrips.join(', ')}; cross-partition queries: ${Math.max(...list.crossPartition)}; ` +
      `latency mean ${(list.latenciesMs.reduce((a, b) => a + b, 0) / list.latenciesMs.length).toFixed(1)} ms, ` +
      `max ${Math.max(...list.latenciesMs).toFixed(1)} ms`
  );
  noteStop(stop, note);

  return {
    cosmos_round_trips_max_per_request: {
      value: summary.maxRoundTrips,
      unit: 'count',
      target: `<= ${roundTripTarget}`,
    },
    cross_partition_factory_requests: {
      value: summary.crossPartitionFactoryCalls.length,
      unit: 'count',
      target: '== 0',
    },
    api_operations_unexercised: { value: missing.length, unit: 'count', target: '== 0' },
    // The first page also reads the caller's directory entry (then cached for a while); the others are the query alone.
    staff_list_page_round_trips: {
      value: round(percentile(list.roundTrips.slice(1), 50), 1),
      unit: 'round trips',
      target: '== 1',
    },
    staff_list_first_page_round_trips: { value: list.roundTrips[0] ?? 0, unit: 'round trips', target: '<= 2' },
    staff_list_p50_ms: { value: round(percentile(list.latenciesMs, 50), 1), unit: 'ms', target: 'informational' },
    staff_list_p99_ms: { value: round(percentile(list.latenciesMs, 99), 1), unit: 'ms', target: 'informational' },
    staff_list_pages: { value: list.pages, unit: 'count', target: 'informational' },
  };
}
