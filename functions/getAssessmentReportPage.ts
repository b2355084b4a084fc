import { complianceDeps } from '../shared/app/compliance/deps';
import { readReportPage } from '../shared/app/compliance/reports';
import { roles } from '../shared/domain/access/roles';
import { endpoint } from '../shared/http/endpoint';
import { cycleParams, reportPage } from '../shared/schemas/compliance';

endpoint({
  name: 'getAssessmentReportPage',
  method: 'GET',
  route: 'factories/{factoryId}/cycles/{cycleId}/report/html',
  summary:
    'R16, R21: the released assessment report as an HTML page a person can open (text/html, strict Content-Security-Policy: no script, only its own style)',
  tag: 'Assessment report',
  access: { roles: roles.filter((role) => role !== 'Gateway') },
  params: cycleParams,
  response: reportPage,
  produces: 'text/html; charset=utf-8',
  handler: async ({ params, principal, platform }) => {
    const page = await readReportPage(complianceDeps(platform), principal, params.factoryId, params.cycleId);
    return {
      body: page.html,
      headers: {
        'content-security-policy': page.contentSecurityPolicy,
        'content-disposition': `inline; filename="${page.fileName}"`,
      },
    };
  },
});
