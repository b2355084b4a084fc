// GDPR-style export and erasure over HTTP: the real function registrations on the local host, a real local
// Cosmos server seeded with the demo data, ES256 tokens. An Admin exports a factory manager's data, erases it,
// and the export then shows pseudonyms only; the factory's audit trail keeps every event (snapshots
// pseudonymised) and gains one; the manager's token no longer opens anything; other people are untouched.
import { createHash } from 'node:crypto';
import { findDemoUser } from '../../local/seed/demoUsers';
import { seedDemoData } from '../../local/seed/seedDemoData';
import { apiCalls, type Json } from '../support/apiCalls';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';

jest.setTimeout(120_000);

let api: ApiHarness;
const { call, refusedWithoutWriting } = apiCalls(() => api);
const fm = findDemoUser('fm-bd-1')!; // manages BD-DEMO0001
const other = findDemoUser('fm-bd-2')!; // manages BD-DEMO0002, same country

beforeAll(async () => {
  api = await startApiHarness({ seed: seedDemoData });
});

afterAll(async () => {
  await api?.stop();
});

async function auditTrail(factoryId: string): Promise<Json[]> {
  const items: Json[] = [];
  let continuation: string | null = null;
  do {
    const query: string = continuation ? `&continuation=${encodeURIComponent(continuation)}` : '';
    const page = await call('GET', `factories/${factoryId}/audit?pageSize=100${query}`, { as: 'admin' });
    expect(page.status).toBe(200);
    items.push(...(page.body.items as Json[]));
    continuation = page.body.continuation as string | null;
  } while (continuation);
  return items;
}

it("exports a factory manager's data, erases it keeping the audit trail, and closes the account", async () => {
  // Before: the manager works, and the export finds their data where it is.
  expect((await call('GET', 'factories/BD-DEMO0001', { as: 'fm-bd-1' })).status).toBe(200);
  const exported = await call('GET', `users/${fm.userId}/personal-data`, { as: 'admin' });
  expect(exported.status).toBe(200);
  expect(exported.body.status).toBe('active');
  const items = exported.body.items as Json[];
  expect(items.find((i) => i.container === 'users' && i.id === fm.userId)?.document).toMatchObject({
    name: fm.name,
    email: fm.email,
  });
  expect(items.find((i) => i.id === 'BD-DEMO0001')?.fields).toEqual(
    expect.arrayContaining([{ path: '/profile/contactEmail', value: fm.email, kind: 'email' }])
  );
  expect(items.some((i) => i.type === 'audit' && i.factoryId === 'BD-DEMO0001')).toBe(true);
  expect(JSON.stringify(exported.body)).not.toContain(other.email);

  const auditBefore = await auditTrail('BD-DEMO0001');
  const otherFactoryBefore = await call('GET', 'factories/BD-DEMO0002', { as: 'admin' });
  const otherAuditBefore = await auditTrail('BD-DEMO0002');

  // Only an Admin erases, and a refusal writes nothing.
  await refusedWithoutWriting(
    () => call('POST', `users/${fm.userId}/personal-data-erasure`, { as: 'registration-bd' }),
    403
  );
  // The request closes the account and answers 202; the rest runs in the orchestration erasure-{userId}.
  const erased = await call('POST', `users/${fm.userId}/personal-data-erasure`, { as: 'admin' });
  expect(erased.status).toBe(202);
  expect(erased.headers.get('location')).toBe(`/api/users/${fm.userId}/personal-data`);
  expect(erased.body).toMatchObject({ userId: fm.userId, status: 'erasing', erasedAt: null });
  expect(Number(erased.headers.get('x-cosmos-round-trips'))).toBeLessThanOrEqual(6);
  const closed = await call('GET', 'factories/BD-DEMO0001', { as: 'fm-bd-1' });
  expect(closed.status).toBe(403); // closed at once (other instances within scopeCacheSeconds)

  // The export shows `erasing` until the orchestration has run, then `erased` with pseudonyms only.
  let after = await call('GET', `users/${fm.userId}/personal-data`, { as: 'admin' });
  for (let i = 0; i < 200 && after.body.status === 'erasing'; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    after = await call('GET', `users/${fm.userId}/personal-data`, { as: 'admin' });
  }
  expect(after.status).toBe(200);
  expect(after.body.status).toBe('erased');
  await api.host.durable?.settle();
  const instance = await api.host.durable!.get(`erasure-${fm.userId}`);
  expect(instance?.status).toBe('Completed');
  expect(JSON.parse(instance!.output!)).toMatchObject({ outcome: 'erased', factoryIds: ['BD-DEMO0001'] });
  const pseudonym = {
    name: `erased-${createHash('sha256').update(fm.userId).digest('hex').slice(0, 12)}`,
    email: `erased-${createHash('sha256').update(fm.userId).digest('hex').slice(0, 12)}@invalid`,
  };
  const text = JSON.stringify(after.body);
  expect(text).not.toContain(fm.email);
  expect(text).not.toContain(fm.name);
  expect(text).toContain(pseudonym.email);

  // The audit trail: every earlier event still there, same id, time, actor, action; snapshots pseudonymised;
  // one more event, naming the user by id only.
  const auditAfter = await auditTrail('BD-DEMO0001');
  expect(auditAfter).toHaveLength(auditBefore.length + 1);
  for (const event of auditBefore) {
    const now = auditAfter.find((e) => e.id === event.id)!;
    expect(now).toBeDefined();
    expect([now.at, now.actor, now.action]).toEqual([event.at, event.actor, event.action]);
  }
  expect(JSON.stringify(auditAfter)).not.toContain(fm.email);
  const seedEvent = auditAfter.find((e) => e.id === 'audit-seed-BD-DEMO0001')!;
  expect(seedEvent.after).toMatchObject({
    profile: { contactEmail: pseudonym.email, contactPersonName: pseudonym.name },
  });
  const erasureEvents = auditAfter.filter((e) => e.action === 'personalData.erased');
  expect(erasureEvents).toHaveLength(1);
  expect(erasureEvents[0]).toMatchObject({ before: null, after: { erasedUserId: fm.userId } });

  // The manager's token no longer opens anything: the account is closed, and they no longer manage the factory.
  const refused = await call('GET', 'factories/BD-DEMO0001', { as: 'fm-bd-1' });
  expect(refused.status).toBe(403);
  expect(refused.body.detail).toMatch(/closed/);
  expect((await call('GET', 'factories/BD-DEMO0001/profile', { as: 'fm-bd-1' })).status).toBe(403);
  const factory = await call('GET', 'factories/BD-DEMO0001', { as: 'admin' });
  expect(JSON.stringify(factory.body)).not.toContain(fm.email);

  // Other people: untouched, and still working.
  expect((await call('GET', 'factories/BD-DEMO0002', { as: 'fm-bd-2' })).status).toBe(200);
  expect((await call('GET', 'factories/BD-DEMO0002', { as: 'admin' })).body).toEqual(otherFactoryBefore.body);
  expect(await auditTrail('BD-DEMO0002')).toEqual(otherAuditBefore);
  const otherExport = await call('GET', `users/${other.userId}/personal-data`, { as: 'admin' });
  expect(JSON.stringify(otherExport.body)).toContain(other.email);

  // Again: no change, no second event.
  const fingerprint = await api.fingerprint();
  const again = await call('POST', `users/${fm.userId}/personal-data-erasure`, { as: 'admin' });
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ userId: fm.userId, status: 'erased', erasedAt: expect.any(String) });
  expect(await api.fingerprint()).toEqual(fingerprint);
});

it('answers 404 for someone not in the directory and 400 for an id that cannot be one', async () => {
  expect((await call('GET', 'users/no-such-user/personal-data', { as: 'admin' })).status).toBe(404);
  expect((await call('POST', 'users/no-such-user/personal-data-erasure', { as: 'admin' })).status).toBe(404);
  expect((await call('GET', `users/${encodeURIComponent('a b')}/personal-data`, { as: 'admin' })).status).toBe(400);
  expect((await call('GET', `users/${fm.userId}/personal-data`, { as: 'fm-bd-2' })).status).toBe(403);
  expect((await call('GET', `users/${fm.userId}/personal-data`)).status).toBe(401);
});

it('answers 503 when the erasure cannot be started, the account being closed already; a repeat resumes', async () => {
  const engine = api.host.durable!;
  const start = jest.spyOn(engine, 'startNew').mockRejectedValueOnce(new Error('the task hub is away'));
  try {
    const refused = await call('POST', `users/${other.userId}/personal-data-erasure`, { as: 'admin' });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(refused.body.detail).toMatch(/account is closed/);
  } finally {
    start.mockRestore();
  }
  expect((await call('GET', 'factories/BD-DEMO0002', { as: 'fm-bd-2' })).status).toBe(403);
  expect((await call('GET', `users/${other.userId}/personal-data`, { as: 'admin' })).body.status).toBe('erasing');

  const again = await call('POST', `users/${other.userId}/personal-data-erasure`, { as: 'admin' });
  expect(again.status).toBe(202);
  await engine.settle();
  expect((await engine.get(`erasure-${other.userId}`))?.status).toBe('Completed');
  const after = await call('GET', `users/${other.userId}/personal-data`, { as: 'admin' });
  expect(after.body.status).toBe('erased');
  expect(JSON.stringify(after.body)).not.toContain(other.email);
});
