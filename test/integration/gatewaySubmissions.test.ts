// The SLCP Gateway simulator's data submissions over HTTP (R17, R18), against the contract with BW's own client:
// idempotent by key, validated against the contract, facilities it approved only; each fault kind it injects
// (5xx, 429 with Retry-After, timeouts, slow answers, malformed answers, an outage window), and with a share of
// mixed faults every submission made exactly once; validation on the project clock with a signed callback that
// BW's verifier accepts; its state surviving a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createGatewayApiToken,
  createRegistrationUrl,
  fetchFacilityStatus,
  verifySubmissionCallback,
} from '../../shared/adapters/gateway/gatewayClient';
import { fetchSubmissionStatus, submitData, submitDataOnce } from '../../shared/adapters/gateway/gatewaySubmissions';
import { addIsoDuration, parseIsoDuration } from '../../shared/domain/isoDuration';
import type { DataSubmission, GatewaySubmissionEvent } from '../../shared/schemas/gateway';
import { LocalClock } from '../../local/clock';
import { startGatewaySimulator, type GatewaySimulator } from '../../local/gateway/simulator';
import { Scheduler } from '../../local/timers/scheduler';

jest.setTimeout(60_000);

const secret = 'local-gateway-secret-0123456789abcdef';
const later = (from: Date, duration: string) => addIsoDuration(from, parseIsoDuration(duration)!);

interface Received {
  event?: GatewaySubmissionEvent;
  rejected?: string;
}

async function startReceiver(clock: LocalClock) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      try {
        received.push({ event: verifySubmissionCallback({ headers: req.headers, rawBody, secret, clock }) });
        res.writeHead(204).end();
      } catch (error) {
        received.push({ rejected: (error as Error).message });
        res.writeHead(401).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/gateway/submission-callbacks`;
  return { received, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('SLCP Gateway simulator: data submissions', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-submissions-'));
  const clock = new LocalClock('virtual');
  clock.jumpTo(new Date('2030-03-01T08:00:00Z'));
  let scheduler: Scheduler;
  let sim: GatewaySimulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let facility = '';

  const start = async () => {
    scheduler = new Scheduler(clock, () => undefined);
    sim = await startGatewaySimulator({
      host: '127.0.0.1',
      port: 0,
      secret,
      clock,
      dataDir,
      log: () => undefined,
      callbackRetryBackoff: ['PT1M'],
    });
    scheduler.add(sim.wakeups);
  };
  const options = () => ({ gatewayBaseUrl: sim.baseUrl, secret, clock, timeoutMs: 2_000 });
  const faults = async (change: Record<string, unknown>) => {
    const response = await fetch(`${sim.baseUrl}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(change),
    });
    expect(response.status).toBe(200);
  };
  const noFaults = {
    errorRate: 0,
    rateLimitRate: 0,
    timeoutRate: 0,
    slowRate: 0,
    malformedRate: 0,
    outageUntil: null,
    holdValidation: false,
    seed: null,
  };
  const simState = async () =>
    (await (await fetch(`${sim.baseUrl}/_sim/submissions`)).json()) as {
      stats: {
        received: number;
        replayed: number;
        conflicts: number;
        duplicates: number;
        faults: Record<string, number>;
      };
      submissions: { key: string; status: string; deliveries: { status: string; type: string }[] }[];
    };

  function payload(n: number, overrides: Partial<DataSubmission> = {}): DataSubmission {
    const factoryId = `BD-SIM${String(n).padStart(5, '0')}`;
    const cycleId = `${factoryId}-C1`;
    return {
      schemaVersion: '1',
      transmissionId: `${cycleId}-TX`,
      gatewayFacilityId: facility,
      verifier: 'BetterWork',
      facility: { factoryId, country: 'BD' },
      cycle: { cycleId, startsOn: '2030-01-01', endsOn: '2030-12-31' },
      tool: { toolId: 'caf', version: '1.5.0' },
      selfAssessment: { selfAssessmentId: `${cycleId}-SA`, step: 1, submittedAt: '2030-02-01T00:00:00.000Z' },
      assessment: {
        assessmentId: `${cycleId}-CA`,
        method: 'vcc',
        toolVersion: '1.5.0',
        firstDay: '2030-02-20',
        lastDay: '2030-02-21',
        completedAt: '2030-02-22T00:00:00.000Z',
      },
      report: { reportId: `${cycleId}-RABC123`, releasedAt: clock.now().toISOString() },
      callbackUrl: receiver.url,
      step1: [
        {
          questionId: 'FP-BAS-1',
          section: 'FP',
          selfAssessment: { answer: 'Factory', comment: null },
          verification: 'facilityProfile',
          betterWork: null,
        },
        {
          questionId: 'RH-REC-1',
          section: 'RH',
          selfAssessment: { answer: true, comment: null },
          verification: 'assessedByBetterWork',
          betterWork: { result: 'compliant', notes: null, cluster: 'Child Labour', point: 'Child Labourers' },
        },
        {
          questionId: 'RH-REC-2',
          section: 'RH',
          selfAssessment: { answer: false, comment: 'not recorded' },
          verification: 'neitherAssessedNorVerified',
          betterWork: null,
        },
      ],
      enhanced: [],
      summary: { step1: 3, assessedByBetterWork: 1, facilityProfile: 1, neitherAssessedNorVerified: 1, enhanced: 0 },
      ...overrides,
    };
  }
  const post = async (body: string, key: string | undefined, token?: string) =>
    fetch(`${sim.baseUrl}/data-submissions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token ?? (await createGatewayApiToken(secret, clock))}`,
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body,
    });

  beforeAll(async () => {
    receiver = await startReceiver(clock);
    await start();
    // One facility the Gateway approved through a BW hand-off (Better Work as verifier).
    const link = await createRegistrationUrl({
      gatewayBaseUrl: sim.baseUrl,
      secret,
      factoryId: 'BD-SIM00000',
      email: 'manager@sim.example',
      callbackUrl: 'http://127.0.0.1:1/none',
      clock,
    });
    const registered = await fetch(`${sim.baseUrl}/facility-registration`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        state: new URL(link.url).searchParams.get('state'),
        facilityName: 'Simulated Garments Ltd.',
        address: 'Plot 7, Savar EPZ, Dhaka',
        country: 'BD',
        contactEmail: 'manager@sim.example',
      }),
    });
    const { registrationId } = (await registered.json()) as { registrationId: string };
    const approved = await fetch(`${sim.baseUrl}/_sim/registrations/${registrationId}/approve`, { method: 'POST' });
    facility = ((await approved.json()) as { gatewayFacilityId: string }).gatewayFacilityId;
  });
  afterAll(async () => {
    await sim?.close();
    await scheduler?.stop();
    await receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  afterEach(() => faults(noFaults));

  it('R17: a submission is received once per key: the same body answers the first receipt again, another body 409', async () => {
    const body = JSON.stringify(payload(1));
    const key = payload(1).transmissionId;
    const first = await post(body, key);
    expect(first.status).toBe(202);
    const receipt = (await first.json()) as { submissionId: string; status: string; assessmentStatus: string };
    expect(receipt).toMatchObject({ status: 'RECEIVED', assessmentStatus: 'VRP' });
    const again = await post(body, key);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(receipt);
    const other = await post(JSON.stringify(payload(1, { enhanced: [], callbackUrl: `${receiver.url}?x=1` })), key);
    expect(other.status).toBe(409);
    const state = await simState();
    expect(state.submissions.filter((s) => s.key === key)).toHaveLength(1);
    expect(state.stats).toMatchObject({ replayed: 1, conflicts: 1, duplicates: 0 });
    // The status by key, and the facility now in verification.
    expect(await fetchSubmissionStatus(options(), key)).toMatchObject({ kind: 'found', submission: receipt });
    expect(await fetchSubmissionStatus(options(), 'BD-NOTHING0-C1-TX')).toEqual({ kind: 'notFound' });
    expect(await fetchFacilityStatus(sim.baseUrl, facility, { secret, clock })).toMatchObject({
      assessmentStatus: 'VRP',
    });
  });

  it('R17: it checks each submission against the contract and the facility, naming every field; no key, no token: refused', async () => {
    const bad = payload(2, { summary: { ...payload(2).summary, step1: 7 } });
    const invalid = await post(JSON.stringify(bad), bad.transmissionId);
    expect(invalid.status).toBe(422);
    expect(((await invalid.json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer)).toEqual([
      '/summary/step1',
    ]);
    const unknown = payload(2, { gatewayFacilityId: 'GW-UNKNOWN1' });
    const refused = await post(JSON.stringify(unknown), unknown.transmissionId);
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain('/gatewayFacilityId');
    expect((await post(JSON.stringify(payload(2)), undefined)).status).toBe(400);
    expect((await post(JSON.stringify(payload(2)), 'BD-SIM99999-C1-TX')).status).toBe(400);
    expect((await post(JSON.stringify(payload(2)), payload(2).transmissionId, 'not-a-token')).status).toBe(401);
    expect((await post('x'.repeat(4 * 1024 * 1024 + 1), payload(2).transmissionId)).status).toBe(413);
    expect((await simState()).submissions.some((s) => s.key === payload(2).transmissionId)).toBe(false);
  });

  it('faults: a rate of 5xx (nothing recorded), 429 with Retry-After, an outage window with Retry-After to its end', async () => {
    const p = payload(3);
    await faults({ errorRate: 1 });
    const failed = await post(JSON.stringify(p), p.transmissionId);
    expect([500, 502, 503]).toContain(failed.status);
    expect((await simState()).submissions.some((s) => s.key === p.transmissionId)).toBe(false);

    await faults({ errorRate: 0, rateLimitRate: 1, retryAfterSeconds: 7 });
    const limited = await post(JSON.stringify(p), p.transmissionId);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');

    await faults({ rateLimitRate: 0, outageUntil: later(clock.now(), 'PT1H').toISOString() });
    const down = await post(JSON.stringify(p), p.transmissionId);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('3600');
    expect((await fetch(`${sim.baseUrl}/data-submissions/${p.transmissionId}`)).status).toBe(401); // no token: checked first
    await scheduler.advanceTo(later(clock.now(), 'PT1H'));
    expect((await post(JSON.stringify(p), p.transmissionId)).status).toBe(202);
    expect((await simState()).stats.faults).toMatchObject({ error: 1, rateLimit: 1, outage: 1 });
  });

  it('faults: a timeout (recorded, no answer) and a malformed answer (recorded, broken body); the retry gets the receipt', async () => {
    const p = payload(4);
    await faults({ timeoutRate: 1, hangMs: 1_000 });
    const lost = await submitDataOnce({ ...options(), timeoutMs: 200 }, JSON.stringify(p), p.transmissionId);
    expect(lost).toMatchObject({ kind: 'transient', problem: 'timeout' });
    await faults({ timeoutRate: 0, malformedRate: 1 });
    const broken = await submitDataOnce(options(), JSON.stringify(p), p.transmissionId);
    expect(broken).toMatchObject({ kind: 'transient', problem: 'protocol', status: 200 });
    await faults({ malformedRate: 0 });
    expect(await submitDataOnce(options(), JSON.stringify(p), p.transmissionId)).toMatchObject({
      kind: 'accepted',
      replayed: true,
    });
    expect((await simState()).submissions.filter((s) => s.key === p.transmissionId)).toHaveLength(1);
  });

  it('faults: slow answers come late but come', async () => {
    const p = payload(5);
    await faults({ slowRate: 1, slowMs: 300 });
    const started = Date.now();
    expect(await submitDataOnce(options(), JSON.stringify(p), p.transmissionId)).toMatchObject({ kind: 'accepted' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('R17: with 30 % of calls failing in mixed ways, every submission is received exactly once', async () => {
    await faults({
      errorRate: 0.1,
      rateLimitRate: 0.05,
      retryAfterSeconds: 0,
      timeoutRate: 0.05,
      hangMs: 300,
      malformedRate: 0.1,
      seed: 42,
    });
    const keys = Array.from({ length: 20 }, (_, i) => payload(100 + i));
    const results = await Promise.all(
      keys.map((p) =>
        submitData(
          {
            ...options(),
            timeoutMs: 150,
            retry: { maxAttempts: 20, baseDelayMs: 5, maxDelayMs: 20, budgetMs: 30_000 },
          },
          JSON.stringify(p),
          p.transmissionId
        )
      )
    );
    expect(results.map((r) => r.outcome.kind)).toEqual(keys.map(() => 'accepted'));
    const state = await simState();
    for (const p of keys) expect(state.submissions.filter((s) => s.key === p.transmissionId)).toHaveLength(1);
    expect(state.stats.duplicates).toBe(0);
    const injected = Object.values(state.stats.faults).reduce((a, b) => a + b, 0);
    expect(injected).toBeGreaterThan(0);
  });

  it('R18: SLCP validates 15 days after the release and calls back, signed; BW verifies it; the facility is VRF', async () => {
    const p = payload(6);
    expect((await post(JSON.stringify(p), p.transmissionId)).status).toBe(202);
    await scheduler.advanceTo(later(clock.now(), 'P14DT23H'));
    expect(receiver.received.some((r) => r.event?.idempotencyKey === p.transmissionId)).toBe(false);
    await scheduler.advanceTo(later(clock.now(), 'PT1H'));
    const got = await waitFor('submission.validated', () =>
      receiver.received.find((r) => r.event?.idempotencyKey === p.transmissionId)
    );
    expect(got.event).toMatchObject({
      type: 'submission.validated',
      assessmentStatus: 'VRF',
      gatewayFacilityId: facility,
      factoryId: p.facility.factoryId,
      cycleId: p.cycle.cycleId,
    });
    expect(receiver.received.every((r) => r.rejected === undefined)).toBe(true);
    expect(await fetchSubmissionStatus(options(), p.transmissionId)).toMatchObject({
      kind: 'found',
      submission: { status: 'VALIDATED', assessmentStatus: 'VRF' },
    });
    expect(await fetchFacilityStatus(sim.baseUrl, facility, { secret, clock })).toMatchObject({
      assessmentStatus: 'VRF',
    });
  });

  it('R18: held validations wait for /_sim (the chase path); a failed validation calls back with its reason', async () => {
    await faults({ holdValidation: true });
    const held = payload(7);
    const failing = payload(8);
    await post(JSON.stringify(held), held.transmissionId);
    await post(JSON.stringify(failing), failing.transmissionId);
    await scheduler.advanceTo(later(clock.now(), 'P20D'));
    expect(await fetchSubmissionStatus(options(), held.transmissionId)).toMatchObject({
      submission: { status: 'RECEIVED' },
    });
    const validate = await fetch(`${sim.baseUrl}/_sim/submissions/${held.transmissionId}/validate`, { method: 'POST' });
    expect(validate.status).toBe(200);
    const refuse = await fetch(`${sim.baseUrl}/_sim/submissions/${failing.transmissionId}/fail-validation`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'Answers contradict the documents.' }),
    });
    expect(refuse.status).toBe(200);
    await waitFor('both callbacks', () =>
      [held, failing].every((p) => receiver.received.some((r) => r.event?.idempotencyKey === p.transmissionId))
    );
    expect(receiver.received.find((r) => r.event?.idempotencyKey === failing.transmissionId)!.event).toMatchObject({
      type: 'submission.validationFailed',
      reason: 'Answers contradict the documents.',
    });
    expect(
      (await fetch(`${sim.baseUrl}/_sim/submissions/${held.transmissionId}/validate`, { method: 'POST' })).status
    ).toBe(409);
  });

  it('keeps its submissions across a restart', async () => {
    const before = await simState();
    await sim.close();
    await scheduler.stop();
    await start();
    const after = await simState();
    expect(after.submissions.map((s) => [s.key, s.status])).toEqual(before.submissions.map((s) => [s.key, s.status]));
    const one = (await (await fetch(`${sim.baseUrl}/_sim/submissions/${payload(1).transmissionId}`)).json()) as {
      payload: DataSubmission;
    };
    expect(one.payload.transmissionId).toBe(payload(1).transmissionId);
  });
});
