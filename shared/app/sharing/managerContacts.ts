import type { FactoryDocument } from '../../domain/factory/factory';
import type { DocumentStore } from '../../ports/documentStore';
import type { OutboxDraft } from '../factories/factoryStore';
import type { UserDocument } from '../users/userDirectory';

/** Where people open the factory's SLCP page in the portal. */
export function slcpPageLink(portalBaseUrl: string, factoryId: string): string {
  return `${portalBaseUrl}/factories/${encodeURIComponent(factoryId)}/slcp`;
}

/** The portal's "Request for data sharing via SLCP" page of the factory (R2, R3). */
export function slcpRequestPageLink(portalBaseUrl: string, factoryId: string): string {
  return `${portalBaseUrl}/factories/${encodeURIComponent(factoryId)}/slcp-request`;
}

/** The factory managers' user ids and email addresses (from the user directory, one point read each). */
export async function managerContacts(
  store: DocumentStore,
  factory: FactoryDocument
): Promise<{ userIds: string[]; emails: string[] }> {
  const users = await Promise.all(
    factory.managerUserIds.map((userId) => store.read<UserDocument>('users', userId, userId))
  );
  const emails = new Map<string, string>();
  for (const user of users) {
    const email = user?.doc.email?.trim();
    if (email) emails.set(email.toLowerCase(), email);
  }
  return { userIds: [...new Set(factory.managerUserIds)], emails: [...emails.values()] };
}

/** A portal notification for each manager and, when `email` is set, an email to each address. */
export function managerDeliveries(
  contacts: { userIds: string[]; emails: string[] },
  message: { subject: string; text: string; link: string; email: boolean }
): OutboxDraft[] {
  return [
    ...contacts.userIds.map((userId): OutboxDraft => ({
      kind: 'notification',
      to: userId,
      subject: message.subject,
      text: message.text,
      link: message.link,
    })),
    ...(message.email
      ? contacts.emails.map((to): OutboxDraft => ({
          kind: 'email',
          to,
          subject: message.subject,
          text: `${message.text}\n\nOpen the Better Work platform: ${message.link}`,
          link: message.link,
        }))
      : []),
  ];
}
