import { getTransmission } from '../shared/app/transmission/staff';
import { endpoint } from '../shared/http/endpoint';
import { cycleParams, toTransmissionView, transmissionViewSchema } from '../shared/schemas/transmission';

endpoint({
  name: 'getTransmission',
  method: 'GET',
  route: 'factories/{factoryId}/cycles/{cycleId}/transmission',
  summary:
    "R17, R18: registration staff read a cycle's transmission to the SLCP Gateway: its status, why it failed, every attempt and dead letter, its history; the ETag is the replay's If-Match",
  tag: 'Transmission to the Gateway',
  access: { roles: ['RegistrationStaff', 'Admin'] },
  params: cycleParams,
  response: transmissionViewSchema,
  handler: async ({ params, principal, platform }) => {
    const found = await getTransmission(platform, principal, params.factoryId, params.cycleId);
    return { body: toTransmissionView(found.doc), etag: found.etag };
  },
});
