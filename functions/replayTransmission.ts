import { transmissionDeps } from '../shared/app/transmission/deps';
import { replayTransmission } from '../shared/app/transmission/staff';
import { endpoint } from '../shared/http/endpoint';
import { cycleParams, replayResultSchema, toTransmissionView } from '../shared/schemas/transmission';

endpoint({
  name: 'replayTransmission',
  method: 'POST',
  route: 'factories/{factoryId}/cycles/{cycleId}/transmission/replay',
  summary:
    'R17: registration staff send a failed, dead-lettered, rejected or invalid transmission again once they fixed the cause (409 otherwise, 412 with a stale If-Match); the Gateway sees the same idempotency key, so it never holds the data twice; audited',
  tag: 'Transmission to the Gateway',
  access: { roles: ['RegistrationStaff', 'Admin'] },
  params: cycleParams,
  response: replayResultSchema,
  handler: async ({ params, principal, platform, ifMatch, warn }) => {
    const result = await replayTransmission(transmissionDeps(platform), principal, params.factoryId, params.cycleId, {
      ifMatch,
      warn,
    });
    return {
      body: { transmission: toTransmissionView(result.transmission), sentToQueue: result.sentToQueue },
      etag: result.etag,
    };
  },
});
