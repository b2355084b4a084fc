import { countUnreadNotifications } from '../shared/app/notifications/notifications';
import { roles } from '../shared/domain/access/roles';
import { endpoint } from '../shared/http/endpoint';
import { unreadCountSchema } from '../shared/schemas/sharing';

endpoint({
  name: 'countUnreadNotifications',
  method: 'GET',
  route: 'notifications/unread-count',
  summary: "How many of the caller's notifications are unread",
  tag: 'Notifications',
  access: { roles },
  response: unreadCountSchema,
  handler: async ({ principal, platform }) => ({
    body: { unread: await countUnreadNotifications(platform.store, principal) },
  }),
});
