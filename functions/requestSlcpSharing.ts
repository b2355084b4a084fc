import { requestSlcpSharing } from '../shared/app/sharing/slcpSharing';
import { bestEffort } from '../shared/app/timeline/wake';
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
  durable: true,
  handler: async (request) => {
    const { params, principal, platform, ifMatch } = request;
    const result = await requestSlcpSharing(platform, principal, params.factoryId, ifMatch);
    // R3: the running cycle's timeline re-reads its facts (no preference reminder once the factory asked).
    const cycleId = result.view.currentCycle?.cycleId;
    if (result.changed && cycleId) {
      await bestEffort(
        `wake the timeline of ${cycleId}`,
        () => request.timelines.signalCycle(cycleId, 'sharingRequested'),
        request.warn
      );
    }
    return { body: result.view, etag: result.etag };
  },
});
