import { transmissionDeps } from '../shared/app/transmission/deps';
import { requestMidCycleSharing } from '../shared/app/transmission/midCycle';
import { bestEffort } from '../shared/app/timeline/wake';
import { endpoint } from '../shared/http/endpoint';
import { cycleParams, midCycleRequestResultSchema } from '../shared/schemas/transmission';

endpoint({
  name: 'requestMidCycleSharing',
  method: 'POST',
  route: 'factories/{factoryId}/cycles/{cycleId}/slcp-request',
  summary:
    "R19: after its assessment, the factory asks to share this cycle via SLCP; allowed when it is connected to the Gateway and confirmed Better Work as verifier there (422 otherwise); the cycle's timeline then queues the transmission, at once when the report is released and the self-assessment submitted (R17), or when they are",
  tag: 'SLCP sharing',
  access: { roles: ['FactoryManager'] },
  params: cycleParams,
  response: midCycleRequestResultSchema,
  durable: true,
  handler: async (request) => {
    const { params, principal, platform, ifMatch } = request;
    const result = await requestMidCycleSharing(
      transmissionDeps(platform),
      principal,
      params.factoryId,
      params.cycleId,
      { ifMatch }
    );
    if (result.changed) {
      await bestEffort(
        `wake the timeline of ${params.cycleId}`,
        () => request.timelines.signalCycle(params.cycleId, 'sharingRequested'),
        request.warn
      );
    }
    return { body: { ...result, sharingEffective: true as const } };
  },
});
