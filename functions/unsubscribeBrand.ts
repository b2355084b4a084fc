import { changeSubscription } from '../shared/app/sharing/subscriptions';
import { endpoint } from '../shared/http/endpoint';
import { subscriptionParamsSchema, subscriptionsSchema } from '../shared/schemas/sharing';

endpoint({
  name: 'unsubscribeBrand',
  method: 'DELETE',
  route: 'factories/{factoryId}/subscriptions/{brandId}',
  summary: "End a brand's subscription to the factory (idempotent)",
  tag: 'Subscriptions',
  access: { roles: ['RegistrationStaff', 'Admin'] },
  params: subscriptionParamsSchema,
  response: subscriptionsSchema,
  handler: async ({ params, principal, platform, ifMatch }) => {
    const result = await changeSubscription(platform, principal, { ...params, subscribe: false, ifMatch });
    return {
      body: { factoryId: result.factoryId, subscribedBrandIds: result.subscribedBrandIds },
      etag: result.etag,
    };
  },
});
