import { recordFindings } from '../shared/app/compliance/assessments';
import { complianceDeps } from '../shared/app/compliance/deps';
import { endpoint } from '../shared/http/endpoint';
import {
  cycleParams,
  findingsBody,
  findingsMaxBodyBytes,
  findingsOutcomeView,
  toFindingsOutcomeView,
} from '../shared/schemas/compliance';

endpoint({
  name: 'recordAssessmentFindings',
  method: 'POST',
  route: 'factories/{factoryId}/cycles/{cycleId}/assessment/findings',
  summary:
    'R15: an assessor records many findings in one request (a whole assessment fits), all or nothing: every bad entry is named (400), findings outside the scope 422',
  tag: 'Compliance assessment',
  access: { roles: ['Assessor', 'Admin'] },
  params: cycleParams,
  body: findingsBody,
  response: findingsOutcomeView,
  maxBodyBytes: findingsMaxBodyBytes,
  handler: async ({ params, body, principal, platform }) => {
    const recorded = await recordFindings(
      complianceDeps(platform),
      principal,
      params.factoryId,
      params.cycleId,
      body.findings,
      'batch'
    );
    return { body: toFindingsOutcomeView(recorded) };
  },
});
