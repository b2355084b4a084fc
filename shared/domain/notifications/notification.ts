// A portal notification (container `users`, partition = the user id), made from an outbox entry. Its id
// is the outbox entry's id, so delivering the same entry twice never shows the notification twice.
import type { OutboxDocument } from '../factory/factory';

export interface NotificationDocument {
  id: string;
  type: 'notification';
  userId: string;
  at: string;
  title: string;
  text: string;
  link: string | undefined;
  read: boolean;
  readAt: string | undefined;
  /** The factory it is about. */
  factoryId: string | undefined;
  [field: string]: unknown;
}

export function notificationFromOutbox(entry: OutboxDocument): NotificationDocument {
  return {
    id: entry.id,
    type: 'notification',
    userId: entry.to,
    at: entry.createdAt,
    title: entry.subject,
    text: entry.text,
    link: entry.link,
    read: false,
    readAt: undefined,
    factoryId: entry.factoryId,
  };
}

export function markedRead(notification: NotificationDocument, now: Date): NotificationDocument {
  return notification.read ? notification : { ...notification, read: true, readAt: now.toISOString() };
}

/** How a notification is shown: in the list, and on a factory's dashboard. */
export interface NotificationView {
  id: string;
  at: string;
  title: string;
  text: string;
  link: string | null;
  read: boolean;
  factoryId: string | null;
}

export function notificationView(doc: NotificationDocument): NotificationView {
  return {
    id: doc.id,
    at: doc.at,
    title: doc.title,
    text: doc.text,
    link: doc.link ?? null,
    read: doc.read,
    factoryId: doc.factoryId ?? null,
  };
}
