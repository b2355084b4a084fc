// R17 under faults, through the local host: the real function app (processTransmission on the local Service
// Bus queue, recordDeadLetteredTransmission on its dead-letter queue, the resend sweep on its timer, the staff's
// replay endpoint), the real local Cosmos server and Azurite, and the Gateway simulator over HTTP, all on one
// virtual clock. The sender's retry budget is shortened through the settings (3 attempts within 1 s per delivery,
// TRANSMISSION_SEND_*), so ten deliveries take seconds; the queue keeps its declared 10 deliveries.
// Cycles ready to transmit are seeded through the app's own use cases (bench/transmissionSeed.ts) and queued
// with the app's R17 use case, as the timeline's activity does; from there on nothing is a stand-in.
// In every case the Gateway must hold each submission exactly once and no transmission may be lost:
// - 30 transmissions while the simulator fails 30 % of calls in mixed ways (5xx, 429 with Retry-After, no answer,
//   malformed answers after recording the submission);
// - an outage longer than the retry budget: dead-lettered after 10 deliveries, staff alerted, replayed by staff
//   through the API once the outage is over;
// - a crash after the Gateway accepted but before the record was written (the record write fails once: the
//   delivery throws, as a process that died would never complete it, and Service Bus delivers it again);
// - a crash after the record was written but before the message was sent: the 5-minute sweep sends it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  queueReadyCycle,
  seedReadyCycle,
  seededFacilityId,
  inPool,
  type ReadyCycle,
} from '../../bench/transmissionSeed';
import { startGatewaySimulator, type GatewaySimulator } from '../../local/gateway/simulator';
import { schedulerActor } from '../../shared/app/timeline/contacts';
import { transmissionDeps } from '../../shared/app/transmission/deps';
import { queueCycleTransmission } from '../../shared/app/transmission/queue';
import { transmissionQueue } from '../../shared/config/queues';
import type { OutboxDocument } from '../../shared/domain/factory/factory';
import type { TransmissionDocument } from '../../shared/domain/transmission/transmission';
import type { Clock } from '../../shared/ports/clock';
import type { DocumentStore, WriteOperation } from '../../shared/ports/documentStore';
import { apiCalls } from '../support/apiCalls';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { complianceDepsOf } from '../support/complianceFixtures';

jest.setTimeout(120_000);

const secret = 'faults-gateway-secret-0123456789abcdef';
const start = new Date('2030-03-01T08:00:00Z');
const budgetMs = 1_000;
const attempts = 3;

interface SimState {
  stats: {
    received: number;
    replayed: number;
    conflicts: number;
    refused: number;
    duplicates: number;
    faults: Record<string, number>;
  };
  submissions: { key: string; submissionId: string; factoryId: string; cycleId: string }[];
}

let api: ApiHarness;
let sim: GatewaySimulator;
const simDir = mkdtempSync(join(tmpdir(), 'transmission-faults-'));
const clockRef: { clock?: Clock } = {};
const { call } = apiCalls(() => api);

const noFaults = {
  errorRate: 0,
  rateLimitRate: 0,
  timeoutRate: 0,
  slowRate: 0,
  malformedRate: 0,
  outageUntil: null,
  seed: null,
};

async function faults(change: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${sim.baseUrl}/_sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(change),
  });
  expect(response.status).toBe(200);
}

async function simState(): Promise<SimState> {
  return (await (await fetch(`${sim.baseUrl}/_sim/submissions`)).json()) as SimState;
}

const heldFor = (state: SimState, key: string) => state.submissions.filter((s) => s.key === key);

/** Until nothing runs on the queue, the durable engine or the scheduler (a delivery can start another). */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await api.host.serviceBus!.settle();
    await api.host.durable?.settle();
    await api.host.scheduler.settle();
  }
}

async function record(id: string): Promise<TransmissionDocument> {
  const found = await api.store.read<TransmissionDocument>('factories', 'BD', id);
  if (!found) throw new Error(`no transmission ${id}`);
  return found.doc;
}

/** `count` factories `BD-<letter>0000000…` with their first cycle ready to transmit. */
async function seedCycles(letter: string, count: number): Promise<ReadyCycle[]> {
  const deps = complianceDepsOf(api.store, api.clock, api.app);
  const indexes = Array.from({ length: count }, (_, i) => i);
  return inPool(indexes, 8, (i) =>
    seedReadyCycle(deps, {
      factoryId: `BD-${letter}${i.toString(36).toUpperCase().padStart(7, '0')}`,
      name: `Fault Test ${letter}${i} Garments Ltd.`,
      gatewayFacilityId: seededFacilityId(letter.charCodeAt(0) * 1000 + i),
    })
  );
}

/** Replaces the app's store (the functions read it from the platform at each invocation) until restored. */
function interceptWrites(
  hook: (container: string, partitionKey: string, operations: WriteOperation[]) => void
): () => void {
  const original = api.app.store;
  const wrapped: DocumentStore = {
    read: original.read.bind(original),
    query: original.query.bind(original),
    queryAcrossPartitions: original.queryAcrossPartitions.bind(original),
    write: async (container, partitionKey, operations) => {
      hook(container, partitionKey, operations);
      return original.write(container, partitionKey, operations);
    },
  };
  api.app.store = wrapped;
  return () => {
    api.app.store = original;
  };
}

beforeAll(async () => {
  sim = await startGatewaySimulator({
    host: '127.0.0.1',
    port: 0,
    secret,
    clock: { now: () => clockRef.clock?.now() ?? start },
    dataDir: simDir,
    log: () => undefined,
    // The seeded factories' facilities were never registered at the simulator.
    acceptUnknownFacilities: true,
  });
  api = await startApiHarness({
    azurite: true,
    startAt: start,
    env: {
      GATEWAY_BASE_URL: sim.baseUrl,
      GATEWAY_SHARED_SECRET: secret,
      TRANSMISSION_SEND_ATTEMPTS: String(attempts),
      TRANSMISSION_SEND_BUDGET_MS: String(budgetMs),
    },
    seed: async (store, clock) => {
      clockRef.clock = clock;
      const { seedDemoData } = await import('../../local/seed/seedDemoData');
      await seedDemoData(store, clock);
    },
  });
  api.host.scheduler.add(sim.wakeups);
});

afterAll(async () => {
  await api?.stop();
  await sim?.close();
  rmSync(simDir, { recursive: true, force: true });
});

afterEach(() => faults(noFaults));

it('the settings shorten the sender budget; the queue keeps its declared 10 deliveries', () => {
  expect(transmissionDeps(api.app).gateway?.retry).toMatchObject({ maxAttempts: attempts, budgetMs });
  const [queue] = api.host.serviceBus!.describeQueues();
  expect(queue).toMatchObject({ name: transmissionQueue.name, maxDeliveryCount: 10 });
});

it('R17: with 30 % of Gateway calls failing in mixed ways, 30 transmissions are each accepted exactly once; none is lost', async () => {
  const cycles = await seedCycles('F', 30);
  const before = await simState();
  await faults({
    errorRate: 0.1,
    rateLimitRate: 0.05,
    retryAfterSeconds: 1,
    timeoutRate: 0.05,
    hangMs: 3_000,
    malformedRate: 0.1,
    // Repeatable dice: this seed meets every kind of fault within the first 30 calls (there are at least 30).
    seed: 12,
  });
  const deps = transmissionDeps(api.app);
  await inPool(cycles, 8, (cycle) => queueReadyCycle(deps, cycle));
  await settle();

  const after = await simState();
  const records = await Promise.all(cycles.map((c) => record(c.transmissionId)));
  expect(records.map((r) => [r.transmissionId, r.status])).toEqual(cycles.map((c) => [c.transmissionId, 'accepted']));
  for (const [i, cycle] of cycles.entries()) {
    const held = heldFor(after, cycle.transmissionId);
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ factoryId: cycle.factoryId, cycleId: cycle.cycleId });
    expect(records[i]!.submissionId).toBe(held[0]!.submissionId);
  }
  expect(after.stats.received - before.stats.received).toBe(cycles.length);
  expect(after.stats.duplicates).toBe(0);
  expect(after.stats.conflicts).toBe(before.stats.conflicts);
  // The faults did happen, each kind of them: an answer lost after the Gateway recorded the submission (no
  // answer, a malformed one) was retried and answered with the first receipt, never a second submission.
  const injected = (kind: string) => (after.stats.faults[kind] ?? 0) - (before.stats.faults[kind] ?? 0);
  for (const kind of ['error', 'rateLimit', 'timeout', 'malformed']) expect(injected(kind)).toBeGreaterThan(0);
  expect(after.stats.replayed - before.stats.replayed).toBeGreaterThanOrEqual(1);
  expect(records.some((r) => r.attempts > 1)).toBe(true);
  // Nothing left on the queue, nothing dead-lettered.
  expect(api.host.serviceBus!.counts(transmissionQueue.name)).toMatchObject({
    active: 0,
    scheduled: 0,
    locked: 0,
    deadLettered: 0,
  });
});

it('R17: an outage longer than the retry budget dead-letters the message after 10 deliveries and alerts staff; after it, staff replay it and the Gateway holds it once', async () => {
  const [cycle] = await seedCycles('O', 1);
  const { transmissionId, factoryId, cycleId } = cycle!;
  const outageUntil = new Date(api.clock.now().getTime() + 60 * 60_000);
  await faults({ outageUntil: outageUntil.toISOString() });
  const before = await simState();
  const started = Date.now();
  await queueReadyCycle(transmissionDeps(api.app), cycle!);
  await settle();

  const dead = await record(transmissionId);
  expect(dead.status).toBe('deadLettered');
  expect(dead.deadLetter).toMatchObject({ reason: 'MaxDeliveryCountExceeded', deliveryCount: 10 });
  expect(dead.deliveries).toBe(10);
  expect(dead.failure?.detail).toMatch(/503/);
  // Each delivery waited out its budget (Retry-After asked for the rest of the hour), then gave the message back.
  expect(Date.now() - started).toBeGreaterThanOrEqual(10 * budgetMs - 500);
  const during = await simState();
  expect(heldFor(during, transmissionId)).toEqual([]);
  expect(during.stats.faults.outage! - before.stats.faults.outage!).toBeGreaterThanOrEqual(10);
  expect(api.host.serviceBus!.counts(transmissionQueue.name)).toMatchObject({ active: 0, deadLettered: 0 });

  // Staff are alerted (a notification and an email each, in the outbox, written with the record's change).
  const alerts = await api.store.query<OutboxDocument>('factories', 'BD', {
    query: "SELECT * FROM c WHERE c.countryCode = @pk AND c.type = 'outbox' AND c.factoryId = @f",
    parameters: [{ name: '@f', value: factoryId }],
  });
  const failed = alerts.items.filter((o) => o.subject.startsWith('Transmission to the SLCP Gateway failed'));
  expect(failed.some((o) => o.kind === 'notification')).toBe(true);
  expect(failed.some((o) => o.kind === 'email')).toBe(true);
  expect(failed.every((o) => o.text.includes('10 deliveries (MaxDeliveryCountExceeded)'))).toBe(true);
  const staff = await api.tokenFor('registration-bd');
  const listed = await call('GET', 'countries/BD/transmissions', { token: staff });
  expect(listed.status).toBe(200);
  const entry = (listed.body.transmissions as { transmissionId: string; status: string; why: string | null }[]).find(
    (t) => t.transmissionId === transmissionId
  );
  expect(entry).toMatchObject({ status: 'deadLettered', why: expect.stringContaining('10 deliveries') });

  // The outage ends (on the clock); staff replay it through the API.
  await api.host.scheduler.advanceTo(new Date(outageUntil.getTime() + 60_000));
  await settle();
  const replayed = await call('POST', `factories/${factoryId}/cycles/${cycleId}/transmission/replay`, {
    token: staff,
  });
  expect(replayed.status).toBe(200);
  expect(replayed.body).toMatchObject({ sentToQueue: true, transmission: { messageId: `${transmissionId}.replay-1` } });
  await settle();

  const accepted = await record(transmissionId);
  expect(accepted).toMatchObject({ status: 'accepted', replays: 1, messageId: `${transmissionId}.replay-1` });
  const after = await simState();
  const held = heldFor(after, transmissionId);
  expect(held).toHaveLength(1);
  expect(accepted.submissionId).toBe(held[0]!.submissionId);
  expect(after.stats.duplicates).toBe(0);
  // A second replay is refused: the Gateway has it.
  expect(
    (await call('POST', `factories/${factoryId}/cycles/${cycleId}/transmission/replay`, { token: staff })).status
  ).toBe(409);
  await settle();
  expect(heldFor(await simState(), transmissionId)).toHaveLength(1);
});

it('R17: a crash after the Gateway accepted but before the record was written: the redelivery makes no second submission; the record ends accepted', async () => {
  const [cycle] = await seedCycles('K', 1);
  const { transmissionId } = cycle!;
  const before = await simState();
  let crashed = 0;
  const restore = interceptWrites((container, _pk, operations) => {
    const accepted = operations.some(
      (op) =>
        op.kind === 'replace' &&
        op.doc.type === 'transmission' &&
        op.doc.id === transmissionId &&
        (op.doc as TransmissionDocument).status === 'accepted'
    );
    if (container === 'factories' && accepted && crashed === 0) {
      crashed++;
      throw new Error('the process died before the accepted record was written (test)');
    }
  });
  try {
    await queueReadyCycle(transmissionDeps(api.app), cycle!);
    await settle();
  } finally {
    restore();
  }

  expect(crashed).toBe(1);
  const after = await simState();
  const held = heldFor(after, transmissionId);
  expect(held).toHaveLength(1);
  expect(after.stats.received - before.stats.received).toBe(1);
  expect(after.stats.replayed - before.stats.replayed).toBe(1);
  expect(after.stats.duplicates).toBe(0);
  const done = await record(transmissionId);
  expect(done).toMatchObject({ status: 'accepted', submissionId: held[0]!.submissionId, deliveries: 1 });
  expect(done.lastAttempt).toMatchObject({ deliveryCount: 2, outcome: 'accepted' });
  expect(done.history.map((h) => h.event)).toEqual(['queued', 'sentToQueue', 'accepted']);
  expect(done.history[2]!.detail).toContain('(replayed answer), delivery 2');
  expect(api.host.serviceBus!.counts(transmissionQueue.name)).toMatchObject({ active: 0, locked: 0, deadLettered: 0 });
});

it('R17: a crash after the record (queued) but before the Service Bus send: the 5-minute sweep sends it; the Gateway holds it once', async () => {
  const [cycle] = await seedCycles('S', 1);
  const { transmissionId, factoryId, cycleId } = cycle!;
  const dying = {
    ...transmissionDeps(api.app),
    queue: {
      send: async () => {
        throw new Error('the process died before the message was sent (test)');
      },
    },
  };
  await expect(queueCycleTransmission(dying, { factoryId, cycleId }, { actor: schedulerActor })).rejects.toThrow(
    /died before the message was sent/
  );
  const left = await record(transmissionId);
  expect(left).toMatchObject({ status: 'queued', sentToQueueAt: null });
  const peek = () => api.host.serviceBus!.peek(transmissionQueue.name).filter((m) => m.messageId === transmissionId);
  expect(peek()).toEqual([]);

  // Within 2 minutes of the queueing the sweep leaves it alone (its send may still be under way)...
  const queuedAt = Date.parse(left.queuedAt);
  await api.host.scheduler.advanceTo(new Date(queuedAt + 90_000));
  await settle();
  expect((await record(transmissionId)).sentToQueueAt).toBeNull();
  // ...then the sweep (every 5 minutes) sends it, and the sender submits it.
  await api.host.scheduler.advanceTo(new Date(queuedAt + 11 * 60_000));
  await settle();

  const done = await record(transmissionId);
  expect(done.status).toBe('accepted');
  expect(Date.parse(done.sentToQueueAt!)).toBeGreaterThanOrEqual(queuedAt + 2 * 60_000);
  expect(done.history.map((h) => h.event)).toEqual(['queued', 'sentToQueue', 'accepted']);
  const state = await simState();
  const held = heldFor(state, transmissionId);
  expect(held).toHaveLength(1);
  expect(done.submissionId).toBe(held[0]!.submissionId);
  expect(state.stats.duplicates).toBe(0);
});
