import { readAssessment } from '../shared/app/compliance/assessments';
import { complianceDeps } from '../shared/app/compliance/deps';
import { endpoint } from '../shared/http/endpoint';
import { assessmentView, cycleParams, toAssessmentView } from '../shared/schemas/compliance';
import { languageQuery } from '../shared/schemas/selfAssessment';

endpoint({
  name: 'getComplianceAssessment',
  method: 'GET',
  route: 'factories/{factoryId}/cycles/{cycleId}/assessment',
  summary:
    'R15, R14, R16: the compliance assessment by cluster and compliance point with its findings, coverage, the timing facts (sharing wish and self-assessment before the assessment) and the release deadline; Better Work staff only',
  tag: 'Compliance assessment',
  access: { roles: ['RegistrationStaff', 'EnterpriseAdvisor', 'Assessor', 'Admin'] },
  params: cycleParams,
  query: languageQuery,
  response: assessmentView,
  handler: async ({ params, query, principal, platform }) => {
    const read = await readAssessment(complianceDeps(platform), principal, params.factoryId, params.cycleId);
    return { body: toAssessmentView(read, query.lang, platform.clock.now()) };
  },
});
