import { getSlcpStatus } from '../shared/app/sharing/slcpSharing';
import { endpoint } from '../shared/http/endpoint';
import { factoryParamsSchema, slcpStatusSchema } from '../shared/schemas/sharing';

endpoint({
  name: 'getSlcpStatus',
  method: 'GET',
  route: 'factories/{factoryId}/slcp',
  summary: "The factory's SLCP participation: request, opt-out, effective cycles, Gateway connection (never brands)",
  tag: 'SLCP sharing',
  access: { roles: ['FactoryManager', 'RegistrationStaff', 'EnterpriseAdvisor', 'Assessor', 'Admin'] },
  params: factoryParamsSchema,
  response: slcpStatusSchema,
  handler: async ({ params, principal, platform }) => {
    const result = await getSlcpStatus(platform, principal, params.factoryId);
    return { body: result.view, etag: result.etag };
  },
});
