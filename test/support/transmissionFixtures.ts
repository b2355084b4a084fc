// Fixtures of the transmission tests (R17-R19): a memory store with factory one connected to the Gateway and
// its first cycle taken through the real use cases (activated, self-assessment answered and submitted,
// compliance assessment recorded and completed, report released), an in-memory Service Bus queue with
// duplicate detection, and a fake SLCP Gateway behind `fetch` that speaks the data submission contract
// (idempotent by key, scripted faults) and records every call.
import { createHash } from 'node:crypto';
import { memoryDocumentFiles } from '../../shared/adapters/blob/memoryDocumentFiles';
import { verifyGatewayApiToken } from '../../shared/adapters/gateway/gatewayClient';
import { completeAssessment, createAssessment, recordFindings } from '../../shared/app/compliance/assessments';
import type { ComplianceDeps } from '../../shared/app/compliance/deps';
import { releaseReport } from '../../shared/app/compliance/reports';
import { selfAssessmentDeps } from '../../shared/app/selfAssessment/deps';
import {
  activateServiceCycle,
  answerQuestion,
  readSelfAssessment,
  startSelfAssessment,
  submitSelfAssessment,
} from '../../shared/app/selfAssessment/selfAssessments';
import type { TransmissionDeps } from '../../shared/app/transmission/deps';
import { scopeOf, type AssessmentMethod } from '../../shared/domain/compliance/scope';
import { registerFirstCycle } from '../../shared/domain/factory/cycles';
import type { CycleEntry, FactoryDocument, OutboxDocument } from '../../shared/domain/factory/factory';
import { nextUnanswered } from '../../shared/domain/selfAssessment/navigation';
import type { Step } from '../../shared/domain/selfAssessment/plan';
import {
  newTransmission,
  recordDeadLettered,
  type TransmissionDocument,
} from '../../shared/domain/transmission/transmission';
import type { Clock } from '../../shared/ports/clock';
import type { DocumentStore } from '../../shared/ports/documentStore';
import type { MessageQueue, OutgoingMessage } from '../../shared/ports/messageQueue';
import {
  dataSubmissionSchema,
  gatewaySubmissionSchema,
  type DataSubmission,
  type GatewaySubmission,
} from '../../shared/schemas/gateway';
import { sampleAnswer } from '../../local/demo/sampleAnswers';
import { factoryOne, partitionDocs, people, readFactory, sharingWorld, TestClock } from './sharingFixtures';

export const gatewaySecret = 'a-shared-secret-of-at-least-32-characters';
export const gatewayBaseUrl = 'https://gateway.example/slcp';
export const gatewayFacilityId = 'GW-7KQ2M9XD';
export const cycleOne = `${factoryOne}-C1`;
export const transmissionOne = `${cycleOne}-TX`;

/** A completed compliance assessment of cycleOne (a visit, completed 11 June 2030). */
export const completedAssessmentOne = {
  assessmentId: `${cycleOne}-A1`,
  method: 'visit' as const,
  lastDay: '2030-06-10',
  completedAt: '2030-06-11T10:00:00.000Z',
  completedBy: people.assessor.userId,
};

/** factoryOne's first service cycle (2030), sharing effective, activated by the registration staff; `extra` on top. */
export function activatedCycleOne(extra: Partial<CycleEntry> = {}): CycleEntry {
  return {
    cycleId: cycleOne,
    sequence: 1,
    startsOn: '2030-01-01',
    endsOn: '2030-12-31',
    registeredAt: '2029-12-01T00:00:00.000Z',
    sharingEffective: true,
    activatedAt: '2030-01-05T09:00:00.000Z',
    activatedBy: people.staff.userId,
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------------
// The in-memory queue
// ---------------------------------------------------------------------------------------------------

export interface MemoryQueue extends MessageQueue {
  /** Every message accepted (a duplicate within the window is not). */
  messages: { queueName: string; message: OutgoingMessage }[];
  /** Sends dropped by duplicate detection. */
  duplicatesDropped: number;
  /** The next n sends fail (nothing is accepted). */
  failNext: number;
}

/** Service Bus as the port promises it: all or none, and a MessageId seen before is dropped silently. */
export function memoryQueue(): MemoryQueue {
  const seen = new Set<string>();
  const queue: MemoryQueue = {
    messages: [],
    duplicatesDropped: 0,
    failNext: 0,
    async send(queueName, messages) {
      if (queue.failNext > 0) {
        queue.failNext -= 1;
        throw new Error('the queue is unreachable (test)');
      }
      for (const message of messages) {
        if (seen.has(`${queueName}|${message.messageId}`)) {
          queue.duplicatesDropped += 1;
          continue;
        }
        seen.add(`${queueName}|${message.messageId}`);
        queue.messages.push({ queueName, message: structuredClone(message) });
      }
    },
  };
  return queue;
}

// ---------------------------------------------------------------------------------------------------
// The fake Gateway
// ---------------------------------------------------------------------------------------------------

/** What the fake Gateway does with one call instead of answering it as the contract says. */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: unknown }
  | { kind: 'timeout' }
  | { kind: 'network' }
  /** Records the submission, then answers 200 with a broken body. */
  | { kind: 'malformedAfterRecord' }
  /** Records the submission, then the answer is lost (a timeout). */
  | { kind: 'lostAfterRecord' };

export interface FakeGateway {
  fetch: typeof fetch;
  /** Every call: method, path, idempotency key. */
  calls: { method: string; path: string; key: string | null }[];
  /** Submissions created, by key (one per key at most, as the contract says). */
  submissions: Map<string, { submission: GatewaySubmission; body: DataSubmission; sha256: string }>;
  /** Faults for the next calls, in order. */
  faults: Fault[];
  /** Facilities the Gateway knows, with their verifier (R19). */
  facilities: Map<string, string | null>;
  /** Marks a submission validated (as SLCP would). */
  validate(key: string): void;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

export function fakeGateway(clock: Clock): FakeGateway {
  let n = 0;
  const gateway: FakeGateway = {
    calls: [],
    submissions: new Map(),
    faults: [],
    facilities: new Map([[gatewayFacilityId, 'BetterWork']]),
    validate(key) {
      const found = gateway.submissions.get(key)!;
      found.submission = {
        ...found.submission,
        status: 'VALIDATED',
        assessmentStatus: 'VRF',
        validatedAt: clock.now().toISOString(),
      };
    },
    fetch: (async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(String(input));
      const headers = new Headers(init?.headers);
      const method = init?.method ?? 'GET';
      const path = url.pathname.replace(/^\/slcp/, '');
      const key = headers.get('idempotency-key');
      gateway.calls.push({ method, path, key });
      const token = /^Bearer (.+)$/.exec(headers.get('authorization') ?? '')?.[1];
      if (!token || !(await verifyGatewayApiToken(token, gatewaySecret, clock))) {
        return json(401, { type: 'about:blank', title: 'Unauthorized', status: 401 });
      }
      const fault = gateway.faults.shift();
      const timeout = () => {
        throw Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
      };
      if (fault?.kind === 'timeout') timeout();
      if (fault?.kind === 'network') throw new TypeError('fetch failed');
      if (fault?.kind === 'status') {
        return json(
          fault.status,
          fault.body ?? { type: 'about:blank', title: 'Fault', status: fault.status, detail: 'injected' },
          fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}
        );
      }
      const facility = /^\/facilities\/([^/]+)$/.exec(path);
      if (facility && method === 'GET') {
        const id = decodeURIComponent(facility[1]!);
        if (!gateway.facilities.has(id)) return json(404, { type: 'about:blank', title: 'Not Found', status: 404 });
        return json(200, {
          gatewayFacilityId: id,
          registrationId: null,
          facilityName: 'Factory',
          address: 'Somewhere 1',
          country: 'BD',
          osHubId: null,
          verifier: gateway.facilities.get(id),
          assessmentStatus: null,
          approvedAt: '2030-01-01T00:00:00.000Z',
        });
      }
      const status = /^\/data-submissions\/([^/]+)$/.exec(path);
      if (status && method === 'GET') {
        const found = gateway.submissions.get(decodeURIComponent(status[1]!));
        return found
          ? json(200, found.submission)
          : json(404, { type: 'about:blank', title: 'Not Found', status: 404 });
      }
      if (path === '/data-submissions' && method === 'POST') {
        const text = String(init?.body ?? '');
        const sha256 = createHash('sha256').update(text).digest('hex');
        const existing = key ? gateway.submissions.get(key) : undefined;
        if (existing) {
          if (existing.sha256 !== sha256) return json(409, { type: 'about:blank', title: 'Conflict', status: 409 });
          return json(200, existing.submission, { 'idempotent-replayed': 'true' });
        }
        const parsed = dataSubmissionSchema.safeParse(JSON.parse(text));
        if (!parsed.success || !key || parsed.data.transmissionId !== key) {
          return json(422, {
            type: 'about:blank',
            title: 'Unprocessable Content',
            status: 422,
            detail: 'The submission does not match the contract.',
            errors: parsed.success
              ? []
              : parsed.error.issues.map((i) => ({ pointer: `/${i.path.join('/')}`, detail: i.message })),
          });
        }
        const now = clock.now().toISOString();
        const submission = gatewaySubmissionSchema.parse({
          submissionId: `SUB-${String(++n).padStart(10, '0')}`,
          idempotencyKey: key,
          status: 'RECEIVED',
          gatewayFacilityId: parsed.data.gatewayFacilityId,
          assessmentStatus: 'VRP',
          receivedAt: now,
          validationExpectedBy: now,
          validatedAt: null,
          validationFailureReason: null,
        });
        gateway.submissions.set(key, { submission, body: parsed.data, sha256 });
        if (fault?.kind === 'malformedAfterRecord') return new Response('{"submissionId": "SUB-', { status: 200 });
        if (fault?.kind === 'lostAfterRecord') timeout();
        return json(202, submission);
      }
      return json(404, { type: 'about:blank', title: 'Not Found', status: 404 });
    }) as typeof fetch,
  };
  return gateway;
}

// ---------------------------------------------------------------------------------------------------
// The world: a cycle taken through the real use cases
// ---------------------------------------------------------------------------------------------------

export interface CycleOptions {
  step?: Step;
  method?: AssessmentMethod;
  /** Sharing applies to the cycle (R2, R23); true by default. */
  sharingEffective?: boolean;
  /** Connected to the Gateway with a Gateway Facility ID; true by default. */
  connected?: boolean;
  /** Submit the self-assessment; true by default. */
  submit?: boolean;
  /** Release the report; true by default. */
  release?: boolean;
  /** The first n Step 1 compliance questions in scope found non-compliant. */
  nonCompliant?: number;
}

export const transmissionStart = new Date('2030-03-01T08:00:00Z');

export async function transmissionWorld(options: CycleOptions = {}) {
  const { store, clock } = await sharingWorld(transmissionStart);
  const found = (await store.read<FactoryDocument>('factories', 'BD', factoryOne))!;
  const withCycle = registerFirstCycle(found.doc, { startsOn: '2030-01-01', endsOn: '2030-12-31' }, transmissionStart);
  const connected = options.connected ?? true;
  const doc: FactoryDocument = {
    ...withCycle,
    advisorUserIds: [],
    cycles: withCycle.cycles.map((c) => ({ ...c, sharingEffective: options.sharingEffective ?? true })),
    gateway: connected
      ? { ...withCycle.gateway, status: 'connected', gatewayFacilityId, linkedBy: 'gateway' }
      : withCycle.gateway,
  };
  await store.write('factories', 'BD', [{ kind: 'replace', doc, ifMatch: found.etag }]);
  const files = memoryDocumentFiles();
  const banks = selfAssessmentDeps({ store, clock }).banks;
  const compliance: ComplianceDeps = { store, clock, banks, files, portalBaseUrl: 'https://portal.example.org' };
  const queue = memoryQueue();
  const gateway = fakeGateway(clock);
  const sleeps: number[] = [];
  let elapsed = 0;
  const deps: TransmissionDeps = {
    store,
    clock,
    files,
    queue,
    banks,
    settings: {
      gateway: { baseUrl: gatewayBaseUrl, sharedSecret: gatewaySecret },
      publicApiBaseUrl: 'https://bw.example.org/api',
      portalBaseUrl: 'https://portal.example.org',
    },
    gateway: {
      fetch: gateway.fetch,
      retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000, budgetMs: 10_000 },
      hooks: {
        sleep: async (ms) => {
          sleeps.push(ms);
          elapsed += ms;
        },
        random: () => 0.5,
        now: () => elapsed,
      },
    },
  };
  await activateServiceCycle(compliance, people.staff, factoryOne, cycleOne);
  await startSelfAssessment(compliance, people.manager, factoryOne, { cycleId: cycleOne, step: options.step ?? 1 });
  const saId = `${cycleOne}-SA`;
  const saDeps = { store, clock, banks };
  for (;;) {
    const read = await readSelfAssessment(saDeps, people.manager, saId);
    const next = nextUnanswered(read.loaded.plan, read.progress);
    if (!next) break;
    const question = read.loaded.questionAt(read.loaded.plan.byId.get(next)!.index).question;
    await answerQuestion(saDeps, people.manager, saId, next, {
      value: sampleAnswer(question.answer),
      comment: next.endsWith('-1') ? `Comment on ${next}` : undefined,
    });
  }
  if (options.submit ?? true) await submitSelfAssessment(saDeps, people.manager, saId);
  const method = options.method ?? 'visit';
  const created = await createAssessment(compliance, people.assessor, factoryOne, cycleOne, {
    method,
    firstDay: '2030-02-20',
    lastDay: '2030-02-21',
  });
  const scope = scopeOf(created.outline, method);
  const bad = scope.slice(0, options.nonCompliant ?? 2).map((q) => q.id);
  await recordFindings(
    compliance,
    people.assessor,
    factoryOne,
    cycleOne,
    scope.map((q) =>
      bad.includes(q.id)
        ? { questionId: q.id, result: 'nonCompliant' as const, notes: `Found on ${q.id}.` }
        : { questionId: q.id, result: 'compliant' as const }
    ),
    'batch'
  );
  const quiet = { warn: () => undefined };
  await completeAssessment(compliance, people.assessor, factoryOne, cycleOne, quiet);
  if (options.release ?? true) await releaseReport(compliance, people.staff, factoryOne, cycleOne, quiet);
  return { store, clock, files, queue, gateway, deps, compliance, sleeps, outline: created.outline, scope, bad };
}

export type TransmissionWorld = Awaited<ReturnType<typeof transmissionWorld>>;

export async function transmissionOf(store: DocumentStore, id = transmissionOne): Promise<TransmissionDocument> {
  const found = await store.read<TransmissionDocument>('factories', 'BD', id);
  if (!found) throw new Error(`no transmission ${id}`);
  return found.doc;
}

export async function outboxOf(store: DocumentStore): Promise<OutboxDocument[]> {
  return (await partitionDocs(store, 'BD', 'outbox')) as unknown as OutboxDocument[];
}

export async function auditActions(store: DocumentStore): Promise<string[]> {
  return ((await partitionDocs(store, 'BD', 'audit')) as unknown as { action: string }[]).map((a) => a.action);
}

export { factoryOne, people, readFactory, TestClock };

/**
 * A dead-lettered transmission of `${factoryId}-C1` written straight to the store (its payload blob is not
 * there: a replay of it is taken, and its message waits for the sweep). For the authorization matrix.
 */
export async function seedDeadLetteredTransmission(store: DocumentStore, factoryId: string, now: Date): Promise<void> {
  const at = now.toISOString();
  const cycleId = `${factoryId}-C1`;
  const queued = newTransmission({
    factoryId,
    countryCode: factoryId.slice(0, 2),
    cycleId,
    gatewayFacilityId,
    trigger: 'R17',
    payload: {
      sha256: '0'.repeat(64),
      bytes: 2,
      blobName: `${factoryId}/${cycleId}/${cycleId}-TX-${'0'.repeat(64)}.json`,
      summary: { step1: 0, assessedByBetterWork: 0, facilityProfile: 0, neitherAssessedNorVerified: 0, enhanced: 0 },
    },
    invalidReasons: [],
    now: at,
  });
  const dead = recordDeadLettered(queued, {
    at,
    reason: 'MaxDeliveryCountExceeded',
    description: 'seeded',
    deliveryCount: 10,
  })!;
  await store.write('factories', dead.countryCode, [{ kind: 'create', doc: dead }]);
}
