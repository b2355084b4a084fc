import { selfAssessmentDeps } from '../shared/app/selfAssessment/deps';
import { submitSelfAssessment } from '../shared/app/selfAssessment/selfAssessments';
import { endpoint } from '../shared/http/endpoint';
import { selfAssessmentParams, submittedView, toSubmittedView } from '../shared/schemas/selfAssessment';

endpoint({
  name: 'submitSelfAssessment',
  method: 'POST',
  route: 'self-assessments/{selfAssessmentId}/submit',
  summary:
    'R13: the factory manager submits at ≥ 95 % overall completion with the Facility Profile 100 % (else 422 with the numbers and what is missing); the answers are frozen',
  tag: 'Self-assessment',
  access: { roles: ['FactoryManager'] },
  params: selfAssessmentParams,
  response: submittedView,
  handler: async ({ params, principal, platform }) => {
    const submitted = await submitSelfAssessment(selfAssessmentDeps(platform), principal, params.selfAssessmentId);
    return { body: toSubmittedView(submitted) };
  },
});
