import { readCycleTimeline } from '../shared/app/timeline/readTimeline';
import { endpoint } from '../shared/http/endpoint';
import { cycleParams } from '../shared/schemas/selfAssessment';
import { cycleTimelineSchema } from '../shared/schemas/timeline';

endpoint({
  name: 'getCycleTimeline',
  method: 'GET',
  route: 'factories/{factoryId}/cycles/{cycleId}/timeline',
  summary: "Staff read a cycle's timeline: milestones done and ahead, what it waits for, the orchestration's status",
  tag: 'Timeline',
  access: { roles: ['RegistrationStaff', 'EnterpriseAdvisor', 'Assessor', 'Admin'] },
  params: cycleParams,
  response: cycleTimelineSchema,
  durable: true,
  handler: async (request) => ({
    body: await readCycleTimeline(
      request.platform,
      request.principal,
      request.params.factoryId,
      request.params.cycleId,
      (instanceId) => request.timelines.status(instanceId),
      request.warn
    ),
  }),
});
