import type { UserScope } from '../../domain/access/policy';
import type { Principal } from '../../domain/access/roles';
import type { DocumentStore, StoredDocument } from '../../ports/documentStore';
import type { Actor } from '../factories/factoryStore';

/** A person in the user directory (container `users`, partition = user id). */
export interface UserDocument extends StoredDocument, UserScope {
  type: 'user';
  id: string;
  userId: string;
  name: string | undefined;
  email: string | undefined;
  updatedAt: string;
}

export async function loadScope(store: DocumentStore, userId: string): Promise<UserScope | undefined> {
  const found = await store.read<UserDocument>('users', userId, userId);
  return found?.doc;
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
