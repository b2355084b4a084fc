import { changeSubscription } from '../shared/app/sharing/subscriptions';
import { endpoint } from '../shared/http/endpoint';
import { subscriptionParamsSchema, subscriptionsSchema } from '../shared/schemas/sharing';

endpoint({
  name: 'subscribeBrand',
  method: 'PUT',
  route: 'factories/{factoryId}/subscriptions/{brandId}',
  summary: "Subscribe a brand to the factory's assessment cycle (idempotent)",
  tag: 'Subscriptions',
  access: { roles: ['RegistrationStaff', 'Admin'] },
  params: subscriptionParamsSchema,
  response: subscriptionsSchema,
  maxBodyBytes: 1024,
  handler: async ({ params, principal, platform, ifMatch }) => {
    const result = await changeSubscription(platform, principal, { ...params, subscribe: true, ifMatch });
    return {
      body: { factoryId: result.factoryId, subscribedBrandIds: result.subscribedBrandIds },
      etag: result.etag,
    };
  },
});
