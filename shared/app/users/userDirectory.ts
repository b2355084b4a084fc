import type { UserScope } from '../../domain/access/policy';
import type { Principal } from '../../domain/access/roles';
import { ForbiddenError } from '../../domain/errors';
import type { DocumentStore, StoredDocument } from '../../ports/documentStore';
import type { Actor } from '../factories/factoryStore';
import { ReadCache } from '../readCache';

/** A person in the user directory (container `users`, partition = user id). */
export interface UserDocument extends StoredDocument, UserScope {
  type: 'user';
  id: string;
  userId: string;
  name: string | undefined;
  email: string | undefined;
  updatedAt: string;
  /** The account is closed (its personal data erased, shared/app/users/personalData.ts): actorOf refuses it. */
  disabled?: boolean;
  /** The erasure of the person's personal data: asked when and by whom, the factories it covers, done when. */
  erasure?: PersonalDataErasure;
}

export interface PersonalDataErasure {
  requestedAt: string;
  requestedBy: string;
  factoryIds: string[];
  completedAt?: string;
}

/** A closed account (personal data erased) acts on nothing, whatever its token still says. */
export function assertAccountOpen(scope: UserScope | undefined): void {
  if ((scope as { disabled?: unknown } | undefined)?.disabled === true) {
    throw new ForbiddenError('This account has been closed.');
  }
}

/** A change of someone's scope (e.g. a new factory binding) reaches other instances within this time. */
export const scopeCacheSeconds = 30;
const scopes = new ReadCache<UserScope | undefined>(scopeCacheSeconds * 1000);

export async function loadScope(store: DocumentStore, userId: string): Promise<UserScope | undefined> {
  return scopes.get(store, userId, async () => (await store.read<UserDocument>('users', userId, userId))?.doc);
}

/** Call after writing a user's directory entry, so this process sees the change at once. */
export function forgetScope(store: DocumentStore, userId: string): void {
  scopes.forget(store, userId);
}

/** The caller with what the directory says they are bound to (one point read). */
export async function actorOf(store: DocumentStore, principal: Principal): Promise<Actor> {
  const scope = principal.roles.length > 0 ? await loadScope(store, principal.userId) : undefined;
  assertAccountOpen(scope);
  return { principal, scope };
}

export function emptyUser(userId: string, now: string): UserDocument {
  return {
    id: userId,
    type: 'user',
    userId,
    name: undefined,
    email: undefined,
    countryCodes: [],
    factoryIds: [],
    advisedFactoryIds: [],
    brandId: undefined,
    updatedAt: now,
  };
}
