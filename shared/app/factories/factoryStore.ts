import { randomUUID } from 'node:crypto';
import { decideFactoryAccess, type FactoryAction, type UserScope } from '../../domain/access/policy';
import type { Principal } from '../../domain/access/roles';
import { ForbiddenError, NotFoundError } from '../../domain/errors';
import {
  countryOfFactoryId,
  factoryIdPattern,
  type AuditEventDocument,
  type FactoryDocument,
  type OutboxDocument,
} from '../../domain/factory/factory';
import type { Clock } from '../../ports/clock';
import type { DocumentStore, Versioned, WriteOperation } from '../../ports/documentStore';

export interface Actor {
  principal: Principal;
  scope: UserScope | undefined;
}

export interface OutboxDraft {
  kind: 'email' | 'notification';
  to: string;
  subject: string;
  text: string;
  link?: string;
}

/**
 * Loads a factory the caller may act on. A factory the caller has no relation to answers 404, exactly as
 * one that does not exist (no existence leak); one they may see but not change answers 403.
 */
export async function loadFactoryFor(
  store: DocumentStore,
  actor: Actor,
  factoryId: string,
  action: FactoryAction
): Promise<Versioned<FactoryDocument>> {
  const notFound = new NotFoundError(`Factory ${factoryId} was not found.`);
  if (!factoryIdPattern.test(factoryId)) throw notFound;
  const loaded = await store.read<FactoryDocument>('factories', countryOfFactoryId(factoryId), factoryId);
  if (!loaded || loaded.doc.type !== 'factory') throw notFound;
  const decision = decideFactoryAccess(actor.principal, actor.scope, loaded.doc, action);
  if (decision === 'hidden') throw notFound;
  if (decision === 'forbidden') throw new ForbiddenError(`You may not ${action} for this factory.`);
  return loaded;
}

/**
 * Writes a factory change together with its audit event (who, when, what, before → after) and what it
 * must deliver (emails, notifications), in one transactional batch: all or nothing. `ifMatch` guards
 * against lost updates.
 */
export async function saveFactoryChange(
  store: DocumentStore,
  clock: Clock,
  change: {
    actor: Principal;
    action: string;
    before: Versioned<FactoryDocument> | undefined;
    after: FactoryDocument;
    /** The caller's If-Match when they sent one; else the ETag of what we read. */
    ifMatch?: string | undefined;
    deliver?: OutboxDraft[];
    alsoWrite?: WriteOperation[];
  }
): Promise<string> {
  const now = clock.now().toISOString();
  const after: FactoryDocument = { ...change.after, updatedAt: now };
  const audit: AuditEventDocument = {
    id: `audit-${randomUUID()}`,
    type: 'audit',
    countryCode: after.countryCode,
    factoryId: after.factoryId,
    at: now,
    actor: { userId: change.actor.userId, roles: [...change.actor.roles] },
    action: change.action,
    before: change.before ? withoutBookkeeping(change.before.doc) : null,
    after: withoutBookkeeping(after),
  };
  const outbox = outboxDocuments(after, change.deliver ?? [], now);
  const factoryWrite: WriteOperation = change.before
    ? { kind: 'replace', doc: after, ifMatch: change.ifMatch ?? change.before.etag }
    : { kind: 'create', doc: after };
  const etags = await store.write('factories', after.countryCode, [
    factoryWrite,
    { kind: 'create', doc: audit },
    ...outbox.map((doc): WriteOperation => ({ kind: 'create', doc })),
    ...(change.alsoWrite ?? []),
  ]);
  return etags[0]!;
}

function withoutBookkeeping(doc: FactoryDocument): Record<string, unknown> {
  const { updatedAt: _updatedAt, ...rest } = doc;
  return rest;
}

/** Outbox documents in the factory's partition (delivered by the outbox timer, retried with backoff). */
export function outboxDocuments(
  ref: { countryCode: string; factoryId: string },
  drafts: readonly OutboxDraft[],
  now: string
): OutboxDocument[] {
  return drafts.map((draft) => ({
    id: `outbox-${randomUUID()}`,
    type: 'outbox',
    countryCode: ref.countryCode,
    factoryId: ref.factoryId,
    kind: draft.kind,
    to: draft.to,
    subject: draft.subject,
    text: draft.text,
    link: draft.link,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    createdAt: now,
    lastError: undefined,
  }));
}
