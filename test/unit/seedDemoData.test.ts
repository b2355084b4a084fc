// The demo data of the local platform: every demo user in the directory, demo factories at each stage in
// every launched country, bound to the demo factory managers, and idempotent.
import { memoryDocumentStore } from '../../shared/adapters/memory/memoryDocumentStore';
import { acceptInvitation } from '../../shared/app/enrolment/invitations';
import { listFactories, readFactory } from '../../shared/app/enrolment/factories';
import type { UserDocument } from '../../shared/app/users/userDirectory';
import type { Principal } from '../../shared/domain/access/roles';
import { ForbiddenError } from '../../shared/domain/errors';
import type { FactoryDocument } from '../../shared/domain/factory/factory';
import { invitationDocId, type InvitationDocument } from '../../shared/domain/factory/invitation';
import { profileCompletion, profileFieldSchemas, profileFieldsOf } from '../../shared/domain/factory/profile';
import type { StoredDocument } from '../../shared/ports/documentStore';
import { demoUsers, findDemoUser } from '../../local/seed/demoUsers';
import { demoFactories, demoInvitationToken, seedDemoData } from '../../local/seed/seedDemoData';

const now = new Date('2026-11-21T10:00:00Z');
const clock = { now: () => now };
const asPrincipal = (key: string): Principal => {
  const u = findDemoUser(key)!;
  return { userId: u.userId, roles: u.roles, email: u.email, name: u.name };
};

async function snapshot(store: ReturnType<typeof memoryDocumentStore>) {
  const out: Record<string, { doc: StoredDocument; etag: string }> = {};
  for (const container of ['countryProgrammes', 'factories', 'users'] as const) {
    const docs = await store.queryAcrossPartitions<StoredDocument>(container, { query: 'SELECT * FROM c' });
    for (const doc of docs) {
      const pk = String(container === 'users' ? doc.userId : doc.countryCode);
      const read = (await store.read(container, pk, doc.id))!;
      out[`${container}/${doc.id}`] = read;
    }
  }
  return out;
}

describe('demo data', () => {
  it('is idempotent: running it twice changes nothing', async () => {
    const store = memoryDocumentStore();
    await seedDemoData(store, clock);
    const first = await snapshot(store);
    await seedDemoData(store, { now: () => new Date('2027-01-01T00:00:00Z') });
    expect(await snapshot(store)).toEqual(first);
    expect(Object.keys(first).filter((k) => k.startsWith('countryProgrammes/'))).toHaveLength(11);
  });

  it('puts every demo user in the directory with what they are bound to', async () => {
    const store = memoryDocumentStore();
    await seedDemoData(store, clock);
    const user = async (key: string) =>
      (await store.read<UserDocument>('users', findDemoUser(key)!.userId, findDemoUser(key)!.userId))!.doc;
    for (const u of demoUsers) expect(await user(u.key)).toMatchObject({ name: u.name, email: u.email });
    expect(await user('registration-bd')).toMatchObject({ countryCodes: ['BD'] });
    expect(await user('assessor-vn')).toMatchObject({ countryCodes: ['VN'] });
    expect(await user('advisor-bd')).toMatchObject({ advisedFactoryIds: ['BD-DEMO0001', 'BD-DEMO0002'] });
    expect(await user('brand-1')).toMatchObject({ brandId: 'brand-1' });
    expect(await user('fm-bd-1')).toMatchObject({ factoryIds: ['BD-DEMO0001'] });
    expect(await user('fm-bd-2')).toMatchObject({ factoryIds: ['BD-DEMO0002'] });
    expect(await user('fm-id-1')).toMatchObject({ factoryIds: ['ID-DEMO0001'] });
    expect(await user('fm-vn-1')).toMatchObject({ factoryIds: ['VN-DEMO0001'] });
  });

  it('seeds factories at every stage, at least two per launched country, with valid profiles', async () => {
    const store = memoryDocumentStore();
    await seedDemoData(store, clock);
    for (const country of ['BD', 'ID', 'VN']) {
      expect(demoFactories.filter((f) => f.factoryId.startsWith(country)).length).toBeGreaterThanOrEqual(2);
    }
    expect(new Set(demoFactories.map((f) => f.stage))).toEqual(
      new Set(['invited', 'profileHalfFilled', 'profileComplete', 'sharingRequested'])
    );
    const doc = async (id: string) => (await store.read<FactoryDocument>('factories', id.slice(0, 2), id))!.doc;
    expect(profileCompletion(await doc('BD-DEMO0001'), now)).toMatchObject({ complete: true, percent: 100 });
    expect(profileCompletion(await doc('ID-DEMO0001'), now).percent).toBeGreaterThan(30);
    expect(profileCompletion(await doc('ID-DEMO0001'), now).complete).toBe(false);
    expect((await doc('BD-DEMO0002')).sharing.pendingForNextCycle).toBe(true);
    expect(await doc('BD-DEMO0003')).toMatchObject({ status: 'invited', managerUserIds: [] });
    for (const f of demoFactories) {
      const fields = profileFieldsOf(await doc(f.factoryId)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(fields)) {
        expect(profileFieldSchemas[name as keyof typeof profileFieldSchemas].safeParse(value).success).toBe(true);
      }
    }
  });

  it('binds the demo users: a manager reaches their factory, staff list their country, a brand gets the reduced view', async () => {
    const store = memoryDocumentStore();
    await seedDemoData(store, clock);
    const deps = { store, clock, portalBaseUrl: 'http://127.0.0.1:7071' };
    await expect(readFactory(deps, asPrincipal('fm-bd-1'), 'BD-DEMO0001')).resolves.toMatchObject({
      mayReadSlcp: true,
    });
    await expect(readFactory(deps, asPrincipal('fm-bd-1'), 'BD-DEMO0002')).rejects.toThrow(/not found/);
    await expect(readFactory(deps, asPrincipal('brand-1'), 'BD-DEMO0001')).resolves.toMatchObject({
      mayReadSlcp: false,
    });
    const page = await listFactories(deps, asPrincipal('registration-bd'), 'BD', { pageSize: 50 });
    expect(page.rows.map((r) => r.factoryId).sort()).toEqual(['BD-DEMO0001', 'BD-DEMO0002', 'BD-DEMO0003']);
    // the seeded invitation of a pending factory works with its demo token, for the demo manager invited
    // (R7: only the invited account may accept it; VN-DEMO0002 is invited at fm-vn-1's address)
    const invitation = await store.read<InvitationDocument>('factories', 'VN', invitationDocId('VN-DEMO0002'));
    expect(invitation!.doc.email).toBe(findDemoUser('fm-vn-1')!.email);
    const before = await snapshot(store);
    await expect(acceptInvitation(deps, asPrincipal('fm-id-1'), demoInvitationToken('VN-DEMO0002'))).rejects.toThrow(
      ForbiddenError
    );
    expect(await snapshot(store)).toEqual(before);
    const accepted = await acceptInvitation(deps, asPrincipal('fm-vn-1'), demoInvitationToken('VN-DEMO0002'));
    expect(accepted.factoryId).toBe('VN-DEMO0002');
    await expect(readFactory(deps, asPrincipal('fm-vn-1'), 'VN-DEMO0002')).resolves.toBeDefined();
  });
});
