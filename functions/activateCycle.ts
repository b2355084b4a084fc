import { activateServiceCycle } from '../shared/app/selfAssessment/selfAssessments';
import { endpoint } from '../shared/http/endpoint';
import { activatedCycleView, cycleParams, toActivatedCycleView } from '../shared/schemas/selfAssessment';

endpoint({
  name: 'activateCycle',
  method: 'POST',
  route: 'factories/{factoryId}/cycles/{cycleId}/activate',
  summary: "R11: Better Work activates a service cycle, which opens the factory's self-assessment; idempotent",
  tag: 'Self-assessment',
  access: { roles: ['RegistrationStaff', 'Admin'] },
  params: cycleParams,
  response: activatedCycleView,
  handler: async ({ params, principal, platform }) => {
    const activated = await activateServiceCycle(platform, principal, params.factoryId, params.cycleId);
    return { body: toActivatedCycleView(activated) };
  },
});
