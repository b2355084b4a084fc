// The enrolment use cases on the in-memory document store: every state change writes its audit event, the
// invitation email goes through the outbox, access is decided per object.
import { memoryDocumentStore } from '../../shared/adapters/memory/memoryDocumentStore';
import { listAuditEvents } from '../../shared/app/enrolment/auditTrail';
import {
  listCountryProgrammes,
  loadCountryProgramme,
  setSlcpLaunchDate,
} from '../../shared/app/enrolment/countryProgrammes';
import type { EnrolmentDeps } from '../../shared/app/enrolment/deps';
import { listFactories, readFactory, registerCycle, registerFactory } from '../../shared/app/enrolment/factories';
import { acceptInvitation, hashToken, resendInvitation } from '../../shared/app/enrolment/invitations';
import { editProfile, readProfile, signTermsAndConditions } from '../../shared/app/enrolment/profile';
import { emptyUser, type UserDocument } from '../../shared/app/users/userDirectory';
import type { Principal, Role } from '../../shared/domain/access/roles';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  RuleViolationError,
  ValidationError,
} from '../../shared/domain/errors';
import type { AuditEventDocument, FactoryDocument, OutboxDocument } from '../../shared/domain/factory/factory';
import type { InvitationDocument } from '../../shared/domain/factory/invitation';
import { profileCompletion } from '../../shared/domain/factory/profile';
import type { StoredDocument } from '../../shared/ports/documentStore';

let nowMs = Date.parse('2026-03-01T08:00:00Z');
const clock = { now: () => new Date(nowMs) };
const advance = (days: number) => (nowMs += days * 86_400_000);

function principal(userId: string, roles: Role[], extra: Partial<Principal> = {}): Principal {
  return { userId, roles, email: `${userId}@example.org`, name: userId, ...extra };
}

const admin = principal('admin', ['Admin']);
const staffBD = principal('staff-bd', ['RegistrationStaff']);
const staffVN = principal('staff-vn', ['RegistrationStaff']);
const assessorBD = principal('assessor-bd', ['Assessor']);
/** The factory manager the invitations below are sent to (R7: only this account may accept them). */
const managerEmail = 'rafiq@factory.example.com';
const fm1 = principal('fm-1', ['FactoryManager'], { email: managerEmail, name: 'Rafiq Islam' });
const fm2 = principal('fm-2', ['FactoryManager']);
const brand = principal('brand-user', ['Brand']);

const newFactory = {
  name: 'Meghna Knit Composite Ltd.',
  address: 'Plot 14, Tongi',
  managerEmail,
  cycle: { startsOn: '2026-03-01', endsOn: '2027-02-28' },
};

let store: ReturnType<typeof memoryDocumentStore>;
let deps: EnrolmentDeps;

async function addUser(userId: string, scope: Partial<UserDocument>) {
  await store.write('users', userId, [{ kind: 'create', doc: { ...emptyUser(userId, 'x'), ...scope } }]);
}

async function all<T extends StoredDocument>(container: 'factories' | 'users' | 'countryProgrammes', type: string) {
  return store.queryAcrossPartitions<T>(container, {
    query: 'SELECT * FROM c WHERE c.type = @type',
    parameters: [{ name: '@type', value: type }],
  });
}

/** Every stored document of every container, to check that a refused request wrote nothing. */
async function everything(): Promise<StoredDocument[]> {
  const docs: StoredDocument[] = [];
  for (const container of ['countryProgrammes', 'factories', 'users'] as const) {
    docs.push(...(await store.queryAcrossPartitions<StoredDocument>(container, { query: 'SELECT * FROM c' })));
  }
  return docs;
}

/** The token of the latest invitation email to `to` (it is only in the email). */
async function tokenFromEmail(to: string): Promise<string> {
  const emails = (await all<OutboxDocument>('factories', 'outbox')).filter((e) => e.to === to);
  const link = emails.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).at(-1)!.link!;
  return new URL(link).searchParams.get('token')!;
}

beforeEach(async () => {
  nowMs = Date.parse('2026-03-01T08:00:00Z');
  store = memoryDocumentStore();
  deps = { store, clock, portalBaseUrl: 'https://portal.example.org' };
  await addUser('staff-bd', { countryCodes: ['BD'] });
  await addUser('staff-vn', { countryCodes: ['VN'] });
  await addUser('assessor-bd', { countryCodes: ['BD'] });
  await addUser('brand-user', { brandId: 'brand-1' });
});

describe('country programmes', () => {
  it('lists every Better Work country programme, with the defaults until one is stored', async () => {
    const list = await listCountryProgrammes(store);
    expect(list).toHaveLength(11);
    expect(list.find((p) => p.countryCode === 'VN')!.slcpLaunchDate).toBe('2021-06-30');
    await expect(loadCountryProgramme(store, 'ZZ')).rejects.toThrow(NotFoundError);
  });

  it('Country programmes: an administrator launches a country, audited in its partition, with If-Match', async () => {
    const first = await setSlcpLaunchDate(deps, admin, 'KH', '2027-01-15', undefined);
    expect(first.programme.slcpLaunchDate).toBe('2027-01-15');
    const audits = await store.query<StoredDocument>('countryProgrammes', 'KH', {
      query: "SELECT * FROM c WHERE c.countryCode = @pk AND c.type = 'audit'",
    });
    expect(audits.items).toEqual([
      expect.objectContaining({
        action: 'slcpLaunchDateSet',
        actor: { userId: 'admin', roles: ['Admin'] },
        before: expect.objectContaining({ slcpLaunchDate: null }),
        after: expect.objectContaining({ slcpLaunchDate: '2027-01-15' }),
      }),
    ]);
    await expect(setSlcpLaunchDate(deps, admin, 'KH', null, '"stale"')).rejects.toThrow(PreconditionFailedError);
    const withdrawn = await setSlcpLaunchDate(deps, admin, 'KH', null, first.etag);
    expect(withdrawn.programme.slcpLaunchDate).toBeNull();
    const same = await setSlcpLaunchDate(deps, admin, 'KH', null, undefined);
    expect(same.etag).toBe(withdrawn.etag);
    await expect(setSlcpLaunchDate(deps, staffBD, 'KH', '2027-01-01', undefined)).rejects.toThrow(ForbiddenError);
    await expect(setSlcpLaunchDate(deps, admin, 'JO', '2027-01-01', '"x"')).rejects.toThrow(PreconditionFailedError);
  });
});

describe('registering factories and cycles (R7, R23)', () => {
  it('R7: staff register a factory with its first cycle; the manager gets a single-use link by email, all in one batch', async () => {
    const { factory, etag } = await registerFactory(deps, staffBD, 'BD', newFactory);
    expect(factory.factoryId).toMatch(/^BD-[0-9A-Z]{8}$/);
    expect(etag).toBeTruthy();
    expect(factory).toMatchObject({ status: 'invited', managerUserIds: [], countryCode: 'BD' });
    expect(factory.cycles).toHaveLength(1);
    const [audit] = await all<AuditEventDocument>('factories', 'audit');
    expect(audit).toMatchObject({ action: 'factoryRegistered', factoryId: factory.factoryId, before: null });
    const [email] = await all<OutboxDocument>('factories', 'outbox');
    expect(email).toMatchObject({ kind: 'email', to: managerEmail, status: 'pending' });
    expect(email!.link).toMatch(
      new RegExp(`^https://portal\\.example\\.org/invitations/accept\\?token=${factory.factoryId}\\.[A-Za-z0-9_-]{43}$`)
    );
    const [invitation] = await all<InvitationDocument>('factories', 'invitation');
    const token = await tokenFromEmail(managerEmail);
    expect(invitation!.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(await all('factories', 'invitation'))).not.toContain(token.split('.')[1]);
  });

  it('R7: registration staff act only in their own country programme; administrators anywhere', async () => {
    await expect(registerFactory(deps, staffVN, 'BD', newFactory)).rejects.toThrow(ForbiddenError);
    await expect(registerFactory(deps, brand, 'BD', newFactory)).rejects.toThrow(ForbiddenError);
    await expect(registerFactory(deps, admin, 'VN', newFactory)).resolves.toBeDefined();
    expect(store.size()).toBeGreaterThan(0);
  });

  it('Country programmes: no factory is registered where SLCP data sharing is not launched', async () => {
    await addUser('staff-kh', { countryCodes: ['KH'] });
    const before = store.size();
    const refused = registerFactory(deps, principal('staff-kh', ['RegistrationStaff']), 'KH', newFactory);
    await expect(refused).rejects.toThrow(RuleViolationError);
    await expect(refused).rejects.toThrow(/Cambodia/);
    expect(store.size()).toBe(before);
    await expect(registerFactory(deps, admin, 'ZZ', newFactory)).rejects.toThrow(NotFoundError);
  });

  it('R23: the next cycle keeps the running one, and carries a standing sharing request', async () => {
    const { factory } = await registerFactory(deps, staffBD, 'BD', newFactory);
    await expect(
      registerCycle(deps, staffBD, factory.factoryId, { startsOn: '2027-01-01', endsOn: '2027-12-31' }, undefined)
    ).rejects.toThrow(ConflictError);
    // the factory asks to share from the next cycle (R2, written by the sharing use case)
    const loaded = (await store.read<FactoryDocument>('factories', 'BD', factory.factoryId))!;
    await store.write('factories', 'BD', [
      {
        kind: 'replace',
        doc: { ...loaded.doc, sharing: { ...loaded.doc.sharing, pendingForNextCycle: true } },
        ifMatch: loaded.etag,
      },
    ]);
    const next = await registerCycle(
      deps,
      staffBD,
      factory.factoryId,
      { startsOn: '2027-03-01', endsOn: '2028-02-29' },
      undefined
    );
    expect(next.factory.cycles.map((c) => c.sharingEffective)).toEqual([false, true]);
    expect(next.factory.currentCycleId).toBe(`${factory.factoryId}-C1`);
    expect(next.factory.sharing.pendingForNextCycle).toBe(false);
    await expect(
      registerCycle(deps, staffVN, factory.factoryId, { startsOn: '2028-03-01', endsOn: '2029-02-28' }, undefined)
    ).rejects.toThrow(NotFoundError);
    await expect(
      registerCycle(deps, staffBD, factory.factoryId, { startsOn: '2028-03-01', endsOn: '2029-02-28' }, '"stale"')
    ).rejects.toThrow(PreconditionFailedError);
    const actions = (await all<AuditEventDocument>('factories', 'audit')).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['factoryRegistered', 'cycleRegistered']));
  });

  it('lists the factories of one country for its staff, without SLCP fields for those who may not read them', async () => {
    const a = await registerFactory(deps, staffBD, 'BD', { ...newFactory, name: 'B factory' });
    const b = await registerFactory(deps, staffBD, 'BD', { ...newFactory, name: 'A factory' });
    await registerFactory(deps, staffVN, 'VN', newFactory);
    const page = await listFactories(deps, assessorBD, 'BD', { pageSize: 50 });
    expect(page.rows.map((r) => r.factoryId)).toEqual([b.factory.factoryId, a.factory.factoryId]);
    expect(page.mayReadSlcp).toEqual([true, true]);
    expect(page.continuation).toBeUndefined();
    await expect(listFactories(deps, staffVN, 'BD', { pageSize: 50 })).rejects.toThrow(ForbiddenError);
    await expect(listFactories(deps, fm1, 'BD', { pageSize: 50 })).rejects.toThrow(ForbiddenError);
    expect((await listFactories(deps, admin, 'VN', { pageSize: 50 })).rows).toHaveLength(1);
  });

  it('pages through one country with continuation tokens that only work for the list they came from', async () => {
    for (const name of ['C', 'A', 'B']) await registerFactory(deps, staffBD, 'BD', { ...newFactory, name });
    await registerFactory(deps, staffVN, 'VN', newFactory);
    await registerFactory(deps, staffVN, 'VN', newFactory);
    const names: string[] = [];
    let continuation: string | undefined;
    do {
      const page = await listFactories(deps, staffBD, 'BD', { pageSize: 1, continuation });
      names.push(...page.rows.map((r) => r.name));
      continuation = page.continuation;
    } while (continuation);
    expect(names).toEqual(['A', 'B', 'C']);
    const vn = await listFactories(deps, staffVN, 'VN', { pageSize: 1 });
    expect(vn.continuation).toBeDefined();
    await expect(listFactories(deps, admin, 'BD', { pageSize: 1, continuation: vn.continuation })).rejects.toThrow(
      ValidationError
    );
    await expect(listFactories(deps, admin, 'BD', { pageSize: 1, continuation: 'garbage' })).rejects.toThrow(
      ValidationError
    );
  });

  it('R21: a subscribed brand reads the factory but not its SLCP participation; others do not find it', async () => {
    const { factory } = await registerFactory(deps, staffBD, 'BD', newFactory);
    const loaded = (await store.read<FactoryDocument>('factories', 'BD', factory.factoryId))!;
    await store.write('factories', 'BD', [
      { kind: 'replace', doc: { ...loaded.doc, subscribedBrandIds: ['brand-1'] }, ifMatch: loaded.etag },
    ]);
    expect((await readFactory(deps, brand, factory.factoryId)).mayReadSlcp).toBe(false);
    expect((await readFactory(deps, staffBD, factory.factoryId)).mayReadSlcp).toBe(true);
    await expect(readFactory(deps, fm2, factory.factoryId)).rejects.toThrow(NotFoundError);
    await expect(readFactory(deps, staffVN, factory.factoryId)).rejects.toThrow(NotFoundError);
  });
});

describe('invitations (R7)', () => {
  it('R7: the manager follows the link: bound to the factory, registered, link used up, user directory updated', async () => {
    const { factory } = await registerFactory(deps, staffBD, 'BD', newFactory);
    const token = await tokenFromEmail(managerEmail);
    const accepted = await acceptInvitation(deps, fm1, token);
    expect(accepted).toEqual({
      factoryId: factory.factoryId,
      dashboard: `/api/factories/${factory.factoryId}/dashboard`,
    });
    const after = (await store.read<FactoryDocument>('factories', 'BD', factory.factoryId))!.doc;
    expect(after).toMatchObject({ status: 'registered', managerUserIds: ['fm-1'] });
    const user = (await store.read<UserDocument>('users', 'fm-1', 'fm-1'))!.doc;
    expect(user).toMatchObject({
      factoryIds: [factory.factoryId],
      name: 'Rafiq Islam',
      email: 'rafiq@factory.example.com',
    });
    const invitation = (await all<InvitationDocument>('factories', 'invitation'))[0]!;
    expect(invitation).toMatchObject({ usedBy: 'fm-1' });
    expect((await all<AuditEventDocument>('factories', 'audit')).map((a) => a.action)).toContain('invitationAccepted');
    // the new manager now reaches the factory
    expect((await readProfile(deps, fm1, factory.factoryId)).factory.factoryId).toBe(factory.factoryId);
  });

  it('R7: a link works once', async () => {
    await registerFactory(deps, staffBD, 'BD', newFactory);
    const token = await tokenFromEmail(managerEmail);
    await acceptInvitation(deps, fm1, token);
    const size = store.size();
    const before = await everything();
    // used up: for the invited account itself too, and for anyone else the answer is 409 before 403
    await expect(acceptInvitation(deps, fm1, token)).rejects.toThrow(ConflictError);
    await expect(acceptInvitation(deps, fm2, token)).rejects.toThrow(ConflictError);
    await expect(acceptInvitation(deps, fm2, token)).rejects.toThrow(/already been used/);
    expect(store.size()).toBe(size);
    expect(await everything()).toEqual(before);
  });

  it('R7: only the invited account may accept the link', async () => {
    const { factory } = await registerFactory(deps, staffBD, 'BD', newFactory);
    const token = await tokenFromEmail(managerEmail);
    const before = await everything();
    // a forwarded or leaked link: another factory manager, whose token carries another email
    await expect(acceptInvitation(deps, fm2, token)).rejects.toThrow(ForbiddenError);
    await expect(acceptInvitation(deps, fm2, token)).rejects.toThrow(/sent to another email address/);
    // a token without an email (no `email` nor `preferred_username` claim) proves no address at all
    const noEmail = principal('fm-3', ['FactoryManager'], { email: undefined });
    await expect(acceptInvitation(deps, noEmail, token)).rejects.toThrow(ForbiddenError);
    expect(await everything()).toEqual(before);
    expect(await store.read<UserDocument>('users', 'fm-2', 'fm-2')).toBeUndefined();

    // the invited account, with its address in another case in the token: accepted, and only it is bound
    const invited = { ...fm1, email: 'RAFIQ@Factory.Example.COM' };
    await expect(acceptInvitation(deps, invited, token)).resolves.toEqual({
      factoryId: factory.factoryId,
      dashboard: `/api/factories/${factory.factoryId}/dashboard`,
    });
    const after = (await store.read<FactoryDocument>('factories', 'BD', factory.factoryId))!.doc;
    expect(after).toMatchObject({ status: 'registered', managerUserIds: ['fm-1'] });
    expect((await all<InvitationDocument>('factories', 'invitation'))[0]).toMatchObject({ usedBy: 'fm-1' });
    await expect(readFactory(deps, fm2, factory.factoryId)).rejects.toThrow(NotFoundError);
  });

  it('R7: a link expires after seven days on the clock', async () => {
    await registerFactory(deps, staffBD, 'BD', newFactory);
    const token = await tokenFromEmail(managerEmail);
    advance(7);
    await expect(acceptInvitation(deps, fm1, token)).rejects.toThrow(/expired/);
  });

  it('R7: re-sending replaces the invitation: the old link stops working, the new one works', async () => {
    const { factory } = await registerFactory(deps, staffBD, 'BD', newFactory);
    const oldToken = await tokenFromEmail(managerEmail);
    advance(1);
    const sent = await resendInvitation(deps, staffBD, factory.factoryId, {}, undefined);
    expect(sent.summary.sentTo).toBe(managerEmail);
    const newToken = await tokenFromEmail(managerEmail);
    expect(newToken).not.toBe(oldToken);
    expect(await all('factories', 'invitation')).toHaveLength(1);
    await expect(acceptInvitation(deps, fm1, oldToken)).rejects.toThrow(NotFoundError);
    await expect(acceptInvitation(deps, fm1, newToken)).resolves.toMatchObject({ factoryId: factory.factoryId });
    await expect(resendInvitation(deps, fm1, factory.factoryId, {}, undefined)).rejects.toThrow(ForbiddenError);
    await expect(resendInvitation(deps, staffVN, factory.factoryId, {}, undefined)).rejects.toThrow(NotFoundError);
  });

  it('R7: a malformed or unknown token is not found', async () => {
    await expect(acceptInvitation(deps, fm1, 'nonsense')).rejects.toThrow(NotFoundError);
    await expect(acceptInvitation(deps, fm1, `BD-AAAAAAAA.${'x'.repeat(43)}`)).rejects.toThrow(NotFoundError);
  });
});

describe('profile and T&C (R10)', () => {
  async function registeredFactory(): Promise<string> {
    const { factory } = await registerFactory(deps, staffBD, 'BD', newFactory);
    await acceptInvitation(deps, fm1, await tokenFromEmail(managerEmail));
    return factory.factoryId;
  }

  it('R10: the manager fills the profile (If-Match required) and signs; then it is 100 % complete, for one year', async () => {
    const id = await registeredFactory();
    const read = await readProfile(deps, fm1, id);
    await expect(editProfile(deps, fm1, id, { city: 'Gazipur' }, undefined)).rejects.toThrow(/send If-Match/);
    await expect(editProfile(deps, fm1, id, { city: 'Gazipur' }, '*')).rejects.toThrow(PreconditionFailedError);
    await expect(editProfile(deps, fm1, id, { city: 'Gazipur' }, '"stale"')).rejects.toThrow(PreconditionFailedError);
    const edited = await editProfile(
      deps,
      fm1,
      id,
      {
        city: 'Gazipur',
        postalCode: '1710',
        phoneCountryCode: '+880',
        phoneNumber: '2 5512 3400',
        facilityEmail: 'office@factory.example.com',
        contactPersonName: 'Rafiq Islam',
        contactPersonTitle: 'GM',
        contactEmail: 'rafiq@factory.example.com',
        totalWorkers: 100,
        femaleWorkers: 60,
        products: 'T-shirts',
      },
      read.etag
    );
    expect(profileCompletion(edited.factory, clock.now())).toMatchObject({
      complete: false,
      missing: ['termsAndConditions'],
    });
    await expect(editProfile(deps, fm1, id, { femaleWorkers: 101 }, edited.etag)).rejects.toThrow(ValidationError);
    const signed = await signTermsAndConditions(deps, fm1, id, undefined);
    expect(profileCompletion(signed.factory, clock.now()).complete).toBe(true);
    advance(366);
    const later = await readProfile(deps, fm1, id);
    expect(profileCompletion(later.factory, clock.now())).toMatchObject({ complete: false, termsCurrent: false });
    const actions = (await all<AuditEventDocument>('factories', 'audit')).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['profileEdited', 'termsSigned']));
  });

  it('R10: only the factory\u2019s manager (or an administrator) edits; another manager does not find the factory', async () => {
    const id = await registeredFactory();
    const { etag } = await readProfile(deps, fm1, id);
    await expect(editProfile(deps, fm2, id, { city: 'X' }, etag)).rejects.toThrow(NotFoundError);
    await expect(editProfile(deps, staffBD, id, { city: 'X' }, etag)).rejects.toThrow(ForbiddenError);
    await expect(signTermsAndConditions(deps, staffBD, id, undefined)).rejects.toThrow(ForbiddenError);
    await expect(editProfile(deps, admin, id, { city: 'Dhaka' }, etag)).resolves.toBeDefined();
  });
});

describe('audit trail', () => {
  it('lists a factory\u2019s events newest first for registration staff and administrators', async () => {
    const { factory } = await registerFactory(deps, staffBD, 'BD', newFactory);
    advance(1);
    await resendInvitation(deps, staffBD, factory.factoryId, {}, undefined);
    advance(1);
    await acceptInvitation(deps, fm1, await tokenFromEmail(managerEmail));
    const page = await listAuditEvents(deps, staffBD, factory.factoryId, { pageSize: 50 });
    expect(page.items.map((e) => e.action)).toEqual(['invitationAccepted', 'invitationSent', 'factoryRegistered']);
    await expect(listAuditEvents(deps, fm1, factory.factoryId, { pageSize: 50 })).rejects.toThrow(ForbiddenError);
    await expect(listAuditEvents(deps, assessorBD, factory.factoryId, { pageSize: 50 })).rejects.toThrow(
      ForbiddenError
    );
    await expect(listAuditEvents(deps, staffVN, factory.factoryId, { pageSize: 50 })).rejects.toThrow(NotFoundError);
  });
});
