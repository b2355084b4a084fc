// The enrolment API end to end: the real function registrations (functions/index) loaded into the local
// Functions host, over real HTTP, against a real local Cosmos server through the real SDK, with ES256 bearer
// tokens from the development identity provider whose keys (JWKS) are served over HTTP (test/support/apiHarness).

import type { Database } from '@azure/cosmos';
import { join } from 'node:path';
import { localIdentityAudience, startDevIdentityProvider } from '../../local/identity/devIdentityProvider';
import { findDemoUser } from '../../local/seed/demoUsers';
import { demoInvitationToken, seedDemoData } from '../../local/seed/seedDemoData';
import { apiCalls, type Json } from '../support/apiCalls';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';

jest.setTimeout(120_000);

const portal = 'https://portal.example.org';

let api: ApiHarness;
let database: Database;
const { call, refusedWithoutWriting } = apiCalls(() => api);

async function outboxEmailsTo(to: string): Promise<{ link: string; subject: string; createdAt: string }[]> {
  const { resources } = await database
    .container('factories')
    .items.query<{ link: string; subject: string; createdAt: string }>({
      query: "SELECT * FROM c WHERE c.type = 'outbox' AND c.to = @to ORDER BY c.createdAt",
      parameters: [{ name: '@to', value: to }],
    })
    .fetchAll();
  return resources;
}

async function latestTokenFor(to: string): Promise<string> {
  const emails = await outboxEmailsTo(to);
  return new URL(emails.at(-1)!.link).searchParams.get('token')!;
}

/** A factory whose first cycle is the calendar year of the clock. */
const newFactory = (name: string, managerEmail: string) => {
  const year = api.clock.now().getUTCFullYear();
  return {
    name,
    address: 'Plot 7, Ashulia Road',
    managerEmail,
    cycle: { startsOn: `${year}-01-01`, endsOn: `${year}-12-31` },
  };
};

beforeAll(async () => {
  // Timers off (the harness's default): the outbox timer changes nothing between a test's requests, so
  // "nothing written" compares every document of every container, ETags included.
  api = await startApiHarness({ seed: seedDemoData, env: { PORTAL_BASE_URL: portal } });
  database = await api.database();
});

afterAll(async () => {
  await api?.stop();
});

describe('authentication', () => {
  it('401 without a token, with a malformed one, and with one signed by another key', async () => {
    const missing = await call('GET', 'countries');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect((await call('GET', 'countries', { token: 'not-a-jwt' })).status).toBe(401);
    const forged = await startDevIdentityProvider({
      dataDir: join(api.dataDir, 'other-idp'),
      issuer: api.identity.issuer,
      audience: localIdentityAudience,
      clock: api.clock,
    });
    const answer = await call('GET', 'countries', { token: await forged.mint(findDemoUser('admin')!) });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ status: 401, title: 'Unauthorized' });
  });
});

describe('country programmes', () => {
  it('GET countries: any authenticated role sees the programmes and where SLCP runs', async () => {
    const answer = await call('GET', 'countries', { as: 'brand-1' });
    expect(answer.status).toBe(200);
    expect(answer.body.items).toHaveLength(11);
    expect(answer.body.items.find((p: Json) => p.countryCode === 'VN')).toMatchObject({
      name: 'Vietnam',
      slcpLaunchDate: '2021-06-30',
      slcpLaunched: true,
      lawOverlay: { reference: 'law-overlay-VN' },
    });
    expect(answer.body.items.find((p: Json) => p.countryCode === 'KH')).toMatchObject({ slcpLaunched: false });
  });

  it('PUT countries/{countryCode}/launch: an administrator launches a country, with If-Match; audited beside it', async () => {
    await refusedWithoutWriting(
      () => call('PUT', 'countries/KH/launch', { as: 'registration-bd', json: { launchDate: '2027-01-15' } }),
      403
    );
    await refusedWithoutWriting(
      () =>
        call('PUT', 'countries/KH/launch', {
          as: 'admin',
          json: { launchDate: '2027-01-15' },
          headers: { 'if-match': '"stale"' },
        }),
      412
    );
    await refusedWithoutWriting(
      () => call('PUT', 'countries/KH/launch', { as: 'admin', json: { launchDate: '2027-02-30' } }),
      400
    );
    await refusedWithoutWriting(
      () => call('PUT', 'countries/ZZ/launch', { as: 'admin', json: { launchDate: null } }),
      404
    );
    const launched = await call('PUT', 'countries/KH/launch', { as: 'admin', json: { launchDate: '2027-01-15' } });
    expect(launched.status).toBe(200);
    expect(launched.body).toMatchObject({ countryCode: 'KH', slcpLaunchDate: '2027-01-15', slcpLaunched: false });
    const etag = launched.headers.get('etag')!;
    expect(etag).toBeTruthy();
    const withdrawn = await call('PUT', 'countries/KH/launch', {
      as: 'admin',
      json: { launchDate: null },
      headers: { 'if-match': etag },
    });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.slcpLaunchDate).toBeNull();
    const { resources: audits } = await database
      .container('countryProgrammes')
      .items.query("SELECT * FROM c WHERE c.countryCode = 'KH' AND c.type = 'audit'")
      .fetchAll();
    expect(audits.map((a) => a.action).sort()).toEqual(['slcpLaunchDateSet', 'slcpLaunchWithdrawn']);
  });
});

describe('factories, invitations, profile and audit', () => {
  let factoryId = '';

  it('POST countries/{countryCode}/factories: staff register a factory; its manager gets a link by email (outbox)', async () => {
    const answer = await call('POST', 'countries/BD/factories', {
      as: 'registration-bd',
      json: newFactory('Ashulia Apparels Ltd.', 'manager@ashulia.example.com'),
    });
    expect(answer.status).toBe(201);
    factoryId = answer.body.factoryId;
    expect(factoryId).toMatch(/^BD-[0-9A-Z]{8}$/);
    expect(answer.headers.get('location')).toBe(`/api/factories/${factoryId}`);
    expect(answer.headers.get('etag')).toBeTruthy();
    expect(answer.body).toMatchObject({
      status: 'invited',
      currentCycle: { cycleId: `${factoryId}-C1`, sequence: 1, sharingEffective: false },
      invitation: { sentTo: 'manager@ashulia.example.com' },
    });
    const [email] = await outboxEmailsTo('manager@ashulia.example.com');
    expect(email!.link).toMatch(new RegExp(`^${portal}/invitations/accept\\?token=${factoryId}\\.[A-Za-z0-9_-]{43}$`));
  });

  it('refuses bad requests before anything is written: 400 JSON, 400 unknown field, 415, 413, 403, 422', async () => {
    const good = newFactory('Refused Ltd.', 'refused@example.com');
    const malformed = await refusedWithoutWriting(
      () =>
        call('POST', 'countries/BD/factories', {
          as: 'registration-bd',
          body: '{"name": "x",',
          headers: { 'content-type': 'application/json' },
        }),
      400
    );
    expect(malformed.body.detail).toMatch(/not valid JSON/);
    const unknown = await refusedWithoutWriting(
      () => call('POST', 'countries/BD/factories', { as: 'registration-bd', json: { ...good, sharing: true } }),
      400
    );
    expect(unknown.body.errors).toEqual([{ pointer: '/sharing', detail: 'is not a field of this request' }]);
    const nested = await refusedWithoutWriting(
      () =>
        call('POST', 'countries/BD/factories', {
          as: 'registration-bd',
          json: { ...good, cycle: { startsOn: good.cycle.startsOn, endsOn: 'soon' } },
        }),
      400
    );
    expect(nested.body.errors).toEqual([{ pointer: '/cycle/endsOn', detail: expect.any(String) }]);
    await refusedWithoutWriting(
      () =>
        call('POST', 'countries/BD/factories', {
          as: 'registration-bd',
          body: JSON.stringify(good),
          headers: { 'content-type': 'text/plain' },
        }),
      415
    );
    await refusedWithoutWriting(
      () =>
        call('POST', 'countries/BD/factories', {
          as: 'registration-bd',
          json: { ...good, address: 'x'.repeat(70 * 1024) },
        }),
      413
    );
    await refusedWithoutWriting(
      () => call('POST', 'countries/BD/factories', { as: 'registration-vn', json: good }),
      403
    );
    await refusedWithoutWriting(() => call('POST', 'countries/BD/factories', { as: 'fm-bd-1', json: good }), 403);
    const cambodia = await refusedWithoutWriting(
      () => call('POST', 'countries/KH/factories', { as: 'admin', json: good }),
      422
    );
    expect(cambodia.body).toMatchObject({ rule: 'Country programmes', detail: expect.stringMatching(/Cambodia/) });
    await refusedWithoutWriting(() => call('POST', 'countries/BD/factories', { json: good }), 401);
  });

  it('GET factories/{factoryId}: staff see everything; a subscribed brand sees no SLCP fields (R21); others get 404', async () => {
    const staff = await call('GET', 'factories/BD-DEMO0002', { as: 'registration-bd' });
    expect(staff.status).toBe(200);
    expect(staff.body.sharing).toMatchObject({ pendingForNextCycle: true });
    expect(staff.body.gateway).toMatchObject({ status: 'notConnected' });
    expect(staff.headers.get('etag')).toBeTruthy();

    const brand = await call('GET', 'factories/BD-DEMO0001', { as: 'brand-1' });
    expect(brand.status).toBe(200);
    expect(Object.keys(brand.body).sort()).toEqual(
      ['factoryId', 'countryCode', 'name', 'address', 'osHubId', 'status', 'currentCycle', 'cycles'].sort()
    );
    expect(JSON.stringify(brand.body)).not.toMatch(/sharing|gateway/i);

    expect((await call('GET', 'factories/BD-DEMO0001', { as: 'brand-2' })).status).toBe(404);
    expect((await call('GET', 'factories/BD-DEMO0001', { as: 'fm-bd-2' })).status).toBe(404);
    expect((await call('GET', 'factories/BD-DEMO0001', { as: 'registration-vn' })).status).toBe(404);
    expect((await call('GET', 'factories/BD-NOPE0000', { as: 'admin' })).status).toBe(404);
    expect((await call('GET', 'factories/nonsense', { as: 'admin' })).status).toBe(404);
    expect((await call('GET', 'factories/BD-DEMO0001', { as: 'fm-bd-1' })).status).toBe(200);
  });

  it('GET countries/{countryCode}/factories: one country, by name, a page at a time with continuation tokens', async () => {
    const seen: Json[] = [];
    let continuation: string | undefined;
    do {
      const query = `pageSize=2${continuation ? `&continuation=${encodeURIComponent(continuation)}` : ''}`;
      const page = await call('GET', `countries/BD/factories?${query}`, { as: 'assessor-bd' });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items);
      continuation = page.body.continuation ?? undefined;
      expect(page.headers.get('x-cross-partition-queries')).toBe('0');
    } while (continuation);
    const ids = seen.map((f) => f.factoryId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['BD-DEMO0001', 'BD-DEMO0002', 'BD-DEMO0003', factoryId]));
    expect(ids.every((id) => id.startsWith('BD-'))).toBe(true);
    const names = seen.map((f) => f.name);
    expect(names).toEqual([...names].sort());
    expect(seen.find((f) => f.factoryId === 'BD-DEMO0001')).toMatchObject({
      status: 'registered',
      currentCycle: { sequence: 1, sharingEffective: false },
    });
    expect((await call('GET', 'countries/BD/factories', { as: 'registration-vn' })).status).toBe(403);
    expect((await call('GET', 'countries/BD/factories', { as: 'brand-1' })).status).toBe(403);
    expect((await call('GET', 'countries/BD/factories?pageSize=101', { as: 'admin' })).status).toBe(400);
    const bad = await call('GET', 'countries/BD/factories?continuation=garbage', { as: 'admin' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ pointer: '/continuation' })]);
    // a token of another list (here: Vietnam's) is refused too
    const vn = await call('GET', 'countries/VN/factories?pageSize=1', { as: 'admin' });
    const replayed = await call(
      'GET',
      `countries/BD/factories?continuation=${encodeURIComponent(vn.body.continuation)}`,
      { as: 'admin' }
    );
    expect(replayed.status).toBe(400);
  });

  it('POST factories/{factoryId}/invitations re-sends: the old link stops working (404); POST invitations/accept binds the manager (R7)', async () => {
    const oldToken = await latestTokenFor('manager@ashulia.example.com');
    await refusedWithoutWriting(
      () => call('POST', `factories/${factoryId}/invitations`, { as: 'fm-bd-1', json: {} }),
      403
    );
    await refusedWithoutWriting(
      () => call('POST', `factories/${factoryId}/invitations`, { as: 'registration-vn', json: {} }),
      404
    );
    const resent = await call('POST', `factories/${factoryId}/invitations`, { as: 'registration-bd', json: {} });
    expect(resent.status).toBe(201);
    expect(resent.body).toMatchObject({ factoryId, sentTo: 'manager@ashulia.example.com' });
    const newToken = await latestTokenFor('manager@ashulia.example.com');
    expect(newToken).not.toBe(oldToken);

    // the new manager signs in with the account of the invited address (R7: only that account may accept)
    const fresh = {
      userId: '0b1f7c55-3a55-4e0e-9d61-6a1c35b1f0aa',
      name: 'Selina Haque',
      email: 'manager@ashulia.example.com',
    };
    const asNewManager = await api.tokenFor('fm-bd-2', fresh);
    await refusedWithoutWriting(
      () => call('POST', 'invitations/accept', { token: asNewManager, json: { token: oldToken } }),
      404
    );
    await refusedWithoutWriting(
      () => call('POST', 'invitations/accept', { as: 'registration-bd', json: { token: newToken } }),
      403
    );
    const accepted = await call('POST', 'invitations/accept', { token: asNewManager, json: { token: newToken } });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ factoryId, dashboard: `/api/factories/${factoryId}/dashboard` });
    const again = await refusedWithoutWriting(
      () => call('POST', 'invitations/accept', { as: 'fm-bd-1', json: { token: newToken } }),
      409
    );
    expect(again.body.detail).toMatch(/already been used/);
    const { resource: user } = await database.container('users').item(fresh.userId, fresh.userId).read();
    expect(user).toMatchObject({ factoryIds: [factoryId], name: 'Selina Haque', email: 'manager@ashulia.example.com' });
    const factory = await call('GET', `factories/${factoryId}`, { token: asNewManager });
    expect(factory.body).toMatchObject({ status: 'registered', managerCount: 1 });
  });

  it('R7: only the invited account accepts the link: a forwarded link answers 403 for another manager and writes nothing', async () => {
    const invited = findDemoUser('fm-bd-2')!.email;
    const created = await call('POST', 'countries/BD/factories', {
      as: 'registration-bd',
      json: newFactory('Turag Fashions Ltd.', invited),
    });
    expect(created.status).toBe(201);
    const forwarded = await latestTokenFor(invited);
    expect(forwarded.startsWith(`${created.body.factoryId}.`)).toBe(true);
    const refused = await refusedWithoutWriting(
      () => call('POST', 'invitations/accept', { as: 'fm-bd-1', json: { token: forwarded } }),
      403
    );
    expect(refused.body).toMatchObject({ status: 403, detail: expect.stringMatching(/sent to another email address/) });
    // the invited account itself (its address in another case in the token) accepts it
    const accepted = await call('POST', 'invitations/accept', {
      token: await api.tokenFor('fm-bd-2', { email: invited.toUpperCase() }),
      json: { token: forwarded },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ factoryId: created.body.factoryId });
    expect((await call('GET', `factories/${created.body.factoryId}`, { as: 'fm-bd-1' })).status).toBe(404);
    expect((await call('GET', `factories/${created.body.factoryId}`, { as: 'fm-bd-2' })).status).toBe(200);
  });

  it('GET/PATCH factories/{factoryId}/profile and POST .../terms: If-Match required, fields validated, then 100 % (R10)', async () => {
    const manager = await api.tokenFor('fm-bd-1');
    const read = await call('GET', 'factories/BD-DEMO0001/profile', { token: manager });
    expect(read.status).toBe(200);
    expect(read.body.completion).toMatchObject({ complete: true, percent: 100 });
    const etag = read.headers.get('etag')!;

    const missing = await refusedWithoutWriting(
      () => call('PATCH', 'factories/BD-DEMO0001/profile', { token: manager, json: { city: 'Dhaka' } }),
      412
    );
    expect(missing.body.detail).toMatch(/send If-Match with the ETag from GET/);
    await refusedWithoutWriting(
      () =>
        call('PATCH', 'factories/BD-DEMO0001/profile', {
          token: manager,
          json: { city: 'Dhaka' },
          headers: { 'if-match': '"00000000-0000-0000-0000-000000000000"' },
        }),
      412
    );
    const unknown = await refusedWithoutWriting(
      () =>
        call('PATCH', 'factories/BD-DEMO0001/profile', {
          token: manager,
          json: { city: 'Dhaka', ceo: 'x' },
          headers: { 'if-match': etag },
        }),
      400
    );
    expect(unknown.body.errors).toEqual([{ pointer: '/ceo', detail: 'is not a field of this request' }]);
    const invalid = await refusedWithoutWriting(
      () =>
        call('PATCH', 'factories/BD-DEMO0001/profile', {
          token: manager,
          json: { phoneCountryCode: '880', totalWorkers: 0 },
          headers: { 'if-match': etag },
        }),
      400
    );
    expect(invalid.body.errors.map((e: Json) => e.pointer).sort()).toEqual(['/phoneCountryCode', '/totalWorkers']);
    await refusedWithoutWriting(
      () =>
        call('PATCH', 'factories/BD-DEMO0001/profile', {
          token: manager,
          json: { femaleWorkers: 999_999 },
          headers: { 'if-match': etag },
        }),
      400
    );
    await refusedWithoutWriting(
      () =>
        call('PATCH', 'factories/BD-DEMO0001/profile', {
          as: 'fm-bd-2',
          json: { city: 'Dhaka' },
          headers: { 'if-match': etag },
        }),
      404
    );

    const edited = await call('PATCH', 'factories/BD-DEMO0001/profile', {
      token: manager,
      json: { city: 'Dhaka', fax: '2 5512 3401' },
      headers: { 'if-match': etag },
    });
    expect(edited.status).toBe(200);
    expect(edited.body.fields).toMatchObject({ city: 'Dhaka', fax: '2 5512 3401' });
    expect(edited.headers.get('etag')).not.toBe(etag);
    // the ETag read before the edit is stale now
    await refusedWithoutWriting(
      () =>
        call('PATCH', 'factories/BD-DEMO0001/profile', {
          token: manager,
          json: { city: 'Gazipur' },
          headers: { 'if-match': etag },
        }),
      412
    );

    // a half-filled profile: the manager signs the T&C, still not complete until every field is there
    const half = await call('GET', 'factories/ID-DEMO0001/profile', { as: 'fm-id-1' });
    expect(half.body.completion.complete).toBe(false);
    await refusedWithoutWriting(
      () => call('POST', 'factories/ID-DEMO0001/terms', { as: 'fm-id-1', json: { accept: false } }),
      400
    );
    await refusedWithoutWriting(
      () => call('POST', 'factories/ID-DEMO0001/terms', { as: 'registration-id', json: { accept: true } }),
      403
    );
    const signed = await call('POST', 'factories/ID-DEMO0001/terms', { as: 'fm-id-1', json: { accept: true } });
    expect(signed.status).toBe(200);
    expect(signed.body.completion).toMatchObject({ termsCurrent: true, complete: false });
    expect(signed.body.completion.missing).not.toContain('termsAndConditions');
    expect(signed.body.terms).toMatchObject({ current: true });
  });

  it('POST factories/{factoryId}/cycles: the running cycle is kept (409); a standing sharing request applies to the next (R23)', async () => {
    const current = await call('GET', 'factories/BD-DEMO0002', { as: 'registration-bd' });
    const endsOn: string = current.body.currentCycle.endsOn;
    const overlap = await refusedWithoutWriting(
      () =>
        call('POST', 'factories/BD-DEMO0002/cycles', {
          as: 'registration-bd',
          json: { startsOn: endsOn, endsOn: '2099-12-31' },
        }),
      409
    );
    expect(overlap.body.detail).toMatch(/R23/);
    const startsOn = new Date(Date.parse(`${endsOn}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const endDay = new Date(Date.parse(`${startsOn}T00:00:00Z`) + 364 * 86_400_000).toISOString().slice(0, 10);
    await refusedWithoutWriting(
      () =>
        call('POST', 'factories/BD-DEMO0002/cycles', {
          as: 'registration-id',
          json: { startsOn, endsOn: endDay },
        }),
      404
    );
    const next = await call('POST', 'factories/BD-DEMO0002/cycles', {
      as: 'registration-bd',
      json: { startsOn, endsOn: endDay },
    });
    expect(next.status).toBe(201);
    expect(next.body.cycles.map((c: Json) => c.sharingEffective)).toEqual([false, true]);
    expect(next.body.currentCycle.sequence).toBe(1);
    expect(next.body.sharing.pendingForNextCycle).toBe(false);
  });

  it('GET factories/{factoryId}/audit: newest first, a page at a time, for registration staff and administrators', async () => {
    const first = await call('GET', `factories/${factoryId}/audit?pageSize=2`, { as: 'registration-bd' });
    expect(first.status).toBe(200);
    expect(first.body.items.map((e: Json) => e.action)).toEqual(['invitationAccepted', 'invitationSent']);
    expect(first.body.continuation).toBeTruthy();
    const second = await call(
      'GET',
      `factories/${factoryId}/audit?pageSize=2&continuation=${encodeURIComponent(first.body.continuation)}`,
      { as: 'admin' }
    );
    expect(second.body.items.map((e: Json) => e.action)).toEqual(['factoryRegistered']);
    expect(second.body.continuation).toBeNull();
    expect(first.body.items[0].actor.roles).toEqual(['FactoryManager']);
    expect((await call('GET', `factories/${factoryId}/audit`, { as: 'assessor-bd' })).status).toBe(403);
    expect((await call('GET', `factories/${factoryId}/audit`, { as: 'registration-vn' })).status).toBe(404);
  });

  it('R7: links expire after seven days on the clock (409), and a seeded demo link works once', async () => {
    const created = await call('POST', 'countries/VN/factories', {
      as: 'registration-vn',
      json: newFactory('Mekong Garment JSC', 'manager@mekong.example.com'),
    });
    expect(created.status).toBe(201);
    const link = await latestTokenFor('manager@mekong.example.com');
    expect(
      (await call('POST', 'invitations/accept', { as: 'fm-vn-1', json: { token: demoInvitationToken('VN-DEMO0002') } }))
        .status
    ).toBe(200);
    api.clock.jumpTo(new Date(api.clock.now().getTime() + 7 * 86_400_000 + 1000));
    const expired = await refusedWithoutWriting(
      () => call('POST', 'invitations/accept', { as: 'fm-vn-1', json: { token: link } }),
      409
    );
    expect(expired.body.detail).toMatch(/expired/);
  });

  it('documents every enrolment endpoint in the OpenAPI document', async () => {
    const response = await fetch(`${api.base}/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/countries',
        '/countries/{countryCode}/launch',
        '/countries/{countryCode}/factories',
        '/factories/{factoryId}',
        '/factories/{factoryId}/cycles',
        '/factories/{factoryId}/invitations',
        '/invitations/accept',
        '/factories/{factoryId}/profile',
        '/factories/{factoryId}/terms',
        '/factories/{factoryId}/audit',
      ])
    );
    expect(Object.keys(doc.paths['/countries/{countryCode}/factories']!).sort()).toEqual(['get', 'post']);
  });
});
