import type { UserScope } from '../../domain/access/policy';
import type { Principal } from '../../domain/access/roles';
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
  return { principal, scope: principal.roles.length > 0 ? await loadScope(store, principal.userId) : undefined };
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
