// The enrolment flow through `npm start` (the built local host, spawned on free ports with a temporary
// data folder and a virtual clock), over HTTP only, as its users would: registration staff enrol a new
// factory, its manager accepts the emailed invitation, completes the profile, signs the T&C, asks for SLCP
// sharing and connects to the SLCP Gateway simulator; SLCP approves two days later on the clock; the
// manager gets the email, the notification and the Gateway Facility ID; a subscribed brand sees none of it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlatform, stopPlatform, type RunningPlatform } from '../support/platform';

jest.setTimeout(90_000);

/** Every wait is bounded: the flow itself takes seconds. */
const waitMs = 15_000;

interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

interface Mail {
  subject: string;
  text: string | null;
  to: string[];
}

interface SimRegistration {
  registrationId: string;
  factoryId: string;
  status: string;
  gatewayFacilityId: string | null;
  deliveries: { type: string; status: string; attempts: number }[];
}

let dir: string;
let platform: RunningPlatform | undefined;
let gatewayBase: string;
let mailBase: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bw-slcp-e2e-gateway-'));
  platform = await startPlatform(dir, ['--virtual-clock']);
  gatewayBase = `http://127.0.0.1:${platform.ports.gateway}`;
  mailBase = `http://127.0.0.1:${platform.ports.mailWeb}`;
});

afterAll(async () => {
  await stopPlatform(platform, dir);
});

async function read<T>(response: Response): Promise<Answer<T>> {
  const text = await response.text();
  let body: unknown = undefined;
  if ((response.headers.get('content-type') ?? '').includes('json') && text !== '') body = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: body as T, text };
}

/** A demo user signs in: a token from the development identity provider (it expires with the clock). */
async function signIn(user: string): Promise<{ token: string; email: string; userId: string }> {
  const answer = await read<{ access_token: string; user: { email: string; userId: string } }>(
    await fetch(`${platform!.base}/_dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user }),
    })
  );
  expect(answer.status).toBe(200);
  return { token: answer.body.access_token, email: answer.body.user.email, userId: answer.body.user.userId };
}

/** A call of the API as a demo user, signed in afresh (so a clock jump never leaves a stale token). */
async function api<T = Record<string, unknown>>(
  user: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {}
): Promise<Answer<T>> {
  const { token } = await signIn(user);
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  return read<T>(
    await fetch(`${platform!.base}${path}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    })
  );
}

async function moveClock(advance: string): Promise<void> {
  const answer = await read(
    await fetch(`${platform!.base}/_dev/clock`, { method: 'POST', body: JSON.stringify({ advance }) })
  );
  expect(answer.status).toBe(200);
}

/** Polls until `probe` answers something, or fails after `waitMs` naming what it waited for. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${waitMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function mailTo(address: string): Promise<Mail[]> {
  const answer = await read<{ messages: Mail[] }>(
    await fetch(`${mailBase}/api/messages?to=${encodeURIComponent(address)}`)
  );
  expect(answer.status).toBe(200);
  return answer.body.messages;
}

async function simRegistrations(): Promise<SimRegistration[]> {
  const answer = await read<{ registrations: SimRegistration[] }>(await fetch(`${gatewayBase}/_sim/registrations`));
  expect(answer.status).toBe(200);
  return answer.body.registrations;
}

async function submitForm(fields: Record<string, string>): Promise<Answer> {
  return read(
    await fetch(`${gatewayBase}/facility-registration`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams(fields).toString(),
    })
  );
}

const staff = 'registration-bd';
// Every FactoryManager demo user is bound to a seeded factory; accepting an invitation binds the caller to
// one more, so fm-bd-2 is invited (at their own address) to the new factory and accepts.
const manager = 'fm-bd-2';
const brand = 'brand-1';
const factory = {
  name: 'Jamuna Woven Garments Ltd.',
  address: 'Plot 27, Road 4, Dhaka Export Processing Zone, Savar',
};

describe('enrolment and SLCP Gateway connection through npm start', () => {
  let managerEmail: string;
  let factoryId: string;
  let invitationToken: string;
  let registrationUrl: string;
  let gatewayFacilityId: string;

  it('documents every route the flow uses in /api/openapi.json', async () => {
    const answer = await read<{ paths: Record<string, Record<string, unknown>> }>(
      await fetch(`${platform!.base}/openapi.json`)
    );
    expect(answer.status).toBe(200);
    const documented = Object.entries(answer.body.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`)
    );
    expect(documented).toEqual(
      expect.arrayContaining([
        'POST /countries/{countryCode}/factories',
        'POST /invitations/accept',
        'GET /factories/{factoryId}',
        'GET /factories/{factoryId}/profile',
        'PATCH /factories/{factoryId}/profile',
        'POST /factories/{factoryId}/terms',
        'POST /factories/{factoryId}/slcp-request',
        'POST /factories/{factoryId}/gateway/connect',
        'GET /factories/{factoryId}/slcp',
        'GET /factories/{factoryId}/dashboard',
        'PUT /factories/{factoryId}/subscriptions/{brandId}',
        'GET /notifications',
        'POST /gateway/callbacks',
      ])
    );
  });

  it('1. registration staff enrol a new factory in BD; the invitation email reaches its manager', async () => {
    managerEmail = (await signIn(manager)).email;
    const registered = await api(staff, 'POST', '/countries/BD/factories', {
      body: { ...factory, managerEmail, cycle: { startsOn: '2027-01-01', endsOn: '2027-12-31' } },
    });
    expect(registered.status).toBe(201);
    factoryId = String(registered.body.factoryId);
    expect(factoryId).toMatch(/^BD-[0-9A-Z]{8}$/);
    expect(registered.headers.get('location')).toBe(`/api/factories/${factoryId}`);
    expect(registered.body).toMatchObject({
      status: 'invited',
      managerCount: 0,
      invitation: { sentTo: managerEmail, acceptedAt: null },
      gateway: { status: 'notConnected', gatewayFacilityId: null },
    });

    // Emails leave through the outbox timer, every minute: move the clock a minute rather than wait for it.
    await moveClock('PT1M');
    const invitation = await eventually('the invitation email', async () =>
      (await mailTo(managerEmail)).find((m) => m.subject.includes(factory.name))
    );
    expect(invitation.subject).toBe(`Set up the Better Work account of ${factory.name}`);
    const link = /(\S+\/invitations\/accept\?token=)(\S+)/.exec(invitation.text ?? '');
    expect(link).not.toBeNull();
    invitationToken = decodeURIComponent(link![2]!);
    expect(invitationToken.startsWith(`${factoryId}.`)).toBe(true);
  });

  it('2. the manager accepts the invitation, completes the profile, signs the T&C and asks for SLCP sharing', async () => {
    // Not theirs before they accept: the factory is hidden (404), not merely forbidden.
    expect((await api(manager, 'GET', `/factories/${factoryId}`)).status).toBe(404);

    const accepted = await api(manager, 'POST', '/invitations/accept', { body: { token: invitationToken } });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ factoryId, dashboard: `/api/factories/${factoryId}/dashboard` });
    const again = await api(manager, 'POST', '/invitations/accept', { body: { token: invitationToken } });
    expect(again.status).toBe(409); // a link works once

    const bound = await api(manager, 'GET', `/factories/${factoryId}`);
    expect(bound.status).toBe(200);
    expect(bound.body).toMatchObject({ status: 'registered', managerCount: 1 });

    const profile = await api(manager, 'GET', `/factories/${factoryId}/profile`);
    expect(profile.status).toBe(200);
    const etag = profile.headers.get('etag');
    expect(etag).toBeTruthy();
    const changes = {
      city: 'Savar',
      postalCode: '1349',
      phoneCountryCode: '+880',
      phoneNumber: '2 7791 1200',
      facilityEmail: 'office@jamuna-woven.example.com',
      contactPersonName: 'Shirin Begum',
      contactPersonTitle: 'General Manager',
      contactEmail: managerEmail,
      totalWorkers: 1200,
      femaleWorkers: 780,
      products: 'Woven shirts and blouses',
    };
    expect((await api(manager, 'PATCH', `/factories/${factoryId}/profile`, { body: changes })).status).toBe(412);
    const edited = await api(manager, 'PATCH', `/factories/${factoryId}/profile`, {
      body: changes,
      headers: { 'if-match': etag! },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ completion: { complete: false, missing: ['termsAndConditions'] } });

    const signed = await api(manager, 'POST', `/factories/${factoryId}/terms`, {
      body: { accept: true },
      headers: { 'if-match': edited.headers.get('etag')! },
    });
    expect(signed.status).toBe(200);
    expect(signed.body).toMatchObject({ completion: { complete: true, percent: 100, missing: [] } });

    const requested = await api(manager, 'POST', `/factories/${factoryId}/slcp-request`);
    expect(requested.status).toBe(200);
    expect(requested.body).toMatchObject({
      request: { requested: true, appliesFrom: 'nextCycle' },
      gateway: { status: 'notConnected' },
    });
  });

  it('3. "Connect with SLCP": the Gateway form refuses another email, accepts the manager\'s, and calls back', async () => {
    const connected = await api<{ registrationUrl: string; expiresAt: string }>(
      manager,
      'POST',
      `/factories/${factoryId}/gateway/connect`
    );
    expect(connected.status).toBe(200);
    registrationUrl = connected.body.registrationUrl;
    expect(registrationUrl.startsWith(`${gatewayBase}/facility-registration?state=`)).toBe(true);
    const state = new URL(registrationUrl).searchParams.get('state')!;

    const form = await read(await fetch(registrationUrl));
    expect(form.status).toBe(200);
    expect(form.headers.get('content-type')).toMatch(/^text\/html/);
    expect(form.text).toContain('Facility Information Form');
    expect(form.text).toContain(`value="${managerEmail}"`);
    expect(form.text).toContain('Verifier: Better Work');

    const fields = { state, facilityName: factory.name, address: factory.address, country: 'BD', osHubId: '' };
    const refused = await submitForm({ ...fields, contactEmail: 'someone.else@example.com' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('id="contactEmail-error"');
    expect(refused.text).toContain('The contact email must be the email you use on the Better Work platform');

    const submitted = await submitForm({ ...fields, contactEmail: managerEmail });
    expect(submitted.status).toBe(201);
    expect(submitted.text).toContain('Registration submitted');
    const registrationId = /REG-[0-9A-Z]+/.exec(submitted.text)?.[0];
    expect(registrationId).toBeDefined();

    // The Gateway calls back facility.registered.
    const status = await eventually('the factory to show the registration', async () => {
      const slcp = await api<{ gateway: { status: string } }>(manager, 'GET', `/factories/${factoryId}/slcp`);
      expect(slcp.status).toBe(200);
      return slcp.body.gateway.status === 'registered' ? slcp.body : undefined;
    });
    expect(status.gateway).toMatchObject({ status: 'registered', gatewayFacilityId: null });
    const [registration] = (await simRegistrations()).filter((r) => r.factoryId === factoryId);
    expect(registration).toMatchObject({ registrationId, status: 'PENDING_APPROVAL' });

    // The link works once.
    expect((await read(await fetch(registrationUrl))).status).toBe(409);
  });

  it('4. two days later on the clock SLCP approves: email, Gateway Facility ID and notification for the manager', async () => {
    await moveClock('P2DT1M');

    const approval = await eventually('the approval email', async () =>
      (await mailTo(managerEmail)).find((m) => m.subject === 'Your factory is connected to the SLCP Gateway')
    );
    gatewayFacilityId = /GW-[0-9A-Z]{8}/.exec(approval.text ?? '')?.[0] ?? '';
    expect(gatewayFacilityId).toMatch(/^GW-[0-9A-Z]{8}$/);
    expect(approval.text).toContain(factory.name);
    expect(approval.text).toMatch(new RegExp(`https?://\\S+/factories/${factoryId}/slcp`)); // the link back

    const slcp = await api(manager, 'GET', `/factories/${factoryId}/slcp`);
    expect(slcp.status).toBe(200);
    expect(slcp.body).toMatchObject({
      factoryId,
      request: { requested: true },
      gateway: { status: 'connected', gatewayFacilityId, linkedBy: 'gateway', rejectedReason: null },
    });

    const notifications = await api<{
      items: { title: string; text: string; link: string | null; factoryId: string }[];
    }>(manager, 'GET', '/notifications');
    expect(notifications.status).toBe(200);
    const about = notifications.body.items.filter((n) => n.factoryId === factoryId);
    expect(about).toEqual([
      expect.objectContaining({
        title: 'Your factory is connected to the SLCP Gateway',
        text: expect.stringContaining(gatewayFacilityId),
        link: expect.stringMatching(new RegExp(`/factories/${factoryId}/slcp$`)),
      }),
    ]);

    const dashboard = await api(manager, 'GET', `/factories/${factoryId}/dashboard`);
    expect(dashboard.status).toBe(200);
    expect(dashboard.body).toMatchObject({ slcp: { gateway: { status: 'connected', gatewayFacilityId } } });

    const [registration] = (await simRegistrations()).filter((r) => r.factoryId === factoryId);
    expect(registration).toMatchObject({ status: 'APPROVED', gatewayFacilityId });
  });

  it('5. every callback arrived once and nothing can be decided twice; a subscribed brand sees no SLCP field (R21)', async () => {
    // The simulator cannot re-send a delivered callback (its /_sim controls approve, reject or inject
    // faults), so the replay itself is not exercised here; test/integration/sharingApi.test.ts replays a
    // signed event. What is checked: each callback went out once, a second decision is refused, and the
    // approval reached the manager once.
    const [registration] = (await simRegistrations()).filter((r) => r.factoryId === factoryId);
    expect(registration!.deliveries.map((d) => [d.type, d.status, d.attempts])).toEqual([
      ['facility.registered', 'delivered', 1],
      ['facility.approved', 'delivered', 1],
    ]);
    const approveAgain = await fetch(`${gatewayBase}/_sim/registrations/${registration!.registrationId}/approve`, {
      method: 'POST',
    });
    expect(approveAgain.status).toBe(409);
    await approveAgain.body?.cancel();
    const approvals = (await mailTo(managerEmail)).filter((m) => m.text?.includes(gatewayFacilityId));
    expect(approvals).toHaveLength(1);

    const subscribed = await api(staff, 'PUT', `/factories/${factoryId}/subscriptions/${brand}`);
    expect(subscribed.status).toBe(200);
    expect(subscribed.body).toMatchObject({ subscribedBrandIds: [brand] });

    const seen = await api(brand, 'GET', `/factories/${factoryId}`);
    expect(seen.status).toBe(200);
    expect(Object.keys(seen.body).sort()).toEqual(
      ['address', 'countryCode', 'currentCycle', 'cycles', 'factoryId', 'name', 'osHubId', 'status'].sort()
    );
    const board = await api(brand, 'GET', `/factories/${factoryId}/dashboard`);
    expect(board.status).toBe(200);
    expect(board.body).toMatchObject({ factoryId, quickFacts: { buyersSubscribingToLatestCycle: 1 } });
    expect(board.body).not.toHaveProperty('slcp');
    for (const answer of [seen, board]) {
      expect(answer.text).not.toContain(gatewayFacilityId);
      expect(answer.text).not.toMatch(/slcp|sharing|gateway|registrationId/i);
    }
    expect((await api(brand, 'GET', `/factories/${factoryId}/slcp`)).status).toBe(403);
  });
});
