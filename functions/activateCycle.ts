import { activateServiceCycle } from '../shared/app/selfAssessment/selfAssessments';
import { bestEffort } from '../shared/app/timeline/wake';
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
  durable: true,
  handler: async (request) => {
    const { params, principal, platform } = request;
    const activated = await activateServiceCycle(platform, principal, params.factoryId, params.cycleId);
    // The cycle's timeline starts (again, when it is missing: starting twice is harmless).
    await bestEffort(
      `start the timeline of ${params.cycleId}`,
      () => request.timelines.ensureCycleTimeline({ factoryId: activated.factoryId, cycleId: activated.cycle.cycleId }),
      request.warn
    );
    return { body: toActivatedCycleView(activated) };
  },
});
