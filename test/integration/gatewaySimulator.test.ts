// Contract test against the real SLCP Gateway simulator over HTTP (R9): BW's client makes the hand-off,
// a tiny node:http server plays BW's callback endpoint and checks every callback with
// verifyGatewayCallback, and a virtual clock with the local host's scheduler moves time.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createRegistrationUrl,
  fetchFacilityStatus,
  fetchRegistrationStatus,
  GatewayRequestFailed,
  verifyGatewayCallback,
} from '../../shared/adapters/gateway/gatewayClient';
import { addIsoDuration, parseIsoDuration } from '../../shared/domain/isoDuration';
import { gatewayCallbackEventSchema, type GatewayCallbackEvent } from '../../shared/schemas/gateway';
import { LocalClock } from '../../local/clock';
import { startGatewaySimulator, type GatewaySimulator } from '../../local/gateway/simulator';
import { Scheduler } from '../../local/timers/scheduler';

const secret = 'local-gateway-secret-0123456789abcdef';

interface Received {
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  status: number;
  event?: GatewayCallbackEvent;
  rejected?: string;
}

/** BW's callback endpoint, played by a test double that verifies like BW and fails on demand. */
async function startReceiver(clock: LocalClock) {
  const received: Received[] = [];
  const plan = { failNext: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const entry: Received = { headers: req.headers, rawBody, status: 204 };
      try {
        entry.event = verifyGatewayCallback({ headers: req.headers, rawBody, secret, clock });
      } catch (error) {
        entry.rejected = (error as Error).message;
        entry.status = 401;
      }
      if (entry.status === 204 && plan.failNext > 0) {
        plan.failNext -= 1;
        entry.status = 503;
      }
      received.push(entry);
      res.writeHead(entry.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/gateway/callbacks`;
  return { received, plan, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const later = (from: Date, duration: string) => addIsoDuration(from, parseIsoDuration(duration)!);

describe('SLCP Gateway simulator, against the contract over HTTP', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-sim-'));
  const clock = new LocalClock('virtual');
  clock.jumpTo(new Date('2030-03-01T08:00:00Z'));
  const logs: string[] = [];
  let scheduler: Scheduler;
  let sim: GatewaySimulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  const start = async () => {
    scheduler = new Scheduler(clock, (line) => logs.push(`[scheduler] ${line}`));
    sim = await startGatewaySimulator({
      host: '127.0.0.1',
      port: 0,
      secret,
      clock,
      approvalDelay: 'P2D',
      dataDir,
      log: (line) => logs.push(line),
    });
    scheduler.add(sim.wakeups);
  };
  const read = { secret, clock };
  const eventsOf = (registrationId: string) =>
    receiver.received.filter((r) => r.event?.registrationId === registrationId);
  const simRegistrations = async () =>
    ((await (await fetch(`${sim.baseUrl}/_sim/registrations`)).json()) as { registrations: SimRegistration[] })
      .registrations;

  interface SimRegistration {
    registrationId: string;
    status: string;
    gatewayFacilityId: string | null;
    deliveries: { eventId: string; type: string; attempts: number; status: string; lastError: string | null }[];
  }

  const handOff = (factoryId: string, email = `manager@${factoryId}.example`) =>
    createRegistrationUrl({
      gatewayBaseUrl: sim.baseUrl,
      secret,
      factoryId,
      email,
      callbackUrl: receiver.url,
      clock,
    });
  const stateOf = (url: string) => new URL(url).searchParams.get('state')!;
  const facility = (n: number) => ({
    facilityName: `Factory ${n} Garments Ltd.`,
    address: `Plot ${n}, Savar EPZ, Dhaka`,
    country: 'BD',
  });
  const postForm = (fields: Record<string, string>) =>
    fetch(`${sim.baseUrl}/facility-registration`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams(fields).toString(),
    });
  const postJson = (fields: Record<string, unknown>) =>
    fetch(`${sim.baseUrl}/facility-registration`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fields),
    });

  /** Hand-off, form, registered callback. */
  async function register(n: number): Promise<{ registrationId: string; state: string }> {
    const link = await handOff(`fac-${n}`);
    const state = stateOf(link.url);
    const response = await postForm({ state, ...facility(n), contactEmail: `manager@fac-${n}.example` });
    expect(response.status).toBe(201);
    const entry = await waitFor('facility.registered', () =>
      receiver.received.find((r) => r.event?.type === 'facility.registered' && r.event.state.jti === link.jti)
    );
    return { registrationId: entry.event!.registrationId, state };
  }

  beforeAll(async () => {
    receiver = await startReceiver(clock);
    await start();
  });
  afterAll(async () => {
    await sim?.close();
    await scheduler?.stop();
    await receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  let first: { registrationId: string; jti: string; state: string; gatewayFacilityId?: string; submittedAt: Date };

  it('shows the Facility Information Form for a valid hand-off, with Better Work fixed as verifier (R9)', async () => {
    const link = await handOff('fac-1');
    const response = await fetch(link.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await response.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('Facility Information Form');
    for (const field of ['facilityName', 'address', 'country', 'contactEmail', 'osHubId']) {
      expect(html).toContain(`name="${field}"`);
    }
    expect(html).toContain('Verifier: Better Work');
    expect(html).not.toMatch(/name="verifier"/);
    expect(html).toContain('value="manager@fac-1.example"');
    expect(html).toContain('same email address as on the Better Work platform');
    expect(html).not.toMatch(/<(script|link|img)\b|src=|https?:\/\//);
    first = { registrationId: '', jti: link.jti, state: stateOf(link.url), submittedAt: clock.now() };
  });

  it('answers a missing, tampered or expired hand-off with a 400 page saying so', async () => {
    const missing = await fetch(`${sim.baseUrl}/facility-registration`);
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('Better Work platform');

    const [header, payload, signature] = first.state.split('.') as [string, string, string];
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), email: 'x@evil.example' })
    ).toString('base64url');
    const tampered = await fetch(`${sim.baseUrl}/facility-registration?state=${header}.${forged}.${signature}`);
    expect(tampered.status).toBe(400);
    expect(await tampered.text()).toContain('This link is not valid');

    const yesterday = { now: () => new Date(clock.now().getTime() - 25 * 3600 * 1000) };
    const old = await createRegistrationUrl({
      gatewayBaseUrl: sim.baseUrl,
      secret,
      factoryId: 'fac-old',
      email: 'old@fac.example',
      callbackUrl: receiver.url,
      clock: yesterday,
    });
    const expired = await fetch(old.url);
    expect(expired.status).toBe(400);
    expect(await expired.text()).toContain('This link has expired');
  });

  it('refuses another email than the one on the Better Work platform (422) and another verifier, sending nothing', async () => {
    const wrong = await postForm({ state: first.state, ...facility(1), contactEmail: 'someone.else@fac-1.example' });
    expect(wrong.status).toBe(422);
    const html = await wrong.text();
    expect(html).toContain('The contact email must be the email you use on the Better Work platform');
    expect(html).toContain('value="Factory 1 Garments Ltd."'); // the form comes back filled in

    const json = await postJson({ state: first.state, ...facility(1), contactEmail: 'someone.else@fac-1.example' });
    expect(json.status).toBe(422);
    expect(json.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await json.json()) as { errors: { pointer: string; detail: string }[] };
    expect(problem.errors).toEqual([
      { pointer: '/contactEmail', detail: expect.stringContaining('email you use on the Better Work platform') },
    ]);

    const otherVerifier = await postJson({
      state: first.state,
      ...facility(1),
      contactEmail: 'manager@fac-1.example',
      verifier: 'SomeOtherBody',
    });
    expect(otherVerifier.status).toBe(422);
    expect(JSON.stringify(await otherVerifier.json())).toContain('no other verifier body can be chosen');

    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.received).toHaveLength(0);
    expect(await simRegistrations()).toEqual([]);
  });

  it('registers with the right email (case aside): confirmation page, then a signed facility.registered', async () => {
    const response = await postForm({
      state: first.state,
      ...facility(1),
      contactEmail: 'Manager@FAC-1.example',
      osHubId: 'BD2019085HK3WN1',
    });
    expect(response.status).toBe(201);
    const page = await response.text();
    expect(page).toContain('SLCP will confirm by email; approval can take up to 3 days');

    const entry = await waitFor('facility.registered', () => receiver.received[0]);
    expect(entry.rejected).toBeUndefined();
    expect(entry.event).toMatchObject({
      type: 'facility.registered',
      state: { factoryId: 'fac-1', jti: first.jti },
      email: 'Manager@FAC-1.example',
      registrationId: expect.stringMatching(/^REG-/),
    });
    expect(entry.headers['x-gateway-event-id']).toBe(entry.event!.eventId);
    first.registrationId = entry.event!.registrationId;

    const [registration] = await simRegistrations();
    expect(registration).toMatchObject({ registrationId: first.registrationId, status: 'PENDING_APPROVAL' });
    expect(registration!.deliveries).toEqual([
      expect.objectContaining({ type: 'facility.registered', status: 'delivered', attempts: 1 }),
    ]);
  });

  it('takes each hand-off once', async () => {
    const again = await postForm({ state: first.state, ...facility(9), contactEmail: 'manager@fac-1.example' });
    expect(again.status).toBe(409);
    const form = await fetch(`${sim.baseUrl}/facility-registration?state=${first.state}`);
    expect(form.status).toBe(409);
    expect(await form.text()).toContain(first.registrationId);
  });

  it('keeps one facility profile per address (409, pointing to manual linking)', async () => {
    const link = await handOff('fac-dup');
    const response = await postJson({
      state: stateOf(link.url),
      ...facility(1),
      address: 'plot 1 - SAVAR EPZ,  Dhaka',
      contactEmail: 'manager@fac-dup.example',
    });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { detail: string }).detail).toContain('Better Work country programme');
  });

  it('answers the look-ups with a bearer token only', async () => {
    const unauthenticated = await fetch(`${sim.baseUrl}/facility-registrations/${first.registrationId}`);
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await expect(fetchRegistrationStatus(sim.baseUrl, first.registrationId, read)).resolves.toMatchObject({
      registrationId: first.registrationId,
      status: 'PENDING_APPROVAL',
      state: { factoryId: 'fac-1', jti: first.jti },
      verifier: 'BetterWork',
      gatewayFacilityId: null,
    });
    await expect(
      fetchRegistrationStatus(sim.baseUrl, first.registrationId, { ...read, secret: 'x'.repeat(40) })
    ).rejects.toMatchObject({ kind: 'http', status: 401 });
    await expect(fetchRegistrationStatus(sim.baseUrl, 'REG-UNKNOWN', read)).resolves.toBeNull();
  });

  it('approves when P2D have passed on the clock: a signed facility.approved with a Gateway Facility ID', async () => {
    await scheduler.advanceTo(later(first.submittedAt, 'P1DT23H'));
    expect(eventsOf(first.registrationId).map((r) => r.event!.type)).toEqual(['facility.registered']);

    await scheduler.advanceTo(later(first.submittedAt, 'P2DT1M'));
    const approved = await waitFor('facility.approved', () =>
      eventsOf(first.registrationId).find((r) => r.event!.type === 'facility.approved')
    );
    expect(approved.rejected).toBeUndefined();
    const event = approved.event as Extract<GatewayCallbackEvent, { type: 'facility.approved' }>;
    expect(event.gatewayFacilityId).toMatch(/^GW-[A-Z0-9]{8}$/);
    expect(Date.parse(event.occurredAt) - later(first.submittedAt, 'P2D').getTime()).toBeLessThan(60_000);
    first.gatewayFacilityId = event.gatewayFacilityId;

    await expect(fetchFacilityStatus(sim.baseUrl, event.gatewayFacilityId, read)).resolves.toEqual({
      gatewayFacilityId: event.gatewayFacilityId,
      registrationId: first.registrationId,
      facilityName: 'Factory 1 Garments Ltd.',
      address: 'Plot 1, Savar EPZ, Dhaka',
      country: 'BD',
      osHubId: 'BD2019085HK3WN1',
      verifier: 'BetterWork',
      assessmentStatus: null,
      approvedAt: event.occurredAt,
    });
    await expect(fetchRegistrationStatus(sim.baseUrl, first.registrationId, read)).resolves.toMatchObject({
      status: 'APPROVED',
      gatewayFacilityId: event.gatewayFacilityId,
    });
    await expect(fetchFacilityStatus(sim.baseUrl, 'GW-00000000', read)).resolves.toBeNull();
  });

  it('retries a callback BW answered 503 twice, with the same eventId and body, as the clock moves on', async () => {
    receiver.plan.failNext = 2;
    const link = await handOff('fac-2');
    const response = await postForm({
      state: stateOf(link.url),
      ...facility(2),
      contactEmail: 'manager@fac-2.example',
    });
    expect(response.status).toBe(201);
    const firstTry = await waitFor('the first attempt', () =>
      receiver.received.find((r) => r.event?.state.jti === link.jti)
    );
    expect(firstTry.status).toBe(503);
    const registrationId = firstTry.event!.registrationId;
    const pending = (await simRegistrations()).find((r) => r.registrationId === registrationId)!;
    expect(pending.deliveries[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: 'HTTP 503' });

    await scheduler.advanceTo(later(clock.now(), 'PT1H'));
    const attempts = eventsOf(registrationId);
    expect(attempts.map((a) => a.status)).toEqual([503, 503, 204]);
    expect(new Set(attempts.map((a) => a.headers['x-gateway-event-id'])).size).toBe(1);
    expect(new Set(attempts.map((a) => a.rawBody.toString('utf8'))).size).toBe(1);
    const stamps = attempts.map((a) => Number(a.headers['x-gateway-timestamp']));
    expect(stamps[1]! - stamps[0]!).toBeGreaterThanOrEqual(60); // 1 min, then 5 min, on the clock
    expect(stamps[2]! - stamps[1]!).toBeGreaterThanOrEqual(300);
    const delivered = (await simRegistrations()).find((r) => r.registrationId === registrationId)!;
    expect(delivered.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 3 });
  });

  it('drops deliveries on request (fault injection) and gives up after 5 attempts', async () => {
    const faults = await fetch(`${sim.baseUrl}/_sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ failNextCallbacks: 5 }),
    });
    expect(await faults.json()).toMatchObject({ failNextCallbacks: 5, delayMs: 0 });
    const fac2 = (await simRegistrations()).find((r) => r.status === 'PENDING_APPROVAL')!;
    await scheduler.advanceTo(later(clock.now(), 'P3D'));
    const after = (await simRegistrations()).find((r) => r.registrationId === fac2.registrationId)!;
    expect(after.status).toBe('APPROVED');
    expect(after.deliveries[1]).toMatchObject({
      type: 'facility.approved',
      status: 'failed',
      attempts: 5,
      lastError: expect.stringContaining('fault injected'),
    });
    expect(eventsOf(fac2.registrationId).map((r) => r.event!.type)).toEqual([
      'facility.registered',
      'facility.registered',
      'facility.registered',
    ]);
    expect(await (await fetch(`${sim.baseUrl}/_sim/faults`)).json()).toMatchObject({
      failNextCallbacks: 0,
      delayMs: 0,
    });
  });

  it("delays the Gateway's answers on request, so BW's look-up times out", async () => {
    await fetch(`${sim.baseUrl}/_sim/faults`, { method: 'POST', body: JSON.stringify({ delayMs: 1_000 }) });
    const slow = fetchFacilityStatus(sim.baseUrl, first.gatewayFacilityId!, { ...read, timeoutMs: 150 });
    await expect(slow).rejects.toBeInstanceOf(GatewayRequestFailed);
    await expect(slow).rejects.toMatchObject({ kind: 'timeout' });
    await fetch(`${sim.baseUrl}/_sim/faults`, { method: 'POST', body: JSON.stringify({ delayMs: 0 }) });
    await expect(fetchFacilityStatus(sim.baseUrl, first.gatewayFacilityId!, read)).resolves.not.toBeNull();
  });

  it('rejects a registration on request: facility.rejected with the reason, and no approval later', async () => {
    const { registrationId } = await register(3);
    const reject = (body: unknown, id = registrationId) =>
      fetch(`${sim.baseUrl}/_sim/registrations/${id}/reject`, { method: 'POST', body: JSON.stringify(body) });
    expect((await reject({})).status).toBe(400);
    expect((await reject({ reason: 'x' }, 'REG-UNKNOWN')).status).toBe(404);
    const response = await reject({ reason: 'The address does not match the business licence.' });
    expect(response.status).toBe(200);
    const rejected = await waitFor('facility.rejected', () =>
      eventsOf(registrationId).find((r) => r.event!.type === 'facility.rejected')
    );
    expect(rejected.event).toMatchObject({ reason: 'The address does not match the business licence.' });
    expect((await reject({ reason: 'again' })).status).toBe(409);
    await expect(fetchRegistrationStatus(sim.baseUrl, registrationId, read)).resolves.toMatchObject({
      status: 'REJECTED',
      rejectionReason: 'The address does not match the business licence.',
      gatewayFacilityId: null,
    });
    await scheduler.advanceTo(later(clock.now(), 'P3D'));
    expect(eventsOf(registrationId).map((r) => r.event!.type)).toEqual(['facility.registered', 'facility.rejected']);
  });

  it('approves at once on request (POST /_sim/registrations/{id}/approve), for a real clock', async () => {
    const { registrationId } = await register(5);
    const response = await fetch(`${sim.baseUrl}/_sim/registrations/${registrationId}/approve`, { method: 'POST' });
    expect(response.status).toBe(200);
    const approved = await waitFor('facility.approved', () =>
      eventsOf(registrationId).find((r) => r.event!.type === 'facility.approved')
    );
    expect(approved.status).toBe(204);
    const again = await fetch(`${sim.baseUrl}/_sim/registrations/${registrationId}/approve`, { method: 'POST' });
    expect(again.status).toBe(409);
  });

  it('restarted on the same data folder, knows its registrations and finishes what was pending', async () => {
    receiver.plan.failNext = 1; // the registered callback is still to be retried when the simulator stops
    const { registrationId, state } = await register(4);
    const before = await simRegistrations();
    expect(before.find((r) => r.registrationId === registrationId)!.deliveries[0]).toMatchObject({
      status: 'pending',
      attempts: 1,
    });
    await sim.close();
    await scheduler.stop();

    await start();
    const after = await simRegistrations();
    expect(after.map((r) => [r.registrationId, r.status, r.gatewayFacilityId])).toEqual(
      before.map((r) => [r.registrationId, r.status, r.gatewayFacilityId])
    );
    await expect(fetchFacilityStatus(sim.baseUrl, first.gatewayFacilityId!, read)).resolves.toMatchObject({
      registrationId: first.registrationId,
    });
    const reused = await fetch(`${sim.baseUrl}/facility-registration?state=${state}`);
    expect(reused.status).toBe(409);

    await scheduler.advanceTo(later(clock.now(), 'P2DT1M'));
    const approved = await waitFor('facility.approved after the restart', () =>
      eventsOf(registrationId).find((r) => r.event!.type === 'facility.approved')
    );
    expect(approved.status).toBe(204);
    expect(eventsOf(registrationId).map((r) => `${r.event!.type} ${r.status}`)).toEqual([
      'facility.registered 503',
      'facility.registered 204',
      'facility.approved 204',
    ]);
  });

  it('sent only callbacks that are signed, on the contract and accepted by verifyGatewayCallback', () => {
    expect(receiver.received.length).toBeGreaterThan(8);
    for (const entry of receiver.received) {
      expect(entry.rejected).toBeUndefined();
      expect(gatewayCallbackEventSchema.safeParse(JSON.parse(entry.rawBody.toString('utf8'))).success).toBe(true);
      expect(entry.headers['content-type']).toBe('application/json');
    }
    expect(logs.filter((line) => line.startsWith('[scheduler]'))).toEqual([]);
  });
});

describe('SLCP Gateway simulator on the real clock', () => {
  it('approves and calls back by itself when the approval delay has passed, with no scheduler jump', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gateway-sim-real-'));
    const clock = new LocalClock('real');
    const receiver = await startReceiver(clock);
    const sim = await startGatewaySimulator({
      host: '127.0.0.1',
      port: 0,
      secret,
      clock,
      approvalDelay: 'PT0.3S',
      dataDir,
      log: () => undefined,
    });
    try {
      const link = await createRegistrationUrl({
        gatewayBaseUrl: sim.baseUrl,
        secret,
        factoryId: 'fac-real',
        email: 'manager@fac-real.example',
        callbackUrl: receiver.url,
        clock,
      });
      const response = await fetch(`${sim.baseUrl}/facility-registration`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          state: new URL(link.url).searchParams.get('state'),
          facilityName: 'Real Clock Apparel',
          address: '1 Real Street, Hanoi',
          country: 'VN',
          contactEmail: 'manager@fac-real.example',
        }),
      });
      expect(response.status).toBe(201);
      expect(await response.json()).toMatchObject({ status: 'PENDING_APPROVAL', registrationId: expect.any(String) });
      const approved = await waitFor('facility.approved', () =>
        receiver.received.find((r) => r.event?.type === 'facility.approved')
      );
      expect(approved.rejected).toBeUndefined();
    } finally {
      await sim.close();
      await receiver.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
