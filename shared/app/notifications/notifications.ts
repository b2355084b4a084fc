// A person's portal notifications (container `users`, partition = their user id): only their own, always
// read inside their partition.
import type { Principal } from '../../domain/access/roles';
import { NotFoundError, PreconditionFailedError, ValidationError } from '../../domain/errors';
import {
  markedRead,
  type NotificationDocument,
  notificationView,
  type NotificationView,
} from '../../domain/notifications/notification';
import type { Clock } from '../../ports/clock';
import type { DocumentStore } from '../../ports/documentStore';

export const notificationPageSize = 20;

/** The continuation handed to clients wraps the store's, so a tampered one is a 400, not a store error. */
function wrapContinuation(token: string | undefined): string | null {
  return token === undefined ? null : Buffer.from(JSON.stringify({ v: 1, t: token }), 'utf8').toString('base64url');
}

function unwrapContinuation(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as { v?: unknown; t?: unknown };
    if (parsed.v === 1 && typeof parsed.t === 'string' && parsed.t !== '') return parsed.t;
  } catch {
    // falls through
  }
  throw new ValidationError('The continuation is not valid.', [
    { pointer: '/continuation', detail: 'pass back the continuation of the previous page unchanged' },
  ]);
}

function statusOf(error: unknown): unknown {
  return (error as { code?: unknown; statusCode?: unknown })?.code ?? (error as { statusCode?: unknown })?.statusCode;
}

/** The caller's notifications, newest first, a page at a time. */
export async function listNotifications(
  store: DocumentStore,
  principal: Principal,
  options: { unreadOnly: boolean; continuation?: string | undefined; pageSize?: number }
): Promise<{ items: NotificationView[]; continuation: string | null }> {
  const continuation = unwrapContinuation(options.continuation);
  const query = options.unreadOnly
    ? "SELECT * FROM c WHERE c.userId = @pk AND c.type = 'notification' AND c.read = false ORDER BY c.at DESC"
    : "SELECT * FROM c WHERE c.userId = @pk AND c.type = 'notification' ORDER BY c.at DESC";
  try {
    const page = await store.query<NotificationDocument>(
      'users',
      principal.userId,
      { query },
      { maxItems: options.pageSize ?? notificationPageSize, ...(continuation ? { continuation } : {}) }
    );
    return { items: page.items.map(notificationView), continuation: wrapContinuation(page.continuation) };
  } catch (error) {
    if (continuation !== undefined && statusOf(error) === 400) {
      throw new ValidationError('The continuation is not valid.', [
        { pointer: '/continuation', detail: 'pass back the continuation of the previous page unchanged' },
      ]);
    }
    throw error;
  }
}

/** The caller's latest notifications (the dashboard shows five). */
export async function latestNotifications(
  store: DocumentStore,
  userId: string,
  count: number,
  aboutFactoryId?: string
): Promise<NotificationDocument[]> {
  const page = await store.query<NotificationDocument>(
    'users',
    userId,
    aboutFactoryId
      ? {
          query:
            "SELECT * FROM c WHERE c.userId = @pk AND c.type = 'notification' AND c.factoryId = @factoryId ORDER BY c.at DESC",
          parameters: [{ name: '@factoryId', value: aboutFactoryId }],
        }
      : { query: "SELECT * FROM c WHERE c.userId = @pk AND c.type = 'notification' ORDER BY c.at DESC" },
    { maxItems: count }
  );
  return page.items.slice(0, count);
}

export async function countUnreadNotifications(store: DocumentStore, principal: Principal): Promise<number> {
  const page = await store.query<{ id: string; type: string; n: number }>('users', principal.userId, {
    query: "SELECT COUNT(1) AS n FROM c WHERE c.userId = @pk AND c.type = 'notification' AND c.read = false",
  });
  return page.items.reduce((sum, row) => sum + (typeof row.n === 'number' ? row.n : 0), 0);
}

/** Marks one of the caller's notifications read (again: no change). Someone else's is not found. */
export async function markNotificationRead(
  deps: { store: DocumentStore; clock: Clock },
  principal: Principal,
  notificationId: string
): Promise<NotificationView> {
  for (let attempt = 1; ; attempt++) {
    const found = await deps.store.read<NotificationDocument>('users', principal.userId, notificationId);
    if (!found || found.doc.type !== 'notification' || found.doc.userId !== principal.userId) {
      throw new NotFoundError(`Notification ${notificationId} was not found.`);
    }
    if (found.doc.read) return notificationView(found.doc);
    const read = markedRead(found.doc, deps.clock.now());
    try {
      await deps.store.write('users', principal.userId, [{ kind: 'replace', doc: read, ifMatch: found.etag }]);
      return notificationView(read);
    } catch (error) {
      if (!(error instanceof PreconditionFailedError) || attempt >= 3) throw error;
    }
  }
}
