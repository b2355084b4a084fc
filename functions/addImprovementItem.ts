import { addImprovementItem } from '../shared/app/compliance/improvementPlans';
import { endpoint } from '../shared/http/endpoint';
import { addItemBody, changedItemView, cycleParams, toChangedItemView } from '../shared/schemas/compliance';
import { itemEtag } from '../shared/domain/compliance/improvementPlan';

endpoint({
  name: 'addImprovementItem',
  method: 'POST',
  route: 'factories/{factoryId}/cycles/{cycleId}/improvement-plan/items',
  summary:
    'R25: an enterprise advisor of the factory adds an issue found in advisory work to the plan (after the report\u2019s release, else 422); audited',
  tag: 'Improvement plan',
  access: { roles: ['EnterpriseAdvisor', 'Admin'] },
  params: cycleParams,
  body: addItemBody,
  response: changedItemView,
  successStatus: 201,
  handler: async ({ params, body, principal, platform }) => {
    const added = await addImprovementItem(platform, principal, params.factoryId, params.cycleId, body);
    return {
      body: toChangedItemView(added),
      etag: itemEtag(added.item),
      location: `/api/factories/${params.factoryId}/cycles/${params.cycleId}/improvement-plan/items/${added.item.itemId}`,
    };
  },
});
