import { readImprovementPlan } from '../shared/app/compliance/improvementPlans';
import { endpoint } from '../shared/http/endpoint';
import { cycleParams, improvementPlanView, toImprovementPlanView } from '../shared/schemas/compliance';

endpoint({
  name: 'getImprovementPlan',
  method: 'GET',
  route: 'factories/{factoryId}/cycles/{cycleId}/improvement-plan',
  summary:
    'R25: the improvement plan of a cycle (items from the non-compliant findings and from advisory work, each with its ETag; Progress Report 1 due date); the factory and Better Work',
  tag: 'Improvement plan',
  access: { roles: ['FactoryManager', 'RegistrationStaff', 'EnterpriseAdvisor', 'Assessor', 'Admin'] },
  params: cycleParams,
  response: improvementPlanView,
  handler: async ({ params, principal, platform }) => ({
    body: toImprovementPlanView(await readImprovementPlan(platform, principal, params.factoryId, params.cycleId)),
  }),
});
