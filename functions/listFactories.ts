import { enrolmentDeps } from '../shared/app/enrolment/deps';
import { listFactories } from '../shared/app/enrolment/factories';
import { endpoint } from '../shared/http/endpoint';
import { countryCodeParams, factoryListPage, pageQuery, toFactoryListItem } from '../shared/schemas/enrolment';

endpoint({
  name: 'listFactories',
  method: 'GET',
  route: 'countries/{countryCode}/factories',
  summary: 'The factories of one country programme, by name, a page at a time',
  tag: 'Factories',
  access: { roles: ['RegistrationStaff', 'Assessor', 'Admin'] },
  params: countryCodeParams,
  query: pageQuery,
  response: factoryListPage,
  handler: async ({ params, query, principal, platform }) => {
    const page = await listFactories(enrolmentDeps(platform), principal, params.countryCode, query);
    const now = platform.clock.now();
    return {
      body: {
        items: page.rows.map((row, i) => toFactoryListItem(row, page.mayReadSlcp[i] ?? false, now)),
        continuation: page.continuation ?? null,
      },
    };
  },
});
