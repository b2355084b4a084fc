import { recordFindings } from '../shared/app/compliance/assessments';
import { complianceDeps } from '../shared/app/compliance/deps';
import { endpoint } from '../shared/http/endpoint';
import { findingBody, findingParams, findingsOutcomeView, toFindingsOutcomeView } from '../shared/schemas/compliance';

endpoint({
  name: 'recordAssessmentFinding',
  method: 'PUT',
  route: 'factories/{factoryId}/cycles/{cycleId}/assessment/findings/{questionId}',
  summary:
    'R15: an assessor records the finding for one Step 1 question (compliant / nonCompliant with notes); outside the assessment\u2019s scope (a VCC covers only VCC-scope questions) 422',
  tag: 'Compliance assessment',
  access: { roles: ['Assessor', 'Admin'] },
  params: findingParams,
  body: findingBody,
  response: findingsOutcomeView,
  maxBodyBytes: 16 * 1024,
  handler: async ({ params, body, principal, platform }) => {
    const recorded = await recordFindings(
      complianceDeps(platform),
      principal,
      params.factoryId,
      params.cycleId,
      [{ questionId: params.questionId, result: body.result, notes: body.notes }],
      'single'
    );
    return { body: toFindingsOutcomeView(recorded) };
  },
});
