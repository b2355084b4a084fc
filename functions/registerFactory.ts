import { enrolmentDeps } from '../shared/app/enrolment/deps';
import { registerFactory } from '../shared/app/enrolment/factories';
import { endpoint } from '../shared/http/endpoint';
import { countryCodeParams, createFactoryBody, factoryView, toFactoryView } from '../shared/schemas/enrolment';

endpoint({
  name: 'registerFactory',
  method: 'POST',
  route: 'countries/{countryCode}/factories',
  summary: 'R7: enrol a factory for its first cycle and email its manager a single-use link',
  tag: 'Factories',
  access: { roles: ['RegistrationStaff', 'Admin'] },
  params: countryCodeParams,
  body: createFactoryBody,
  response: factoryView,
  successStatus: 201,
  handler: async ({ params, body, principal, platform }) => {
    const saved = await registerFactory(enrolmentDeps(platform), principal, params.countryCode, body);
    return {
      body: toFactoryView(saved.factory, platform.clock.now()),
      etag: saved.etag,
      location: `/api/factories/${saved.factory.factoryId}`,
    };
  },
});
