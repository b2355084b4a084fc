import { getAssessorBody } from '../shared/app/sharing/assessorBody';
import { endpoint } from '../shared/http/endpoint';
import { assessorBodySchema, factoryParamsSchema } from '../shared/schemas/sharing';

endpoint({
  name: 'getAssessorBody',
  method: 'GET',
  route: 'factories/{factoryId}/assessor-body',
  summary: 'Who assesses the factory: Better Work or an SLCP Verifier Body (R20, FAQ 7)',
  tag: 'SLCP sharing',
  access: { roles: ['FactoryManager', 'RegistrationStaff', 'EnterpriseAdvisor', 'Assessor', 'Admin', 'Brand'] },
  params: factoryParamsSchema,
  response: assessorBodySchema,
  handler: async ({ params, principal, platform }) => ({
    body: await getAssessorBody(platform, principal, params.factoryId),
  }),
});
