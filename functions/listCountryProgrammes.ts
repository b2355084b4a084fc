import { listCountryProgrammes } from '../shared/app/enrolment/countryProgrammes';
import { roles } from '../shared/domain/access/roles';
import { endpoint } from '../shared/http/endpoint';
import { countryProgrammeList, toCountryProgrammeView } from '../shared/schemas/enrolment';

endpoint({
  name: 'listCountryProgrammes',
  method: 'GET',
  route: 'countries',
  summary: 'The Better Work country programmes and where SLCP data sharing runs',
  tag: 'Country programmes',
  access: { roles },
  response: countryProgrammeList,
  handler: async ({ platform }) => {
    const now = platform.clock.now();
    const programmes = await listCountryProgrammes(platform.store);
    return { body: { items: programmes.map((programme) => toCountryProgrammeView(programme, now)) } };
  },
});
