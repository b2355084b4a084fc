import { maxCallbackBodyBytes } from '../shared/adapters/gateway/gatewayClient';
import { gatewayCallbackPath, handleGatewayCallback } from '../shared/app/sharing/gatewayConnection';
import { approvedFactoryOf, bestEffort } from '../shared/app/timeline/wake';
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
  durable: true,
  handler: async (request) => {
    const ack = await handleGatewayCallback(request.platform, { headers: request.headers, rawBody: request.rawBody });
    // R9: the approval wait ends (a repeated delivery signals again: harmless, and it makes up for a lost signal).
    const approved = ack.outcome === 'ignored' ? undefined : approvedFactoryOf(request.rawBody);
    if (approved) {
      await bestEffort(
        `signal the Gateway approval of ${approved}`,
        () => request.timelines.signalGatewayApproved(approved),
        request.warn
      );
    }
    return { body: ack };
  },
});
