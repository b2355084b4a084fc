// GDPR-style export and erasure of a person's personal data on the in-memory store seeded with the demo
// data: what the export finds, what the erasure changes (and what it must not: audit events, other people),
// that it is idempotent, resumes after an interruption, and never loses a concurrent writer's update.
import { memoryDocumentStore } from '../../shared/adapters/memory/memoryDocumentStore';
import {
  completePersonalDataErasure,
  erasureAttempts,
  exportPersonalData,
  personalDataErasedAction,
  pseudonymOf,
  requestPersonalDataErasure,
  type PersonalDataDeps,
} from '../../shared/app/users/personalData';
import { actorOf, type UserDocument } from '../../shared/app/users/userDirectory';
import type { Principal } from '../../shared/domain/access/roles';
import { ConflictError, ForbiddenError, NotFoundError } from '../../shared/domain/errors';
import type { AuditEventDocument, FactoryDocument, OutboxDocument } from '../../shared/domain/factory/factory';
import { findPersonalValues, pseudonymise, type PersonIdentity } from '../../shared/domain/personalData/personalData';
import type { NotificationDocument } from '../../shared/domain/notifications/notification';
import type { DocumentStore, StoredDocument, WriteOperation } from '../../shared/ports/documentStore';
import { seedDemoData } from '../../local/seed/seedDemoData';
import { findDemoUser } from '../../local/seed/demoUsers';

const clock = { now: () => new Date('2027-02-01T09:00:00Z') };
const fm = findDemoUser('fm-bd-1')!; // manages BD-DEMO0001: its profile contact, its invitation, its audit
const other = findDemoUser('fm-bd-2')!;
const adminUser = findDemoUser('admin')!;
const admin: Principal = { userId: adminUser.userId, roles: ['Admin'], email: undefined, name: undefined };
const staff: Principal = {
  userId: findDemoUser('registration-bd')!.userId,
  roles: ['RegistrationStaff'],
  email: undefined,
  name: undefined,
};
const pseudonym = pseudonymOf(fm.userId);

/** What the endpoint and the `personalDataErasure` activity do between them: step 1, then steps 2 and 3. */
async function erasePersonalData(d: PersonalDataDeps, principal: Principal, userId: string) {
  await requestPersonalDataErasure(d, principal, userId);
  return completePersonalDataErasure(d, userId);
}

let store: ReturnType<typeof memoryDocumentStore>;
let deps: PersonalDataDeps;

/** Every document of the store, as text, for "is this value anywhere?" and "did anything change?". */
async function everything(s: DocumentStore): Promise<StoredDocument[]> {
  const docs: StoredDocument[] = [];
  for (const container of ['users', 'factories', 'selfAssessments', 'countryProgrammes'] as const) {
    docs.push(...(await s.queryAcrossPartitions<StoredDocument>(container, { query: 'SELECT * FROM c' })));
  }
  return docs.sort((a, b) => `${a.type}/${a.id}`.localeCompare(`${b.type}/${b.id}`));
}

const auditOf = async (factoryId: string) =>
  (
    await store.query<AuditEventDocument>('factories', factoryId.slice(0, 2), {
      query: "SELECT * FROM c WHERE c.countryCode = @pk AND c.type = 'audit' AND c.factoryId = @f",
      parameters: [{ name: '@f', value: factoryId }],
    })
  ).items;

function outbox(id: string, to: string, status: OutboxDocument['status']): OutboxDocument {
  return {
    id,
    type: 'outbox',
    countryCode: 'BD',
    factoryId: 'BD-DEMO0001',
    kind: to.includes('@') ? 'email' : 'notification',
    to,
    subject: 'Your factory',
    text: `Dear ${fm.name}, write to us from ${fm.email}.`,
    link: undefined,
    status,
    attempts: status === 'pending' ? 0 : 1,
    nextAttemptAt: '2027-02-01T09:00:00.000Z',
    createdAt: '2027-01-31T09:00:00.000Z',
    lastError: undefined,
  };
}

beforeEach(async () => {
  store = memoryDocumentStore();
  deps = { store, clock };
  await seedDemoData(store, clock);
  await store.write('factories', 'BD', [
    { kind: 'create', doc: outbox('outbox-pending-email', fm.email, 'pending') },
    { kind: 'create', doc: outbox('outbox-pending-notification', fm.userId, 'pending') },
    { kind: 'create', doc: outbox('outbox-delivered', fm.email, 'delivered') },
  ]);
  const notification: NotificationDocument = {
    id: 'n-1',
    type: 'notification',
    userId: fm.userId,
    at: '2027-01-30T09:00:00.000Z',
    title: 'Welcome',
    text: 'Your factory is registered.',
    link: undefined,
    read: false,
    readAt: undefined,
    factoryId: 'BD-DEMO0001',
  };
  await store.write('users', fm.userId, [{ kind: 'create', doc: notification }]);
  // The Facility Profile answer "email of the person submitting the self-assessment", in its own partition.
  await store.write('selfAssessments', 'BD-DEMO0001-C1-SA', [
    {
      kind: 'create',
      doc: {
        id: 'answer-FP-BAS-9',
        type: 'answer',
        selfAssessmentId: 'BD-DEMO0001-C1-SA',
        questionId: 'FP-BAS-9',
        value: fm.email,
      },
    },
  ]);
});

describe('the pure part', () => {
  const identity: PersonIdentity = { userId: 'u-1', email: 'Rafiq@Factory.example.com', name: 'Rafiq Islam' };

  it('the pseudonym is stable per user id and its address cannot be delivered', () => {
    expect(pseudonymOf('u-1')).toEqual(pseudonymOf('u-1'));
    expect(pseudonymOf('u-1').name).not.toBe(pseudonymOf('u-2').name);
    expect(pseudonymOf('u-1').email).toMatch(/^erased-[0-9a-f]{12}@invalid$/);
  });

  it('finds the email (any case, inside text), the name (whole words) and references by id, with their paths', () => {
    const doc = {
      to: 'rafiq@factory.example.com',
      text: 'Hello RAFIQ ISLAM, see rafiq@factory.example.com.',
      other: 'xrafiq@factory.example.com and Rafiq Islamabad',
      actor: { userId: 'u-1' },
      list: ['Rafiq Islam'],
      _etag: 'Rafiq Islam',
    };
    expect(findPersonalValues(doc, identity).map((v) => `${v.kind} ${v.path}`)).toEqual([
      'email /to',
      'email /text',
      'userId /actor/userId',
      'name /list/0',
    ]);
  });

  it('pseudonymises values only: keys, ids, other addresses and bookkeeping stay', () => {
    const p = pseudonymOf('u-1');
    const doc = {
      'Rafiq Islam': 'rafiq@factory.example.com',
      id: 'u-1',
      office: 'office@factory.example.com',
      _etag: 'Rafiq Islam',
      t: 'Dear Rafiq Islam',
    };
    expect(pseudonymise(doc, identity, p)).toEqual({
      'Rafiq Islam': p.email,
      id: 'u-1',
      office: 'office@factory.example.com',
      _etag: 'Rafiq Islam',
      t: `Dear ${p.name}`,
    });
  });
});

describe('export', () => {
  it("lists every document holding the manager's data, with where it is, and writes nothing", async () => {
    const before = JSON.stringify(await everything(store));
    const result = await exportPersonalData(deps, admin, fm.userId);
    expect(JSON.stringify(await everything(store))).toBe(before);
    expect(result.status).toBe('active');
    const where = (container: string, id: string) => result.items.find((i) => i.container === container && i.id === id);
    expect(where('users', fm.userId)?.document).toMatchObject({ name: fm.name, email: fm.email });
    expect(where('users', 'n-1')?.document).toMatchObject({ title: 'Welcome' });
    const factory = where('factories', 'BD-DEMO0001')!;
    expect(factory.fields).toEqual(
      expect.arrayContaining([
        { path: '/managerUserIds/0', value: fm.userId, kind: 'userId' },
        { path: '/profile/contactEmail', value: fm.email, kind: 'email' },
        { path: '/profile/contactPersonName', value: fm.name, kind: 'name' },
        { path: '/invitation/sentTo', value: fm.email, kind: 'email' },
      ])
    );
    expect(where('factories', 'audit-seed-BD-DEMO0001')?.fields).toEqual(
      expect.arrayContaining([{ path: '/after/profile/contactEmail', value: fm.email, kind: 'email' }])
    );
    expect(where('factories', 'outbox-pending-email')).toBeDefined();
    expect(where('selfAssessments', 'answer-FP-BAS-9')?.fields).toEqual([
      { path: '/value', value: fm.email, kind: 'email' },
    ]);
    // Nobody else's data: not the other manager's, not the factory's own office address.
    const text = JSON.stringify(result);
    expect(text).not.toContain(other.email);
    expect(text).not.toContain('office@factory-bd-1.example.com');
    expect(result.items.every((i) => i.container !== 'factories' || i.factoryId === 'BD-DEMO0001')).toBe(true);
    expect(result.crossPartitionQueries).toBe(1);
  });

  it('is for administrators only, and names no one who is not in the directory', async () => {
    await expect(exportPersonalData(deps, staff, fm.userId)).rejects.toThrow(ForbiddenError);
    await expect(exportPersonalData(deps, admin, 'nobody')).rejects.toThrow(NotFoundError);
    await expect(erasePersonalData(deps, staff, fm.userId)).rejects.toThrow(ForbiddenError);
    await expect(erasePersonalData(deps, admin, 'nobody')).rejects.toThrow(NotFoundError);
    await expect(erasePersonalData(deps, admin, admin.userId)).rejects.toThrow(ConflictError);
  });
});

describe('erasure', () => {
  it('pseudonymises every copy, keeps the audit trail in place, adds one event, closes the account', async () => {
    const auditBefore = await auditOf('BD-DEMO0001');
    const otherBefore = JSON.stringify(
      (await everything(store)).filter(
        (d) =>
          !JSON.stringify(d).includes(fm.userId) &&
          !JSON.stringify(d).includes(fm.email) &&
          !JSON.stringify(d).includes(fm.name)
      )
    );
    const result = await erasePersonalData(deps, admin, fm.userId);
    expect(result).toMatchObject({ userId: fm.userId, alreadyErased: false, pseudonym, factoryIds: ['BD-DEMO0001'] });
    expect(result.documentsDeleted).toBe(3); // the two undelivered messages, the notification

    const all = JSON.stringify(await everything(store));
    expect(all).not.toContain(fm.email);
    expect(all).not.toContain(fm.name);
    expect(all).toContain('office@factory-bd-1.example.com'); // the factory's own address stays

    // Audit: the same events, same ids, times, actors and actions; one more, without personal data.
    const auditAfter = await auditOf('BD-DEMO0001');
    expect(auditAfter).toHaveLength(auditBefore.length + 1);
    for (const event of auditBefore) {
      const now = auditAfter.find((e) => e.id === event.id)!;
      expect({ at: now.at, actor: now.actor, action: now.action }).toEqual({
        at: event.at,
        actor: event.actor,
        action: event.action,
      });
    }
    const seedEvent = auditAfter.find((e) => e.id === 'audit-seed-BD-DEMO0001')!;
    expect(seedEvent.after).toMatchObject({
      profile: { contactEmail: pseudonym.email, contactPersonName: pseudonym.name },
    });
    const erased = auditAfter.filter((e) => e.action === personalDataErasedAction);
    expect(erased).toHaveLength(1);
    expect(erased[0]).toMatchObject({
      actor: { userId: admin.userId },
      before: null,
      after: { erasedUserId: fm.userId },
    });
    expect(result.auditEventIds).toEqual([erased[0]!.id]);

    // The factory: no longer managed by them, contact pseudonymised; messages: undelivered ones dropped.
    const factory = (await store.read<FactoryDocument>('factories', 'BD', 'BD-DEMO0001'))!.doc;
    expect(factory.managerUserIds).not.toContain(fm.userId);
    expect(factory.terms?.signedBy).toBe(fm.userId); // a reference by id, kept like the audit's actors
    expect(await store.read('factories', 'BD', 'outbox-pending-email')).toBeUndefined();
    expect(await store.read('factories', 'BD', 'outbox-pending-notification')).toBeUndefined();
    expect((await store.read<OutboxDocument>('factories', 'BD', 'outbox-delivered'))!.doc.to).toBe(pseudonym.email);
    expect(await store.read('users', fm.userId, 'n-1')).toBeUndefined();

    // The account: closed, its directory entry under the pseudonym, bound to nothing.
    const user = (await store.read<UserDocument>('users', fm.userId, fm.userId))!.doc;
    expect(user).toMatchObject({ name: pseudonym.name, email: pseudonym.email, disabled: true, factoryIds: [] });
    expect(user.erasure).toMatchObject({ requestedBy: admin.userId, completedAt: clock.now().toISOString() });
    await expect(
      actorOf(store, { userId: fm.userId, roles: ['FactoryManager'], email: fm.email, name: fm.name })
    ).rejects.toThrow(/closed/);

    // Everyone else: untouched.
    const otherAfter = JSON.stringify(
      (await everything(store)).filter(
        (d) => !JSON.stringify(d).includes(fm.userId) && !JSON.stringify(d).includes(pseudonym.name)
      )
    );
    expect(otherAfter).toBe(otherBefore);

    // The export now shows pseudonyms only.
    const again = await exportPersonalData(deps, admin, fm.userId);
    expect(again.status).toBe('erased');
    expect(JSON.stringify(again)).not.toContain(fm.email);
    expect(
      again.items
        .flatMap((i) => i.fields)
        .filter((f) => f.kind === 'email')
        .every((f) => f.value.includes(pseudonym.email))
    ).toBe(true);
  });

  it('the request only closes the account; the background part completes it; both are idempotent', async () => {
    const before = JSON.stringify(await everything(store));
    const requested = await requestPersonalDataErasure(deps, admin, fm.userId);
    expect(requested).toEqual({
      userId: fm.userId,
      status: 'erasing',
      requestedAt: clock.now().toISOString(),
      requestedBy: admin.userId,
      erasedAt: null,
    });
    // Only the directory entry changed: closed, the plan recorded, name and email still there (replaced last).
    const user = (await store.read<UserDocument>('users', fm.userId, fm.userId))!.doc;
    expect(user).toMatchObject({ disabled: true, email: fm.email, erasure: { factoryIds: ['BD-DEMO0001'] } });
    expect(user.erasure?.completedAt).toBeUndefined();
    const changed = (await everything(store)).filter((d) => !before.includes(JSON.stringify(d)));
    expect(changed.map((d) => d.id)).toEqual([fm.userId]);
    expect((await exportPersonalData(deps, admin, fm.userId)).status).toBe('erasing');
    // A repeat while it runs: no change.
    const closed = JSON.stringify(await everything(store));
    expect(await requestPersonalDataErasure(deps, admin, fm.userId)).toEqual(requested);
    expect(JSON.stringify(await everything(store))).toBe(closed);

    const done = await completePersonalDataErasure(deps, fm.userId);
    expect(done).toMatchObject({
      alreadyErased: false,
      factoryIds: ['BD-DEMO0001'],
      erasedAt: clock.now().toISOString(),
    });
    expect((await exportPersonalData(deps, admin, fm.userId)).status).toBe('erased');
    const erased = JSON.stringify(await everything(store));
    expect(await requestPersonalDataErasure(deps, admin, fm.userId)).toMatchObject({ status: 'erased' });
    expect(await completePersonalDataErasure(deps, fm.userId)).toMatchObject({
      alreadyErased: true,
      documentsChanged: 0,
    });
    expect(JSON.stringify(await everything(store))).toBe(erased);
  });

  it('the background part erases nothing unless an erasure was requested', async () => {
    const before = JSON.stringify(await everything(store));
    await expect(completePersonalDataErasure(deps, fm.userId)).rejects.toThrow(NotFoundError);
    await expect(completePersonalDataErasure(deps, 'nobody')).rejects.toThrow(NotFoundError);
    expect(JSON.stringify(await everything(store))).toBe(before);
  });

  it('is idempotent: again, nothing changes and no second event', async () => {
    await erasePersonalData(deps, admin, fm.userId);
    const before = JSON.stringify(await everything(store));
    const again = await erasePersonalData(deps, admin, fm.userId);
    expect(again).toMatchObject({ alreadyErased: true, documentsChanged: 0, documentsDeleted: 0 });
    expect(JSON.stringify(await everything(store))).toBe(before);
  });

  it('resumes where an interrupted run stopped, with one event per factory', async () => {
    let writes = 0;
    const crashing: DocumentStore = {
      ...store,
      write: async (container, pk, ops) => {
        if (++writes === 3) throw new Error('the process died');
        return store.write(container, pk, ops);
      },
    };
    await expect(erasePersonalData({ store: crashing, clock }, admin, fm.userId)).rejects.toThrow('the process died');
    expect((await store.read<UserDocument>('users', fm.userId, fm.userId))!.doc.disabled).toBe(true);
    const status = await exportPersonalData(deps, admin, fm.userId);
    expect(status.status).toBe('erasing');
    const result = await erasePersonalData(deps, admin, fm.userId);
    expect(result.alreadyErased).toBe(false);
    expect(JSON.stringify(await everything(store))).not.toContain(fm.email);
    expect((await auditOf('BD-DEMO0001')).filter((e) => e.action === personalDataErasedAction)).toHaveLength(1);
  });

  it("never loses a concurrent writer's update: a 412 reads again and does it again", async () => {
    let raced = 0;
    const racing: DocumentStore = {
      ...store,
      write: async (container, pk, ops: WriteOperation[]) => {
        if (raced < 2 && ops.some((op) => op.kind === 'replace' && op.doc.id === 'BD-DEMO0001')) {
          raced += 1; // staff change the factory just before the erasure's write lands
          const current = (await store.read<FactoryDocument>('factories', 'BD', 'BD-DEMO0001'))!;
          const doc = {
            ...current.doc,
            subscribedBrandIds: [...current.doc.subscribedBrandIds, `brand-race-${raced}`],
          };
          await store.write('factories', 'BD', [{ kind: 'replace', doc, ifMatch: current.etag }]);
        }
        return store.write(container, pk, ops);
      },
    };
    await erasePersonalData({ store: racing, clock }, admin, fm.userId);
    expect(raced).toBe(2);
    const factory = (await store.read<FactoryDocument>('factories', 'BD', 'BD-DEMO0001'))!.doc;
    expect(factory.subscribedBrandIds).toEqual(expect.arrayContaining(['brand-race-1', 'brand-race-2']));
    expect(factory.profile.contactEmail).toBe(pseudonym.email);
    expect((await auditOf('BD-DEMO0001')).filter((e) => e.action === personalDataErasedAction)).toHaveLength(1);
  });

  it('answers 409 when a partition keeps changing, and the next run finishes the job', async () => {
    const alwaysRacing: DocumentStore = {
      ...store,
      write: async (container, pk, ops: WriteOperation[]) => {
        if (ops.some((op) => op.kind === 'replace' && op.doc.id === 'BD-DEMO0001')) {
          const current = (await store.read<FactoryDocument>('factories', 'BD', 'BD-DEMO0001'))!;
          await store.write('factories', 'BD', [{ kind: 'replace', doc: { ...current.doc }, ifMatch: current.etag }]);
        }
        return store.write(container, pk, ops);
      },
    };
    await expect(erasePersonalData({ store: alwaysRacing, clock }, admin, fm.userId)).rejects.toThrow(ConflictError);
    expect(erasureAttempts).toBeGreaterThan(1);
    await erasePersonalData(deps, admin, fm.userId);
    expect(JSON.stringify(await everything(store))).not.toContain(fm.email);
  });
});
