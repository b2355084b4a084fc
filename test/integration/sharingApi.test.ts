// The SLCP sharing API end to end in-process: the app's real function registrations on the local
// Functions host over real HTTP, a real local Cosmos server through the real SDK, a real SMTP sink, and
// ES256 bearer tokens checked against a JWKS served from a local HTTP server (test/support/apiHarness).
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMailSink, type MailSink } from '../../local/mail/mailSink';
import { signGatewayCallback } from '../../shared/adapters/gateway/gatewayClient';
import type { UserDocument } from '../../shared/app/users/userDirectory';
import type { Role } from '../../shared/domain/access/roles';
import type { FactoryDocument } from '../../shared/domain/factory/factory';
import type { Clock } from '../../shared/ports/clock';
import type { DocumentStore, StoredDocument } from '../../shared/ports/documentStore';
import { apiCalls } from '../support/apiCalls';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { factoryOne, factoryTwo, registeredFactory } from '../support/sharingFixtures';

jest.setTimeout(120_000);

interface TestUser {
  userId: string;
  roles: Role[];
  email?: string;
  countryCodes?: string[];
  brandId?: string;
}

const users = {
  manager: {
    userId: 'a1f3c0de-0000-4000-8000-000000000001',
    roles: ['FactoryManager'],
    email: 'manager@factory-one.example.com',
  },
  otherManager: {
    userId: 'a1f3c0de-0000-4000-8000-000000000002',
    roles: ['FactoryManager'],
    email: 'manager@factory-two.example.com',
  },
  staff: {
    userId: 'a1f3c0de-0000-4000-8000-000000000003',
    roles: ['RegistrationStaff'],
    email: 'registration.bd@example.org',
    countryCodes: ['BD'],
  },
  staffVn: { userId: 'a1f3c0de-0000-4000-8000-000000000004', roles: ['RegistrationStaff'], countryCodes: ['VN'] },
  brand: { userId: 'a1f3c0de-0000-4000-8000-000000000005', roles: ['Brand'], brandId: 'brand-1' },
  otherBrand: { userId: 'a1f3c0de-0000-4000-8000-000000000006', roles: ['Brand'], brandId: 'brand-2' },
} satisfies Record<string, TestUser>;

const secret = randomBytes(32).toString('base64url');
const start = new Date('2030-03-01T08:00:00Z');

let api: ApiHarness;
let mail: MailSink;
let mailDir: string;
const { call, advanceClock } = apiCalls(() => api);

/** The test's users and its two registered factories in Bangladesh (factory one subscribed to by brand-1). */
async function seed(store: DocumentStore, clock: Clock): Promise<void> {
  const now = clock.now().toISOString();
  for (const user of Object.values(users) as TestUser[]) {
    const doc: UserDocument = {
      id: user.userId,
      type: 'user',
      userId: user.userId,
      name: undefined,
      email: user.email,
      countryCodes: user.countryCodes ?? [],
      factoryIds: [],
      advisedFactoryIds: [],
      brandId: user.brandId,
      updatedAt: now,
    };
    await store.write('users', user.userId, [{ kind: 'create', doc }]);
  }
  const signedAt = clock.now();
  await store.write('factories', 'BD', [
    {
      kind: 'create',
      doc: registeredFactory(factoryOne, signedAt, {
        managerUserIds: [users.manager.userId],
        subscribedBrandIds: ['brand-1'],
      }),
    },
  ]);
  await store.write('factories', 'BD', [
    { kind: 'create', doc: registeredFactory(factoryTwo, signedAt, { managerUserIds: [users.otherManager.userId] }) },
  ]);
}

/** Every document of the BD partition of `factories` plus every Gateway claim: "nothing written" compares these. */
async function snapshot(): Promise<string> {
  const page = await api.store.query<StoredDocument>(
    'factories',
    'BD',
    { query: 'SELECT * FROM c WHERE c.countryCode = @pk' },
    { maxItems: 1000 }
  );
  const links = await api.store.queryAcrossPartitions<StoredDocument>('gatewayLinks', { query: 'SELECT * FROM c' });
  const sort = (docs: StoredDocument[]) => [...docs].sort((a, b) => a.id.localeCompare(b.id));
  return JSON.stringify([sort(page.items), sort(links)]);
}

async function factory(factoryId: string): Promise<FactoryDocument> {
  return (await api.store.read<FactoryDocument>('factories', 'BD', factoryId))!.doc;
}

function signedCallback(body: Record<string, unknown>, key = secret) {
  const rawBody = JSON.stringify(body);
  const headers = signGatewayCallback({
    eventId: String(body.eventId),
    rawBody,
    secret: key,
    timestamp: Math.floor(api.clock.now().getTime() / 1000),
  });
  return { headers: { ...headers, 'content-type': 'application/json' }, body: rawBody };
}

function gatewayEvent(type: string, jti: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventId: randomUUID(),
    type,
    occurredAt: api.clock.now().toISOString(),
    state: { factoryId: factoryOne, jti },
    registrationId: 'REG-7KQ2M9XD4P',
    email: users.manager.email,
    ...extra,
  };
}

beforeAll(async () => {
  mailDir = mkdtempSync(join(tmpdir(), 'sharing-api-mail-'));
  mail = await startMailSink({ smtpPort: 0, webPort: 0, dataDir: mailDir });
  // Timers on: advancing the clock runs the outbox, which sends to the mail sink.
  api = await startApiHarness({
    seed,
    timers: true,
    smtpPort: mail.smtpPort,
    startAt: start,
    env: { GATEWAY_SHARED_SECRET: secret },
  });
});

afterAll(async () => {
  await api?.stop();
  await mail?.close();
  if (mailDir) rmSync(mailDir, { recursive: true, force: true });
});

describe('SLCP sharing API on the local host', () => {
  it('registers every sharing trigger, the outbox timer included', () => {
    const names = api.host.functions().map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'requestSlcpSharing',
        'getSlcpStatus',
        'recordSlcpOptOut',
        'connectGateway',
        'gatewayCallbacks',
        'linkGateway',
        'getAssessorBody',
        'subscribeBrand',
        'unsubscribeBrand',
        'getDashboard',
        'listNotifications',
        'countUnreadNotifications',
        'markNotificationRead',
        'deliverOutbox',
      ])
    );
  });

  it('documents every sharing endpoint in the OpenAPI document', async () => {
    const response = await fetch(`${api.base}/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { paths: Record<string, Record<string, unknown>> };
    for (const [path, method] of [
      ['/factories/{factoryId}/slcp-request', 'post'],
      ['/factories/{factoryId}/slcp', 'get'],
      ['/factories/{factoryId}/slcp-opt-out', 'post'],
      ['/factories/{factoryId}/gateway/connect', 'post'],
      ['/gateway/callbacks', 'post'],
      ['/factories/{factoryId}/gateway/link', 'put'],
      ['/factories/{factoryId}/assessor-body', 'get'],
      ['/factories/{factoryId}/subscriptions/{brandId}', 'put'],
      ['/factories/{factoryId}/subscriptions/{brandId}', 'delete'],
      ['/factories/{factoryId}/dashboard', 'get'],
      ['/notifications', 'get'],
      ['/notifications/unread-count', 'get'],
      ['/notifications/{notificationId}/read', 'post'],
    ] as const) {
      expect(document.paths[path]?.[method]).toBeDefined();
    }
  });

  it('R1, R2: the manager requests sharing; a repeat answers the same state and writes nothing', async () => {
    const before = await call('GET', `factories/${factoryOne}/slcp`, { as: users.staff });
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ request: { requested: false }, gateway: { status: 'notConnected' } });

    const first = await call('POST', `factories/${factoryOne}/slcp-request`, { as: users.manager });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ request: { requested: true, appliesFrom: 'nextCycle' } });
    const snap = await snapshot();
    const again = await call('POST', `factories/${factoryOne}/slcp-request`, { as: users.manager });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(await snapshot()).toBe(snap);
  });

  it('403 for a role that may not, 404 for a factory the caller has no relation to, 401 without a token', async () => {
    expect((await call('POST', `factories/${factoryOne}/slcp-request`, { as: users.staff })).status).toBe(403);
    expect((await call('POST', `factories/${factoryOne}/slcp-request`, { as: users.otherManager })).status).toBe(404);
    expect((await call('GET', `factories/${factoryOne}/slcp`, { as: users.otherManager })).status).toBe(404);
    expect((await call('GET', 'factories/BD-NOTTHERE/slcp', { as: users.manager })).status).toBe(404);
    expect((await call('GET', `factories/${factoryOne}/slcp`, { as: users.staffVn })).status).toBe(404);
    const brand = await call('GET', `factories/${factoryOne}/slcp`, { as: users.brand });
    expect(brand.status).toBe(403);
    expect(brand.headers.get('content-type')).toBe('application/problem+json');
    expect((await call('GET', `factories/${factoryOne}/slcp`, { as: users.otherBrand })).status).toBe(403);
    expect((await call('GET', `factories/${factoryOne}/dashboard`, { as: users.otherBrand })).status).toBe(404);
    expect((await call('GET', `factories/${factoryOne}/slcp`)).status).toBe(401);
  });

  it('R21: the brand dashboard has no SLCP field; the manager and staff see it', async () => {
    const forBrand = await call('GET', `factories/${factoryOne}/dashboard`, { as: users.brand });
    expect(forBrand.status).toBe(200);
    expect(forBrand.body).not.toHaveProperty('slcp');
    expect(JSON.stringify(forBrand.body)).not.toMatch(/slcp|gateway|sharing/i);
    expect(forBrand.body).toMatchObject({
      quickFacts: { buyersSubscribingToLatestCycle: 1, improvementActivities: { completed: 0, pending: 0 } },
      latestDocuments: [],
    });
    const forManager = await call('GET', `factories/${factoryOne}/dashboard`, { as: users.manager });
    expect(forManager.body).toMatchObject({
      profile: { complete: true, percent: 100, missing: [] },
      slcp: { request: { requested: true } },
    });
  });

  it('R20: a BW-enrolled factory is assessed by Better Work', async () => {
    const answer = await call('GET', `factories/${factoryOne}/assessor-body`, { as: users.brand });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ assessedBy: 'BetterWork' });
  });

  it('R9: connect, then the signed callbacks (registered, approved) connect the factory', async () => {
    const connect = await call('POST', `factories/${factoryOne}/gateway/connect`, { as: users.manager });
    expect(connect.status).toBe(200);
    const registrationUrl = new URL(String(connect.body.registrationUrl));
    expect(registrationUrl.pathname).toBe('/facility-registration');
    expect(Date.parse(String(connect.body.expiresAt))).toBeGreaterThan(api.clock.now().getTime());
    const jti = (await factory(factoryOne)).gateway.stateJti!;
    expect((await call('GET', `factories/${factoryOne}/slcp`, { as: users.staff })).body).toMatchObject({
      gateway: { status: 'registrationStarted' },
    });

    const registered = signedCallback(gatewayEvent('facility.registered', jti));
    const first = await call('POST', 'gateway/callbacks', registered);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ duplicate: false, outcome: 'applied' });

    const approvedEvent = gatewayEvent('facility.approved', jti, { gatewayFacilityId: 'GW-7KQ2M9XD' });
    const approved = signedCallback(approvedEvent);
    expect((await call('POST', 'gateway/callbacks', approved)).status).toBe(200);
    const status = await call('GET', `factories/${factoryOne}/slcp`, { as: users.manager });
    expect(status.body).toMatchObject({
      gateway: { status: 'connected', gatewayFacilityId: 'GW-7KQ2M9XD', linkedBy: 'gateway' },
    });

    // The same event delivered again: 200, a duplicate, nothing changed.
    const snap = await snapshot();
    const replay = await call('POST', 'gateway/callbacks', approved);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ duplicate: true });
    expect(await snapshot()).toBe(snap);

    // A badly signed callback: 401 problem, nothing written.
    const forged = signedCallback(gatewayEvent('facility.rejected', jti, { reason: 'forged' }), 'x'.repeat(40));
    const refused = await call('POST', 'gateway/callbacks', forged);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    const unsigned = await call('POST', 'gateway/callbacks', { json: approvedEvent });
    expect(unsigned.status).toBe(401);
    expect(await snapshot()).toBe(snap);

    // Connecting again is refused: already connected.
    const twice = await call('POST', `factories/${factoryOne}/gateway/connect`, { as: users.manager });
    expect(twice.status).toBe(422);
    expect(twice.body).toMatchObject({ rule: 'R9' });
  });

  it('R9: the approval email reaches the mail sink and the notification the portal when the outbox runs', async () => {
    await advanceClock('PT1M');
    const sent = mail.messages().filter((m) => m.to.includes(users.manager.email));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toBe('Your factory is connected to the SLCP Gateway');
    expect(sent[0]!.text).toContain(`/factories/${factoryOne}/slcp`);

    const count = await call('GET', 'notifications/unread-count', { as: users.manager });
    expect(count.body).toEqual({ unread: 1 });
    const list = await call('GET', 'notifications?unread=true', { as: users.manager });
    expect(list.status).toBe(200);
    const items = list.body.items as { id: string; title: string }[];
    expect(items.map((n) => n.title)).toEqual(['Your factory is connected to the SLCP Gateway']);
    expect((await call('GET', 'notifications', { as: users.otherManager })).body).toMatchObject({ items: [] });
    expect((await call('POST', `notifications/${items[0]!.id}/read`, { as: users.otherManager })).status).toBe(404);
    const read = await call('POST', `notifications/${items[0]!.id}/read`, { as: users.manager });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ read: true });
    expect((await call('GET', 'notifications/unread-count', { as: users.manager })).body).toEqual({ unread: 0 });
    expect((await call('GET', 'notifications?continuation=bogus', { as: users.manager })).status).toBe(400);
    expect((await call('GET', 'notifications?other=1', { as: users.manager })).status).toBe(400);

    // A second run sends nothing again.
    await advanceClock('PT1M');
    expect(mail.messages().filter((m) => m.to.includes(users.manager.email))).toHaveLength(1);
  });

  it('R4: a second factory cannot take the same Gateway ID (409); another ID links', async () => {
    const snap = await snapshot();
    const taken = await call('PUT', `factories/${factoryTwo}/gateway/link`, {
      as: users.staff,
      json: { gatewayFacilityId: 'GW-7KQ2M9XD' },
    });
    expect(taken.status).toBe(409);
    expect(await snapshot()).toBe(snap);
    const linked = await call('PUT', `factories/${factoryTwo}/gateway/link`, {
      as: users.staff,
      json: { gatewayFacilityId: 'GW-AB12CD34' },
    });
    expect(linked.status).toBe(200);
    expect(linked.body).toMatchObject({ gateway: { status: 'connected', linkedBy: 'staff' } });
    expect(
      (
        await call('PUT', `factories/${factoryTwo}/gateway/link`, {
          as: users.manager,
          json: { gatewayFacilityId: 'GW-AB12CD34' },
        })
      ).status
    ).toBe(403);
  });

  it('malformed, unknown-field, oversize and non-JSON bodies are refused and write nothing', async () => {
    const snap = await snapshot();
    const optOut = `factories/${factoryOne}/slcp-opt-out`;
    const malformed = await call('POST', optOut, { as: users.staff, body: '{"reason": ' });
    expect(malformed.status).toBe(400);
    const unknownField = await call('POST', optOut, {
      as: users.staff,
      json: { reason: 'The factory called', extra: 1 },
    });
    expect(unknownField.status).toBe(400);
    const tooShort = await call('POST', optOut, { as: users.staff, json: { reason: 'no' } });
    expect(tooShort.status).toBe(400);
    expect(tooShort.body).toMatchObject({ errors: [{ pointer: '/reason' }] });
    const oversize = await call('POST', optOut, { as: users.staff, json: { reason: 'x'.repeat(10_000) } });
    expect(oversize.status).toBe(413);
    const text = await call('POST', optOut, {
      as: users.staff,
      body: 'reason=stop',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    const badId = await call('PUT', `factories/${factoryTwo}/gateway/link`, {
      as: users.staff,
      json: { gatewayFacilityId: 'gw-123' },
    });
    expect(badId.status).toBe(400);
    expect(await snapshot()).toBe(snap);
  });

  it('R6: staff record an opt-out with a reason; the manager may request again', async () => {
    expect(
      (await call('POST', `factories/${factoryOne}/slcp-opt-out`, { as: users.manager, json: { reason: 'Stop' } }))
        .status
    ).toBe(403);
    const out = await call('POST', `factories/${factoryOne}/slcp-opt-out`, {
      as: users.staff,
      json: { reason: 'The factory asked by phone to stop sharing' },
    });
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({
      request: { requested: false },
      optOut: { reason: 'The factory asked by phone to stop sharing' },
    });
    const again = await call('POST', `factories/${factoryOne}/slcp-request`, { as: users.manager });
    expect(again.body).toMatchObject({ request: { requested: true }, optOut: null });
  });

  it('subscriptions: staff add and remove brands; the brand loses access when removed', async () => {
    const add = await call('PUT', `factories/${factoryOne}/subscriptions/brand-2`, { as: users.staff });
    expect(add.status).toBe(200);
    expect(add.body).toEqual({ factoryId: factoryOne, subscribedBrandIds: ['brand-1', 'brand-2'] });
    expect((await call('GET', `factories/${factoryOne}/dashboard`, { as: users.otherBrand })).status).toBe(200);
    const remove = await call('DELETE', `factories/${factoryOne}/subscriptions/brand-2`, { as: users.staff });
    expect(remove.status).toBe(200);
    expect(remove.body).toEqual({ factoryId: factoryOne, subscribedBrandIds: ['brand-1'] });
    expect((await call('GET', `factories/${factoryOne}/dashboard`, { as: users.otherBrand })).status).toBe(404);
    expect((await call('PUT', `factories/${factoryOne}/subscriptions/brand-1`, { as: users.brand })).status).toBe(403);
  });

  it('the audit trail holds one event per change', async () => {
    const page = await api.store.query<StoredDocument & { action: string }>(
      'factories',
      'BD',
      { query: "SELECT * FROM c WHERE c.countryCode = @pk AND c.type = 'audit'" },
      { maxItems: 1000 }
    );
    expect(page.items.map((a) => a.action).sort()).toEqual(
      [
        'gateway.facility.approved',
        'gateway.facility.registered',
        'gateway.linkedByStaff',
        'gateway.registrationStarted',
        'slcp.optedOut',
        'slcp.requested',
        'slcp.requested',
        'subscriptions.added',
        'subscriptions.removed',
      ].sort()
    );
  });
});
