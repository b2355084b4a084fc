import { maxCallbackBodyBytes } from '../shared/adapters/gateway/gatewayClient';
import { handleSubmissionCallback, submissionCallbackPath } from '../shared/app/transmission/validation';
import { bestEffort } from '../shared/app/timeline/wake';
import { endpoint } from '../shared/http/endpoint';
import { gatewayCallbackAckSchema } from '../shared/schemas/sharing';

endpoint({
  name: 'gatewaySubmissionCallbacks',
  method: 'POST',
  route: submissionCallbackPath,
  summary:
    "The SLCP Gateway's signed callbacks about a data submission: validated (R18: the cycle's timeline then enables sharing and tells the factory) or not validated (staff are alerted); idempotent",
  tag: 'SLCP Gateway',
  access: 'signed',
  response: gatewayCallbackAckSchema,
  maxBodyBytes: maxCallbackBodyBytes,
  durable: true,
  handler: async (request) => {
    const ack = await handleSubmissionCallback(request.platform, {
      headers: request.headers,
      rawBody: request.rawBody,
    });
    const cycleId = ack.validatedCycleId;
    if (cycleId) {
      await bestEffort(
        `wake the timeline of ${cycleId}`,
        () => request.timelines.signalCycle(cycleId, 'transmissionValidated'),
        request.warn
      );
    }
    return { body: { eventId: ack.eventId, duplicate: ack.duplicate, outcome: ack.outcome } };
  },
});
