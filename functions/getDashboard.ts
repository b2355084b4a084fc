import { getDashboard } from '../shared/app/sharing/dashboard';
import { endpoint } from '../shared/http/endpoint';
import { dashboardSchema, factoryParamsSchema } from '../shared/schemas/sharing';

endpoint({
  name: 'getDashboard',
  method: 'GET',
  route: 'factories/{factoryId}/dashboard',
  summary: 'The factory dashboard: quick facts, notifications, latest documents, profile, SLCP status (R24, R21)',
  tag: 'Dashboard',
  access: { roles: ['FactoryManager', 'RegistrationStaff', 'EnterpriseAdvisor', 'Assessor', 'Admin', 'Brand'] },
  params: factoryParamsSchema,
  response: dashboardSchema,
  handler: async ({ params, principal, platform }) => ({
    body: await getDashboard(platform, principal, params.factoryId),
  }),
});
