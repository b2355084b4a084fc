import { setImprovementItemStatus } from '../shared/app/compliance/improvementPlans';
import { itemEtag } from '../shared/domain/compliance/improvementPlan';
import { endpoint } from '../shared/http/endpoint';
import { changedItemView, itemParams, itemStatusBody, toChangedItemView } from '../shared/schemas/compliance';

endpoint({
  name: 'updateImprovementItem',
  method: 'PATCH',
  route: 'factories/{factoryId}/cycles/{cycleId}/improvement-plan/items/{itemId}',
  summary:
    'R25: an enterprise advisor of the factory marks an item done (or pending again); If-Match with the item\u2019s ETag is required (412 when missing or stale); audited',
  tag: 'Improvement plan',
  access: { roles: ['EnterpriseAdvisor', 'Admin'] },
  params: itemParams,
  body: itemStatusBody,
  response: changedItemView,
  handler: async ({ params, body, principal, platform, ifMatch }) => {
    const changed = await setImprovementItemStatus(
      platform,
      principal,
      params.factoryId,
      params.cycleId,
      params.itemId,
      body.status,
      ifMatch
    );
    return { body: toChangedItemView(changed), etag: itemEtag(changed.item) };
  },
});
