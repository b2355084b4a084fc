import { markNotificationRead } from '../shared/app/notifications/notifications';
import { roles } from '../shared/domain/access/roles';
import { endpoint } from '../shared/http/endpoint';
import { notificationParamsSchema, notificationSchema } from '../shared/schemas/sharing';

endpoint({
  name: 'markNotificationRead',
  method: 'POST',
  route: 'notifications/{notificationId}/read',
  summary: 'Mark one of your notifications read (again: no change)',
  tag: 'Notifications',
  access: { roles },
  params: notificationParamsSchema,
  response: notificationSchema,
  maxBodyBytes: 1024,
  handler: async ({ params, principal, platform }) => ({
    body: await markNotificationRead(platform, principal, params.notificationId),
  }),
});
