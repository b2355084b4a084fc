import { setSlcpLaunchDate } from '../shared/app/enrolment/countryProgrammes';
import { enrolmentDeps } from '../shared/app/enrolment/deps';
import { endpoint } from '../shared/http/endpoint';
import {
  countryCodeParams,
  countryProgrammeView,
  setLaunchBody,
  toCountryProgrammeView,
} from '../shared/schemas/enrolment';

endpoint({
  name: 'setCountryLaunch',
  method: 'PUT',
  route: 'countries/{countryCode}/launch',
  summary: 'Set (or withdraw with null) the day SLCP data sharing launches in a country; audited',
  tag: 'Country programmes',
  access: { roles: ['Admin'] },
  params: countryCodeParams,
  body: setLaunchBody,
  response: countryProgrammeView,
  handler: async ({ params, body, principal, ifMatch, platform }) => {
    const saved = await setSlcpLaunchDate(
      enrolmentDeps(platform),
      principal,
      params.countryCode,
      body.launchDate,
      ifMatch
    );
    return {
      body: toCountryProgrammeView(saved.programme, platform.clock.now()),
      ...(saved.etag ? { etag: saved.etag } : {}),
    };
  },
});
