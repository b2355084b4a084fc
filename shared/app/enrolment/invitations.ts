// R7 invitations: made when staff register a factory for a cycle (or re-send one), accepted by the factory
// manager, who is then bound to the factory and lands on its dashboard.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../../domain/access/roles';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../../domain/errors';
import { countryOfFactoryId, type FactoryDocument } from '../../domain/factory/factory';
import {
  assertInvitationUsable,
  assertInvitedAccount,
  factoryIdOfInvitationToken,
  invitationDocId,
  invitationEmail,
  invitationLink,
  markInvitationUsed,
  newInvitation,
  unknownInvitation,
  type InvitationDocument,
} from '../../domain/factory/invitation';
import { loadFactoryFor, saveFactoryChange, type OutboxDraft } from '../factories/factoryStore';
import {
  actorOf,
  assertAccountOpen,
  emptyUser,
  forgetScope,
  loadScope,
  type UserDocument,
} from '../users/userDirectory';
import { assertCurrentVersion, requestedVersion, type EnrolmentDeps } from './deps';

/** What a factory document records of its latest invitation (never the token or its hash). */
export interface InvitationSummary {
  sentTo: string;
  sentAt: string;
  expiresAt: string;
  acceptedAt: string | undefined;
}

export interface IssuedInvitation {
  doc: InvitationDocument;
  email: OutboxDraft;
  summary: InvitationSummary;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/** A new single-use link for the factory manager: the invitation document and the email that carries it. */
export function issueInvitation(
  deps: EnrolmentDeps,
  factory: FactoryDocument,
  email: string,
  issuedBy: string
): IssuedInvitation {
  const now = deps.clock.now();
  const token = `${factory.factoryId}.${randomBytes(32).toString('base64url')}`;
  const doc = newInvitation({
    factoryId: factory.factoryId,
    countryCode: factory.countryCode,
    tokenHash: hashToken(token),
    email,
    issuedBy,
    now,
  });
  const link = invitationLink(deps.portalBaseUrl, token);
  const message = invitationEmail({ factoryName: factory.name, link, expiresAt: doc.expiresAt });
  return {
    doc,
    email: { kind: 'email', to: email, subject: message.subject, text: message.text, link },
    summary: { sentTo: email, sentAt: doc.issuedAt, expiresAt: doc.expiresAt, acceptedAt: undefined },
  };
}

/**
 * R7: staff send the factory manager a new link; it replaces the current invitation, so an earlier link
 * stops working. Without an address, the one of the current invitation is used.
 */
export async function resendInvitation(
  deps: EnrolmentDeps,
  principal: Principal,
  factoryId: string,
  input: { managerEmail?: string | undefined },
  ifMatch: string | undefined
): Promise<{ factory: FactoryDocument; etag: string; summary: InvitationSummary }> {
  const actor = await actorOf(deps.store, principal);
  const loaded = await loadFactoryFor(deps.store, actor, factoryId, 'invite');
  assertCurrentVersion(ifMatch, loaded.etag, `Factory ${factoryId}`);
  const previous = await deps.store.read<InvitationDocument>(
    'factories',
    loaded.doc.countryCode,
    invitationDocId(factoryId)
  );
  const email = input.managerEmail ?? previous?.doc.email;
  if (!email) {
    throw new ValidationError('There is no earlier invitation to send again.', [
      { pointer: '/managerEmail', detail: "give the factory manager's email address" },
    ]);
  }
  const issued = issueInvitation(deps, loaded.doc, email, principal.userId);
  const after: FactoryDocument = { ...loaded.doc, invitation: issued.summary };
  const etag = await saveFactoryChange(deps.store, deps.clock, {
    actor: principal,
    action: 'invitationSent',
    before: loaded,
    after,
    ifMatch: requestedVersion(ifMatch) ?? loaded.etag,
    deliver: [issued.email],
    alsoWrite: [{ kind: 'upsert', doc: issued.doc }],
  });
  return { factory: after, etag, summary: issued.summary };
}

export interface AcceptedInvitation {
  factoryId: string;
  /** R7: where the factory manager lands after registering. */
  dashboard: string;
}

/**
 * R7: the factory manager follows the link. The token must be the factory's current invitation (compared
 * as hashes, in constant time), unused and unexpired. The caller becomes a manager of the factory, the
 * factory is registered and the invitation is used up, in one batch; then the user directory records it.
 */
export async function acceptInvitation(
  deps: EnrolmentDeps,
  principal: Principal,
  token: string
): Promise<AcceptedInvitation> {
  const factoryId = factoryIdOfInvitationToken(token);
  if (!factoryId) throw unknownInvitation();
  assertAccountOpen(await loadScope(deps.store, principal.userId)); // an erased account is not bound again
  const countryCode = countryOfFactoryId(factoryId);
  for (let attempt = 1; ; attempt += 1) {
    const invitation = await deps.store.read<InvitationDocument>('factories', countryCode, invitationDocId(factoryId));
    const now = deps.clock.now();
    assertInvitationUsable(
      invitation?.doc,
      invitation ? sameHash(hashToken(token), invitation.doc.tokenHash) : false,
      now
    );
    assertInvitedAccount(invitation!.doc, principal.email);
    const factory = await deps.store.read<FactoryDocument>('factories', countryCode, factoryId);
    if (!factory || factory.doc.type !== 'factory') throw new NotFoundError(`Factory ${factoryId} was not found.`);
    const summary = factory.doc.invitation as InvitationSummary | undefined;
    const after: FactoryDocument = {
      ...factory.doc,
      status: 'registered',
      managerUserIds: [...new Set([...factory.doc.managerUserIds, principal.userId])],
      ...(summary ? { invitation: { ...summary, acceptedAt: now.toISOString() } } : {}),
    };
    try {
      await saveFactoryChange(deps.store, deps.clock, {
        actor: principal,
        action: 'invitationAccepted',
        before: factory,
        after,
        alsoWrite: [
          {
            kind: 'replace',
            doc: markInvitationUsed(invitation!.doc, { userId: principal.userId, now }),
            ifMatch: invitation!.etag,
          },
        ],
      });
      break;
    } catch (error) {
      // Someone changed the factory or used the link meanwhile: read again; a used link then answers 409.
      if (error instanceof PreconditionFailedError && attempt < 3) continue;
      if (error instanceof PreconditionFailedError) throw new ConflictError('The factory is being changed; try again.');
      throw error;
    }
  }
  await bindUserToFactory(deps, principal, factoryId);
  return { factoryId: factoryId, dashboard: `/api/factories/${factoryId}/dashboard` };
}

/** The user directory records the factory among the caller's, with their name and email from the token. */
async function bindUserToFactory(deps: EnrolmentDeps, principal: Principal, factoryId: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const now = deps.clock.now().toISOString();
    const existing = await deps.store.read<UserDocument>('users', principal.userId, principal.userId);
    const base = existing?.doc ?? emptyUser(principal.userId, now);
    const doc: UserDocument = {
      ...base,
      name: principal.name ?? base.name,
      email: principal.email ?? base.email,
      factoryIds: [...new Set([...base.factoryIds, factoryId])],
      updatedAt: now,
    };
    try {
      await deps.store.write('users', principal.userId, [
        existing ? { kind: 'replace', doc, ifMatch: existing.etag } : { kind: 'create', doc },
      ]);
      forgetScope(deps.store, principal.userId);
      return;
    } catch (error) {
      if ((error instanceof PreconditionFailedError || error instanceof ConflictError) && attempt < 3) continue;
      throw error;
    }
  }
}
