import { complianceDeps } from '../shared/app/compliance/deps';
import { readReport } from '../shared/app/compliance/reports';
import { roles } from '../shared/domain/access/roles';
import { endpoint } from '../shared/http/endpoint';
import { cycleParams, reportView } from '../shared/schemas/compliance';

endpoint({
  name: 'getAssessmentReport',
  method: 'GET',
  route: 'factories/{factoryId}/cycles/{cycleId}/report',
  summary:
    'R16, R21: the released assessment report (JSON): every finding by cluster and compliance point, no SLCP distinction or participation; the factory, Better Work, subscribed brands',
  tag: 'Assessment report',
  access: { roles: roles.filter((role) => role !== 'Gateway') },
  params: cycleParams,
  response: reportView,
  handler: async ({ params, principal, platform }) => ({
    body: await readReport(complianceDeps(platform), principal, params.factoryId, params.cycleId),
  }),
});
