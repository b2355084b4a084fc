// GDPR-style export and erasure of one person's personal data (Admin only). The person is their user id
// (the token's `oid`); their name and email are those of their directory entry. Where they can be:
// - `users`, their partition: the directory entry and their portal notifications;
// - `factories`, the partition of each factory they relate to: the factory (managers, advisors, profile
//   contact, invitation summary), its invitation, outbox messages, audit events (before/after snapshots);
// - `selfAssessments`, the partition of each of those factories' cycles: answers (e.g. the email of the
//   person submitting) and their audit events.
// Which factories: those the directory entry names, plus ONE query across the `factories` partitions for
// documents naming the person (by id, email or name) in the fields that hold people. Everything else is
// read per partition. An erasure pseudonymises in place (ids, times, actions, actors' user ids untouched),
// drops messages not yet delivered to the person, closes the account, and writes one audit event in the
// trail of each factory it covered. Every write carries the ETag of the read it was computed from; a
// partition changed meanwhile is read again and done again (at most 5 times, then 409). Running it again
// resumes an interrupted erasure, and changes nothing once it is complete. The request does step 1 only
// (`requestPersonalDataErasure`: the account is closed at once); the rest (`completePersonalDataErasure`) runs
// in the durable orchestration `erasure-{userId}` (functions/orchestrations/personalDataErasure.ts).
import { createHash } from 'node:crypto';
import type { Principal } from '../../domain/access/roles';
import { ConflictError, ForbiddenError, NotFoundError, PreconditionFailedError } from '../../domain/errors';
import {
  countryOfFactoryId,
  factoryIdPattern,
  type AuditEventDocument,
  type FactoryDocument,
} from '../../domain/factory/factory';
import {
  findPersonalValues,
  holdsNameOrEmail,
  pseudonymFromTag,
  pseudonymise,
  type PersonIdentity,
  type PersonalValue,
  type Pseudonym,
} from '../../domain/personalData/personalData';
import type { ContainerName } from '../../config/cosmosContainers';
import type { Clock } from '../../ports/clock';
import type { DocumentStore, QuerySpec, StoredDocument, WriteOperation } from '../../ports/documentStore';
import { forgetScope, type PersonalDataErasure, type UserDocument } from './userDirectory';

export interface PersonalDataDeps {
  store: DocumentStore;
  clock: Clock;
}

/** One document holding the person's data, and where it is. */
export interface PersonalDataItem {
  container: ContainerName;
  partitionKey: string;
  id: string;
  type: string;
  factoryId: string | null;
  /** When it was written, as the document says (an event's `at`, a message's `createdAt`). */
  at: string | null;
  /** An audit event's action. */
  action: string | null;
  /** Where in the document the person's email, name or user id is, and the value. */
  fields: PersonalValue[];
  /** The whole document, for the person's own documents (directory entry, notifications); else null. */
  document: Record<string, unknown> | null;
}

export interface PersonalDataExport {
  userId: string;
  exportedAt: string;
  /** `erasing`: an erasure was started and not completed (run it again to finish it). */
  status: 'active' | 'erasing' | 'erased';
  items: PersonalDataItem[];
  /** Queries that spanned partitions (one: finding the factories that name the person). */
  crossPartitionQueries: number;
}

export interface PersonalDataErasureResult {
  userId: string;
  /** True when the erasure had already completed: nothing was changed this time. */
  alreadyErased: boolean;
  requestedAt: string;
  requestedBy: string;
  erasedAt: string;
  pseudonym: Pseudonym;
  /** The factories it covered; each has one `personalData.erased` event in its audit trail. */
  factoryIds: string[];
  auditEventIds: string[];
  documentsChanged: number;
  documentsDeleted: number;
}

/** `erased-<first 12 hex of sha256(userId)>`: the same on every run for the same person. */
export function pseudonymOf(userId: string): Pseudonym {
  return pseudonymFromTag(`erased-${createHash('sha256').update(userId, 'utf8').digest('hex').slice(0, 12)}`);
}

/** The action of the audit event an erasure writes in a factory's trail. */
export const personalDataErasedAction = 'personalData.erased';
/** Times a partition changed by someone else meanwhile is read and done again before answering 409. */
export const erasureAttempts = 5;
/** Writes per transactional batch (Cosmos allows 100 operations and 2 MB; audit snapshots are a few KB). */
const batchSize = 40;

function assertAdmin(principal: Principal): void {
  if (!principal.roles.includes('Admin')) {
    throw new ForbiddenError('Only an administrator may export or erase personal data.');
  }
}

async function loadUser(store: DocumentStore, userId: string) {
  const user = await store.read<UserDocument>('users', userId, userId);
  if (!user || user.doc.type !== 'user') throw new NotFoundError(`There is no user ${userId} in the directory.`);
  return user;
}

const identityOf = (user: UserDocument): PersonIdentity => ({
  userId: user.userId,
  email: user.email?.trim() || undefined,
  name: user.name?.trim() || undefined,
});

const statusOf = (user: UserDocument): PersonalDataExport['status'] =>
  user.erasure?.completedAt ? 'erased' : user.erasure ? 'erasing' : 'active';

async function queryAll<T extends StoredDocument>(
  store: DocumentStore,
  container: ContainerName,
  partitionKey: string,
  spec: QuerySpec
): Promise<T[]> {
  const items: T[] = [];
  let continuation: string | undefined;
  do {
    const page = await store.query<T>(container, partitionKey, spec, {
      maxItems: 200,
      ...(continuation ? { continuation } : {}),
    });
    items.push(...page.items);
    continuation = page.continuation;
  } while (continuation);
  return items;
}

/**
 * The factories whose documents name the person in a field that holds people: ONE query across the
 * `factories` partitions (this rare Admin operation is the only reason to look at every country at once).
 */
async function factoriesNaming(store: DocumentStore, identity: PersonIdentity): Promise<string[]> {
  const conditions = [
    'ARRAY_CONTAINS(c.managerUserIds, @userId)',
    'ARRAY_CONTAINS(c.advisorUserIds, @userId)',
    'c.actor.userId = @userId',
    'c.to = @userId',
    'c.usedBy = @userId',
  ];
  const parameters: { name: string; value: string }[] = [{ name: '@userId', value: identity.userId }];
  const snapshots = ['c', 'c.before', 'c.after'];
  if (identity.email) {
    parameters.push({ name: '@email', value: identity.email.toLowerCase() });
    conditions.push('LOWER(c.email) = @email', 'LOWER(c.to) = @email');
    for (const at of snapshots) {
      for (const field of ['invitation.sentTo', 'profile.contactEmail', 'profile.facilityEmail']) {
        conditions.push(`LOWER(${at}.${field}) = @email`);
      }
    }
  }
  if (identity.name) {
    parameters.push({ name: '@name', value: identity.name.toLowerCase() });
    for (const at of snapshots) conditions.push(`LOWER(${at}.profile.contactPersonName) = @name`);
  }
  const found = await store.queryAcrossPartitions<StoredDocument & { factoryId?: unknown }>('factories', {
    query: `SELECT c.id, c.type, c.factoryId FROM c WHERE IS_STRING(c.factoryId) AND (${conditions.join(' OR ')})`,
    parameters,
  });
  return found.map((doc) => String(doc.factoryId));
}

/** The factories an export or erasure covers, sorted. */
async function factoriesOf(store: DocumentStore, user: UserDocument, identity: PersonIdentity): Promise<string[]> {
  const ids = new Set([
    ...(await factoriesNaming(store, identity)),
    ...user.factoryIds,
    ...user.advisedFactoryIds,
    ...(user.erasure?.factoryIds ?? []),
  ]);
  return [...ids].filter((id) => factoryIdPattern.test(id)).sort();
}

/** Every document of one factory in its partition (the factory, invitation, outbox, audit, records...). */
function factoryDocuments(store: DocumentStore, factoryId: string): Promise<StoredDocument[]> {
  return queryAll(store, 'factories', countryOfFactoryId(factoryId), {
    query: 'SELECT * FROM c WHERE c.countryCode = @pk AND c.factoryId = @factoryId',
    parameters: [{ name: '@factoryId', value: factoryId }],
  });
}

const selfAssessmentPartitionsOf = (factory: FactoryDocument | undefined) =>
  (factory?.cycles ?? []).map((cycle) => `${cycle.cycleId}-SA`);

function selfAssessmentDocuments(store: DocumentStore, selfAssessmentId: string): Promise<StoredDocument[]> {
  return queryAll(store, 'selfAssessments', selfAssessmentId, {
    query: 'SELECT * FROM c WHERE c.selfAssessmentId = @pk',
  });
}

function userDocuments(store: DocumentStore, userId: string): Promise<StoredDocument[]> {
  return queryAll(store, 'users', userId, { query: 'SELECT * FROM c WHERE c.userId = @pk' });
}

const text = (value: unknown) => (typeof value === 'string' ? value : null);

function withoutBookkeeping(doc: StoredDocument): Record<string, unknown> {
  return Object.fromEntries(Object.entries(doc).filter(([key]) => !key.startsWith('_')));
}

function itemOf(
  container: ContainerName,
  partitionKey: string,
  doc: StoredDocument,
  identity: PersonIdentity,
  whole: boolean
): PersonalDataItem | undefined {
  const fields = findPersonalValues(withoutBookkeeping(doc), identity);
  if (fields.length === 0 && !whole) return undefined;
  return {
    container,
    partitionKey,
    id: doc.id,
    type: doc.type,
    factoryId: text(doc.factoryId),
    at: text(doc.at) ?? text(doc.createdAt) ?? text(doc.issuedAt) ?? text(doc.updatedAt),
    action: text(doc.action),
    fields,
    document: whole ? withoutBookkeeping(doc) : null,
  };
}

/** Everything the platform holds about the person, with where each piece is. Writes nothing. */
export async function exportPersonalData(
  deps: PersonalDataDeps,
  principal: Principal,
  userId: string
): Promise<PersonalDataExport> {
  assertAdmin(principal);
  const user = await loadUser(deps.store, userId);
  const identity = identityOf(user.doc);
  const items: PersonalDataItem[] = [];
  for (const doc of await userDocuments(deps.store, userId)) {
    items.push(itemOf('users', userId, doc, identity, true)!);
  }
  for (const factoryId of await factoriesOf(deps.store, user.doc, identity)) {
    const countryCode = countryOfFactoryId(factoryId);
    const docs = await factoryDocuments(deps.store, factoryId);
    for (const doc of docs) {
      const item = itemOf('factories', countryCode, doc, identity, false);
      if (item) items.push(item);
    }
    const factory = docs.find((d): d is FactoryDocument => d.type === 'factory' && d.id === factoryId);
    for (const partition of selfAssessmentPartitionsOf(factory)) {
      for (const doc of await selfAssessmentDocuments(deps.store, partition)) {
        const item = itemOf('selfAssessments', partition, doc, identity, false);
        if (item) items.push(item);
      }
    }
  }
  return {
    userId,
    exportedAt: deps.clock.now().toISOString(),
    status: statusOf(user.doc),
    items,
    crossPartitionQueries: 1,
  };
}

/** Runs a read-compute-write pass again when someone changed what it read (412), then gives up with 409. */
async function withRetries<T>(what: string, pass: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await pass();
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
      if (attempt >= erasureAttempts) {
        throw new ConflictError(
          `${what} kept changing during the erasure; send it again: it resumes where it stopped.`
        );
      }
    }
  }
}

interface Tally {
  changed: number;
  deleted: number;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A message not delivered yet to the person (by address, or a notification for their user id). */
function undeliveredToPerson(doc: StoredDocument, identity: PersonIdentity, pseudonym: Pseudonym): boolean {
  if (doc.type !== 'outbox' || doc.status !== 'pending' || typeof doc.to !== 'string') return false;
  const to = doc.to.trim().toLowerCase();
  return (
    doc.to === identity.userId ||
    (identity.email !== undefined && to === identity.email.toLowerCase()) ||
    to === pseudonym.email
  );
}

/**
 * The write that erases the person from one document, computed from a fresh point read (its ETag guards
 * the write): a message not yet delivered to them is dropped, anything else holding their name or email
 * is pseudonymised in place. Undefined when there is nothing to change.
 */
async function erasureOf(
  store: DocumentStore,
  container: ContainerName,
  partitionKey: string,
  id: string,
  identity: PersonIdentity,
  pseudonym: Pseudonym,
  tally: Tally
): Promise<WriteOperation | undefined> {
  const fresh = await store.read<StoredDocument>(container, partitionKey, id);
  if (!fresh) return undefined;
  if (undeliveredToPerson(fresh.doc, identity, pseudonym)) {
    tally.deleted += 1;
    return { kind: 'delete', id, ifMatch: fresh.etag };
  }
  const next = pseudonymise(fresh.doc, identity, pseudonym);
  if (same(next, fresh.doc)) return undefined;
  tally.changed += 1;
  return { kind: 'replace', doc: next, ifMatch: fresh.etag };
}

async function writeInBatches(
  store: DocumentStore,
  container: ContainerName,
  partitionKey: string,
  operations: WriteOperation[]
): Promise<void> {
  for (let i = 0; i < operations.length; i += batchSize) {
    await store.write(container, partitionKey, operations.slice(i, i + batchSize));
  }
}

/** Pseudonymises what holds the person's data in one partition (all documents but `skip`). */
async function erasePartition(
  store: DocumentStore,
  container: ContainerName,
  partitionKey: string,
  docs: readonly StoredDocument[],
  identity: PersonIdentity,
  pseudonym: Pseudonym,
  tally: Tally,
  skip: (doc: StoredDocument) => boolean = () => false
): Promise<void> {
  const operations: WriteOperation[] = [];
  for (const doc of docs) {
    if (skip(doc)) continue;
    if (!holdsNameOrEmail(doc, identity) && !undeliveredToPerson(doc, identity, pseudonym)) continue;
    const op = await erasureOf(store, container, partitionKey, doc.id, identity, pseudonym, tally);
    if (op) operations.push(op);
  }
  await writeInBatches(store, container, partitionKey, operations);
}

const erasureEventId = (factoryId: string, pseudonym: Pseudonym) => `audit-erasure-${factoryId}-${pseudonym.name}`;

/**
 * One factory: its self-assessments, its other documents, then the factory itself (pseudonymised, the person
 * no longer among its managers and advisors) with the erasure's audit event, in one batch. The event has a
 * fixed id, so however often this runs the trail gets it once.
 */
async function eraseFactory(
  deps: PersonalDataDeps,
  admin: Principal,
  factoryId: string,
  identity: PersonIdentity,
  pseudonym: Pseudonym,
  tally: Tally
): Promise<string> {
  const countryCode = countryOfFactoryId(factoryId);
  const eventId = erasureEventId(factoryId, pseudonym);
  await withRetries(`Factory ${factoryId}`, async () => {
    const docs = await factoryDocuments(deps.store, factoryId);
    const isFactory = (doc: StoredDocument) => doc.type === 'factory' && doc.id === factoryId;
    const factory = docs.find(isFactory) as FactoryDocument | undefined;
    for (const partition of selfAssessmentPartitionsOf(factory)) {
      const answers = await selfAssessmentDocuments(deps.store, partition);
      await erasePartition(deps.store, 'selfAssessments', partition, answers, identity, pseudonym, tally);
    }
    await erasePartition(deps.store, 'factories', countryCode, docs, identity, pseudonym, tally, isFactory);
    const last: WriteOperation[] = [];
    const fresh = await deps.store.read<FactoryDocument>('factories', countryCode, factoryId);
    if (fresh?.doc.type === 'factory') {
      const pseudonymised = pseudonymise(fresh.doc, identity, pseudonym);
      const next: FactoryDocument = {
        ...pseudonymised,
        managerUserIds: pseudonymised.managerUserIds.filter((id) => id !== identity.userId),
        advisorUserIds: pseudonymised.advisorUserIds.filter((id) => id !== identity.userId),
      };
      if (!same(next, fresh.doc)) {
        tally.changed += 1;
        last.push({
          kind: 'replace',
          doc: { ...next, updatedAt: deps.clock.now().toISOString() },
          ifMatch: fresh.etag,
        });
      }
    }
    if (!(await deps.store.read('factories', countryCode, eventId))) {
      const event: AuditEventDocument = {
        id: eventId,
        type: 'audit',
        countryCode,
        factoryId,
        at: deps.clock.now().toISOString(),
        actor: { userId: admin.userId, roles: [...admin.roles] },
        action: personalDataErasedAction,
        // No personal data: whose data (by user id, which the trail already uses) and the pseudonym.
        before: null,
        after: { erasedUserId: identity.userId, pseudonym: pseudonym.name },
      };
      last.push({ kind: 'create', doc: event });
    }
    if (last.length > 0) await deps.store.write('factories', countryCode, last);
  });
  return eventId;
}

/** What the request of an erasure answers: the account is closed, the rest runs in the background. */
export interface PersonalDataErasureRequest {
  userId: string;
  /** `erasing`: the account is closed and the rest is under way; `erased`: it had already completed. */
  status: 'erasing' | 'erased';
  requestedAt: string;
  requestedBy: string;
  erasedAt: string | null;
}

/**
 * Step 1 of an erasure, in the request (Admin only): closes the account at once (so it changes nothing
 * meanwhile) and records the plan (the factories it covers), unless an earlier request did. The rest
 * (`completePersonalDataErasure`) runs in the background; the export says `erasing` until it completes.
 */
export async function requestPersonalDataErasure(
  deps: PersonalDataDeps,
  principal: Principal,
  userId: string
): Promise<PersonalDataErasureRequest> {
  assertAdmin(principal);
  if (principal.userId === userId) {
    throw new ConflictError('An administrator cannot erase their own account; ask another administrator.');
  }
  const erasure = await withRetries(`The directory entry of ${userId}`, async () => {
    const user = await loadUser(deps.store, userId);
    if (user.doc.erasure) return user.doc.erasure;
    const factoryIds = await factoriesOf(deps.store, user.doc, identityOf(user.doc));
    const now = deps.clock.now().toISOString();
    const closed: UserDocument = {
      ...user.doc,
      disabled: true,
      countryCodes: [],
      factoryIds: [],
      advisedFactoryIds: [],
      brandId: undefined,
      erasure: { requestedAt: now, requestedBy: principal.userId, factoryIds },
      updatedAt: now,
    };
    await deps.store.write('users', userId, [{ kind: 'replace', doc: closed, ifMatch: user.etag }]);
    forgetScope(deps.store, userId);
    return closed.erasure!;
  });
  return {
    userId,
    status: erasure.completedAt ? 'erased' : 'erasing',
    requestedAt: erasure.requestedAt,
    requestedBy: erasure.requestedBy,
    erasedAt: erasure.completedAt ?? null,
  };
}

/**
 * Steps 2 and 3 of an erasure requested earlier (the background activity; no caller to authorise: the
 * directory entry says who asked, and that administrator is the actor of the audit events). Pseudonymises
 * every factory it covers, then the person's own partition: notifications deleted, the directory entry keeps
 * the user id (the audit trail refers to it) under the pseudonym, marked complete. Running it again resumes
 * an interrupted run, and changes nothing once it is complete. NotFoundError when the person is not in the
 * directory or no erasure was requested.
 */
export async function completePersonalDataErasure(
  deps: PersonalDataDeps,
  userId: string
): Promise<PersonalDataErasureResult> {
  const pseudonym = pseudonymOf(userId);
  const tally: Tally = { changed: 0, deleted: 0 };
  const user = await loadUser(deps.store, userId);
  const requested = user.doc.erasure;
  if (!requested) throw new NotFoundError(`No erasure was requested for ${userId}.`);
  const resultOf = (erasure: PersonalDataErasure, alreadyErased: boolean): PersonalDataErasureResult => ({
    userId,
    alreadyErased,
    requestedAt: erasure.requestedAt,
    requestedBy: erasure.requestedBy,
    erasedAt: erasure.completedAt!,
    pseudonym,
    factoryIds: [...erasure.factoryIds].sort(),
    auditEventIds: [...erasure.factoryIds].sort().map((factoryId) => erasureEventId(factoryId, pseudonym)),
    documentsChanged: tally.changed,
    documentsDeleted: tally.deleted,
  });
  // Complete already: the directory entry holds the pseudonym, nothing left to find or change.
  if (requested.completedAt !== undefined) return resultOf(requested, true);
  const identity = identityOf(user.doc);
  const factoryIds = await factoriesOf(deps.store, user.doc, identity);
  const admin: Principal = { userId: requested.requestedBy, roles: ['Admin'], email: undefined, name: undefined };

  // 2. Every factory it covers, each in its partition (and its self-assessments' partitions).
  for (const factoryId of factoryIds) {
    await eraseFactory(deps, admin, factoryId, identity, pseudonym, tally);
  }

  // 3. The person's own partition: notifications go, the directory entry takes the pseudonym, complete.
  const finished = await withRetries(`The directory entry of ${userId}`, async () => {
    const docs = await userDocuments(deps.store, userId);
    const notifications = docs.filter((doc) => doc.type === 'notification');
    const others = docs.filter((doc) => doc.type !== 'notification' && !(doc.type === 'user' && doc.id === userId));
    await writeInBatches(
      deps.store,
      'users',
      userId,
      notifications.map((doc): WriteOperation => ({ kind: 'delete', id: doc.id, ifMatch: undefined }))
    );
    tally.deleted += notifications.length;
    await erasePartition(deps.store, 'users', userId, others, identity, pseudonym, tally);
    const current = await loadUser(deps.store, userId);
    const erasure = current.doc.erasure ?? requested;
    if (erasure.completedAt !== undefined) return erasure;
    const now = deps.clock.now().toISOString();
    const done: UserDocument = {
      ...pseudonymise(current.doc, identity, pseudonym),
      name: pseudonym.name,
      email: pseudonym.email,
      disabled: true,
      erasure: {
        ...erasure,
        factoryIds: [...new Set([...erasure.factoryIds, ...factoryIds])],
        completedAt: now,
      },
      updatedAt: now,
    };
    await deps.store.write('users', userId, [{ kind: 'replace', doc: done, ifMatch: current.etag }]);
    forgetScope(deps.store, userId);
    tally.changed += 1;
    return done.erasure!;
  });
  return resultOf(finished, false);
}
