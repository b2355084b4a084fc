import { completeAssessment } from '../shared/app/compliance/assessments';
import { complianceDeps } from '../shared/app/compliance/deps';
import { endpoint } from '../shared/http/endpoint';
import { completedAssessmentView, cycleParams, toCompletedAssessmentView } from '../shared/schemas/compliance';

endpoint({
  name: 'completeComplianceAssessment',
  method: 'POST',
  route: 'factories/{factoryId}/cycles/{cycleId}/assessment/complete',
  summary:
    'R15, R16: an assessor completes the assessment (every question in scope has a finding, else 422 with the count missing); records it on the cycle, audited, and wakes the cycle\u2019s timeline (the release deadline runs); idempotent',
  tag: 'Compliance assessment',
  access: { roles: ['Assessor', 'Admin'] },
  params: cycleParams,
  response: completedAssessmentView,
  durable: true,
  handler: async ({ params, principal, platform, timelines, warn }) => {
    const completed = await completeAssessment(complianceDeps(platform), principal, params.factoryId, params.cycleId, {
      // Read lazily: a missing Durable client fails here, after the commit, and is only logged.
      wake: (cycleId, signal) => timelines.signalCycle(cycleId, signal),
      warn,
    });
    return { body: toCompletedAssessmentView(completed, platform.clock.now()) };
  },
});
