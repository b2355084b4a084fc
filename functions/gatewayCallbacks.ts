import { maxCallbackBodyBytes } from '../shared/adapters/gateway/gatewayClient';
import { gatewayCallbackPath, handleGatewayCallback } from '../shared/app/sharing/gatewayConnection';
import { endpoint } from '../shared/http/endpoint';
import { gatewayCallbackAckSchema } from '../shared/schemas/sharing';

endpoint({
  name: 'gatewayCallbacks',
  method: 'POST',
  route: gatewayCallbackPath,
  summary: "The SLCP Gateway's signed callbacks: facility registered, approved (Gateway ID) or rejected (R9)",
  tag: 'SLCP Gateway',
  access: 'signed',
  response: gatewayCallbackAckSchema,
  maxBodyBytes: maxCallbackBodyBytes,
  handler: async ({ headers, rawBody, platform }) => ({
    body: await handleGatewayCallback(platform, { headers, rawBody }),
  }),
});
