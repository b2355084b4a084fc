import { recordSlcpOptOut } from '../shared/app/sharing/slcpSharing';
import { endpoint } from '../shared/http/endpoint';
import { factoryParamsSchema, optOutBodySchema, slcpStatusSchema } from '../shared/schemas/sharing';

endpoint({
  name: 'recordSlcpOptOut',
  method: 'POST',
  route: 'factories/{factoryId}/slcp-opt-out',
  summary: "Record the factory's opt-out from data sharing via SLCP, with its reason (R6)",
  tag: 'SLCP sharing',
  access: { roles: ['RegistrationStaff', 'Admin'] },
  params: factoryParamsSchema,
  body: optOutBodySchema,
  response: slcpStatusSchema,
  maxBodyBytes: 4 * 1024,
  handler: async ({ params, body, principal, platform, ifMatch }) => {
    const result = await recordSlcpOptOut(platform, principal, params.factoryId, body.reason, ifMatch);
    return { body: result.view, etag: result.etag };
  },
});
