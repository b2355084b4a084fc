import { listReports } from '../shared/app/compliance/reports';
import { roles } from '../shared/domain/access/roles';
import { endpoint } from '../shared/http/endpoint';
import { reportListView, toReportListView } from '../shared/schemas/compliance';
import { factoryIdParams } from '../shared/schemas/enrolment';

endpoint({
  name: 'listAssessmentReports',
  method: 'GET',
  route: 'factories/{factoryId}/reports',
  summary:
    'R24, R21: the factory\u2019s released assessment reports, newest first (for subscribed brands too: no SLCP field)',
  tag: 'Assessment report',
  access: { roles: roles.filter((role) => role !== 'Gateway') },
  params: factoryIdParams,
  response: reportListView,
  handler: async ({ params, principal, platform }) => ({
    body: toReportListView(await listReports(platform, principal, params.factoryId)),
  }),
});
