import { listNotifications } from '../shared/app/notifications/notifications';
import { roles } from '../shared/domain/access/roles';
import { endpoint } from '../shared/http/endpoint';
import { notificationPageSchema, notificationQuerySchema } from '../shared/schemas/sharing';

endpoint({
  name: 'listNotifications',
  method: 'GET',
  route: 'notifications',
  summary: "The caller's own portal notifications, newest first",
  tag: 'Notifications',
  access: { roles },
  query: notificationQuerySchema,
  response: notificationPageSchema,
  handler: async ({ query, principal, platform }) => ({
    body: await listNotifications(platform.store, principal, {
      unreadOnly: query.unread === 'true',
      continuation: query.continuation,
    }),
  }),
});
