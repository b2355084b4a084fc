// R7: when Better Work registers a factory for a cycle, its manager gets an email with a link to set up the
// factory account; after registering they land on the Factory Module dashboard. Links are single-use and
// expire. One current invitation per factory, in the factory's partition: sending a new one replaces it, so
// the old link stops working. Only a hash of the token is stored. Pure: time and hashing are passed in.
import { addRuleDuration } from '../durations';
import { ConflictError, NotFoundError, ForbiddenError } from '../errors';
import type { StoredDocument } from '../../ports/documentStore';
import { factoryIdPattern } from './factory';

export interface InvitationDocument extends StoredDocument {
  type: 'invitation';
  /** `invitation-<factoryId>`: one current invitation per factory. */
  id: string;
  countryCode: string;
  factoryId: string;
  /** SHA-256 of the whole token, hex; the token itself is only in the email. */
  tokenHash: string;
  email: string;
  issuedAt: string;
  issuedBy: string;
  expiresAt: string;
  usedAt: string | undefined;
  usedBy: string | undefined;
}

export function invitationDocId(factoryId: string): string {
  return `invitation-${factoryId}`;
}

/** `<factoryId>.<32 random bytes, base64url>`: the factory id says which partition holds the invitation. */
export const invitationTokenPattern = /^([A-Z]{2}-[0-9A-Z]{8})\.([A-Za-z0-9_-]{43})$/;

/** The factory an invitation token is for, when it is shaped like one. */
export function factoryIdOfInvitationToken(token: string): string | undefined {
  const match = invitationTokenPattern.exec(token);
  return match && factoryIdPattern.test(match[1]!) ? match[1] : undefined;
}

export function invitationLink(portalBaseUrl: string, token: string): string {
  return `${portalBaseUrl.replace(/\/+$/, '')}/invitations/accept?token=${encodeURIComponent(token)}`;
}

export function newInvitation(fields: {
  factoryId: string;
  countryCode: string;
  tokenHash: string;
  email: string;
  issuedBy: string;
  now: Date;
}): InvitationDocument {
  return {
    id: invitationDocId(fields.factoryId),
    type: 'invitation',
    countryCode: fields.countryCode,
    factoryId: fields.factoryId,
    tokenHash: fields.tokenHash,
    email: fields.email,
    issuedAt: fields.now.toISOString(),
    issuedBy: fields.issuedBy,
    expiresAt: addRuleDuration(fields.now, 'invitationValidity').toISOString(),
    usedAt: undefined,
    usedBy: undefined,
  };
}

/** 404: the same answer for a replaced link as for one that never existed. */
export function unknownInvitation(): NotFoundError {
  return new NotFoundError(
    'This invitation link is not valid: it may have been replaced by a newer one. Use the link of the latest invitation email.'
  );
}

/**
 * R7: a presented token opens the account set-up only if it is the factory's current invitation (else 404,
 * the same for a replaced link as for one that never existed), not used yet and not expired (409, saying
 * which and what to do).
 */
export function assertInvitationUsable(
  invitation: InvitationDocument | undefined,
  tokenMatches: boolean,
  now: Date
): asserts invitation is InvitationDocument {
  if (!invitation || !tokenMatches) throw unknownInvitation();
  if (invitation.usedAt !== undefined) {
    throw new ConflictError(
      'This invitation link has already been used; links work once. Sign in, or ask your Better Work country programme for a new invitation.'
    );
  }
  if (now.getTime() >= Date.parse(invitation.expiresAt)) {
    throw new ConflictError(
      `This invitation link expired on ${invitation.expiresAt}. Ask your Better Work country programme to send a new one.`
    );
  }
}

/**
 * R7 (and R9's "the same email as on the BW platform"): only the account the invitation was sent to may
 * accept it, so a forwarded or leaked link does not bind someone else to the factory.
 */
export function assertInvitedAccount(invitation: InvitationDocument, accountEmail: string | undefined): void {
  if (!accountEmail || accountEmail.trim().toLowerCase() !== invitation.email.trim().toLowerCase()) {
    throw new ForbiddenError(
      'This invitation was sent to another email address: sign in with the account of that address, or ask your Better Work country programme to invite this one.'
    );
  }
}

export function markInvitationUsed(
  invitation: InvitationDocument,
  by: { userId: string; now: Date }
): InvitationDocument {
  return { ...invitation, usedAt: by.now.toISOString(), usedBy: by.userId };
}

/** The email with the link (R7), in plain words. */
export function invitationEmail(fields: { factoryName: string; link: string; expiresAt: string }): {
  subject: string;
  text: string;
} {
  return {
    subject: `Set up the Better Work account of ${fields.factoryName}`,
    text: [
      `Better Work has registered ${fields.factoryName} for a new service cycle.`,
      '',
      'Follow this link to set up the factory account on the Better Work platform:',
      fields.link,
      '',
      `The link works once and until ${fields.expiresAt}. After registering you land on the Factory Module dashboard.`,
      'If you did not expect this email, you can ignore it.',
    ].join('\n'),
  };
}
