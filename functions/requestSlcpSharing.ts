import { requestSlcpSharing } from '../shared/app/sharing/slcpSharing';
import { endpoint } from '../shared/http/endpoint';
import { factoryParamsSchema, slcpStatusSchema } from '../shared/schemas/sharing';

endpoint({
  name: 'requestSlcpSharing',
  method: 'POST',
  route: 'factories/{factoryId}/slcp-request',
  summary: 'Request data sharing via SLCP from the next cycle (R1, R2); a repeat changes nothing',
  tag: 'SLCP sharing',
  access: { roles: ['FactoryManager'] },
  params: factoryParamsSchema,
  response: slcpStatusSchema,
  handler: async ({ params, principal, platform, ifMatch }) => {
    const result = await requestSlcpSharing(platform, principal, params.factoryId, ifMatch);
    return { body: result.view, etag: result.etag };
  },
});
