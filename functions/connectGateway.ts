import { startGatewayConnection } from '../shared/app/sharing/gatewayConnection';
import { bestEffort } from '../shared/app/timeline/wake';
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
  durable: true,
  handler: async (request) => {
    const { params, principal, platform, ifMatch } = request;
    const result = await startGatewayConnection(platform, principal, params.factoryId, ifMatch);
    // R9: the wait for the Gateway's approval (up to 3 days, then chase).
    await bestEffort(
      `start the Gateway approval wait of ${params.factoryId}`,
      () => request.timelines.ensureGatewayApproval(params.factoryId),
      request.warn
    );
    return { body: { registrationUrl: result.registrationUrl, expiresAt: result.expiresAt }, etag: result.etag };
  },
});
