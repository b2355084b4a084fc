import { createAssessment } from '../shared/app/compliance/assessments';
import { complianceDeps } from '../shared/app/compliance/deps';
import { endpoint } from '../shared/http/endpoint';
import { assessmentView, createAssessmentBody, cycleParams, toAssessmentView } from '../shared/schemas/compliance';

endpoint({
  name: 'createComplianceAssessment',
  method: 'POST',
  route: 'factories/{factoryId}/cycles/{cycleId}/assessment',
  summary:
    'R15: an assessor of the country creates the compliance assessment of an activated cycle (unannounced visit or Virtual Compliance Check, first and last day, assessors); one per cycle; records the R14 timing facts',
  tag: 'Compliance assessment',
  access: { roles: ['Assessor', 'Admin'] },
  params: cycleParams,
  body: createAssessmentBody,
  response: assessmentView,
  successStatus: 201,
  handler: async ({ params, body, principal, platform }) => {
    const created = await createAssessment(complianceDeps(platform), principal, params.factoryId, params.cycleId, body);
    return {
      body: toAssessmentView({ ...created, selfAssessment: undefined }, 'en', platform.clock.now()),
      location: `/api/factories/${params.factoryId}/cycles/${params.cycleId}/assessment`,
    };
  },
});
