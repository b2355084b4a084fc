// Who the timeline's messages go to, and as whom it acts: the factory's managers (managerContacts), Better
// Work staff of the factory's country programme, and the scheduler in the audit trail.
import type { Principal } from '../../domain/access/roles';
import type { DocumentStore } from '../../ports/documentStore';
import type { OutboxDraft } from '../factories/factoryStore';
import { managerDeliveries } from '../sharing/managerContacts';
import type { UserDocument } from '../users/userDirectory';

/** Who the audit trail names for what the timeline does: the platform's scheduler, not a person. */
export const schedulerActor: Principal = {
  userId: 'bw-slcp-scheduler',
  roles: [],
  email: undefined,
  name: 'Scheduler',
};

/**
 * Better Work staff of a country programme (registration staff, advisors and assessors bound to the country
 * in the user directory): their user ids and email addresses. One query across the users' partitions, from
 * background work only.
 */
export async function staffContacts(
  store: DocumentStore,
  countryCode: string
): Promise<{ userIds: string[]; emails: string[] }> {
  const users = await store.queryAcrossPartitions<UserDocument>('users', {
    query: "SELECT * FROM c WHERE c.type = 'user' AND ARRAY_CONTAINS(c.countryCodes, @countryCode)",
    parameters: [{ name: '@countryCode', value: countryCode }],
  });
  const sorted = [...users].sort((a, b) => a.userId.localeCompare(b.userId));
  const emails = new Map<string, string>();
  for (const user of sorted) {
    const email = user.email?.trim();
    if (email) emails.set(email.toLowerCase(), email);
  }
  return { userIds: [...new Set(sorted.map((user) => user.userId))], emails: [...emails.values()] };
}

/** A portal notification and an email for each staff member. */
export function staffDeliveries(
  contacts: { userIds: string[]; emails: string[] },
  message: { subject: string; text: string; link: string }
): OutboxDraft[] {
  return managerDeliveries(contacts, { ...message, email: true });
}

/** Links into the portal the timeline's messages carry. */
export const portalLinks = {
  cycle: (portalBaseUrl: string, factoryId: string, cycleId: string) =>
    `${portalBaseUrl}/factories/${encodeURIComponent(factoryId)}/cycles/${encodeURIComponent(cycleId)}`,
  improvementPlan: (portalBaseUrl: string, factoryId: string) =>
    `${portalBaseUrl}/factories/${encodeURIComponent(factoryId)}/improvement-plan`,
  profile: (portalBaseUrl: string, factoryId: string) =>
    `${portalBaseUrl}/factories/${encodeURIComponent(factoryId)}/profile`,
};

/** Ends a sentence with a name that may end in a full stop itself ("Jamuna Woven Ltd."). */
export function sentenceEnd(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}
