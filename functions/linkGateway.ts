import { linkGatewayFacility } from '../shared/app/sharing/gatewayConnection';
import { endpoint } from '../shared/http/endpoint';
import { factoryParamsSchema, linkGatewayBodySchema, slcpStatusSchema } from '../shared/schemas/sharing';

endpoint({
  name: 'linkGateway',
  method: 'PUT',
  route: 'factories/{factoryId}/gateway/link',
  summary: 'Link the Gateway ID the factory already has; one Gateway ID belongs to one factory at most (R4)',
  tag: 'SLCP Gateway',
  access: { roles: ['RegistrationStaff', 'Admin'] },
  params: factoryParamsSchema,
  body: linkGatewayBodySchema,
  response: slcpStatusSchema,
  maxBodyBytes: 1024,
  handler: async ({ params, body, principal, platform, ifMatch }) => {
    const result = await linkGatewayFacility(platform, principal, params.factoryId, body.gatewayFacilityId, ifMatch);
    return { body: result.view, etag: result.etag };
  },
});
