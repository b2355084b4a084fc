import { listTransmissions } from '../shared/app/transmission/staff';
import { endpoint } from '../shared/http/endpoint';
import {
  countryCodeParams,
  toTransmissionSummary,
  transmissionListQuery,
  transmissionListSchema,
} from '../shared/schemas/transmission';

endpoint({
  name: 'listTransmissions',
  method: 'GET',
  route: 'countries/{countryCode}/transmissions',
  summary:
    'R17, R18: registration staff list the transmissions to the SLCP Gateway of their country programme that need attention (invalid, rejected, failed, dead-lettered, not validated), each with why',
  tag: 'Transmission to the Gateway',
  access: { roles: ['RegistrationStaff', 'Admin'] },
  params: countryCodeParams,
  query: transmissionListQuery,
  response: transmissionListSchema,
  handler: async ({ params, query, principal, platform }) => {
    const statuses = query.status === undefined ? undefined : [query.status].flat();
    const list = await listTransmissions(platform, principal, params.countryCode, statuses);
    return {
      body: {
        countryCode: list.countryCode,
        statuses: list.statuses,
        transmissions: list.transmissions.map(toTransmissionSummary),
      },
    };
  },
});
