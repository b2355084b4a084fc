import { startGatewayConnection } from '../shared/app/sharing/gatewayConnection';
import { endpoint } from '../shared/http/endpoint';
import { factoryParamsSchema, gatewayConnectResponseSchema } from '../shared/schemas/sharing';

endpoint({
  name: 'connectGateway',
  method: 'POST',
  route: 'factories/{factoryId}/gateway/connect',
  summary: '"Connect with SLCP": the link to the Gateway registration form, Better Work preset (R5, R8, R9)',
  tag: 'SLCP Gateway',
  access: { roles: ['FactoryManager'] },
  params: factoryParamsSchema,
  response: gatewayConnectResponseSchema,
  handler: async ({ params, principal, platform, ifMatch }) => {
    const result = await startGatewayConnection(platform, principal, params.factoryId, ifMatch);
    return { body: { registrationUrl: result.registrationUrl, expiresAt: result.expiresAt }, etag: result.etag };
  },
});
