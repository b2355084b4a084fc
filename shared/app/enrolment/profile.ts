// R10: the factory profile and the Terms & Conditions signature.
import type { Principal } from '../../domain/access/roles';
import { PreconditionFailedError } from '../../domain/errors';
import type { FactoryDocument } from '../../domain/factory/factory';
import { applyProfileChanges, profileFieldsOf, signTerms, type ProfileChanges } from '../../domain/factory/profile';
import { loadFactoryFor, saveFactoryChange } from '../factories/factoryStore';
import { actorOf } from '../users/userDirectory';
import { assertCurrentVersion, requestedVersion, type EnrolmentDeps } from './deps';
import type { SavedFactory } from './factories';

/** The profile of a factory the caller may read (404 otherwise). */
export async function readProfile(deps: EnrolmentDeps, principal: Principal, factoryId: string): Promise<SavedFactory> {
  const actor = await actorOf(deps.store, principal);
  const loaded = await loadFactoryFor(deps.store, actor, factoryId, 'read');
  return { factory: loaded.doc, etag: loaded.etag };
}

/**
 * The factory manager (or an administrator) changes profile fields. The caller must send the ETag they
 * read (`If-Match`), so two people editing the same profile never overwrite each other unknowingly.
 */
export async function editProfile(
  deps: EnrolmentDeps,
  principal: Principal,
  factoryId: string,
  changes: ProfileChanges,
  ifMatch: string | undefined
): Promise<SavedFactory> {
  const actor = await actorOf(deps.store, principal);
  const loaded = await loadFactoryFor(deps.store, actor, factoryId, 'editProfile');
  const version = requestedVersion(ifMatch);
  if (version === undefined) {
    throw new PreconditionFailedError(
      'Editing the profile needs the version you read: send If-Match with the ETag from GET /factories/{factoryId}/profile.'
    );
  }
  assertCurrentVersion(version, loaded.etag, 'The profile');
  const after = applyProfileChanges(loaded.doc, changes);
  if (JSON.stringify(profileFieldsOf(after)) === JSON.stringify(profileFieldsOf(loaded.doc))) {
    return { factory: loaded.doc, etag: loaded.etag };
  }
  const etag = await saveFactoryChange(deps.store, deps.clock, {
    actor: principal,
    action: 'profileEdited',
    before: loaded,
    after,
    ifMatch: version,
  });
  return { factory: after, etag };
}

/** R10: the factory manager signs the Terms & Conditions; the signature counts for one year. */
export async function signTermsAndConditions(
  deps: EnrolmentDeps,
  principal: Principal,
  factoryId: string,
  ifMatch: string | undefined
): Promise<SavedFactory> {
  const actor = await actorOf(deps.store, principal);
  const loaded = await loadFactoryFor(deps.store, actor, factoryId, 'signTerms');
  assertCurrentVersion(ifMatch, loaded.etag, 'The profile');
  const after: FactoryDocument = signTerms(loaded.doc, { userId: principal.userId, now: deps.clock.now() });
  const etag = await saveFactoryChange(deps.store, deps.clock, {
    actor: principal,
    action: 'termsSigned',
    before: loaded,
    after,
    ifMatch: requestedVersion(ifMatch) ?? loaded.etag,
  });
  return { factory: after, etag };
}
