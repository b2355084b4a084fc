import { enrolmentDeps } from '../shared/app/enrolment/deps';
import { registerCycle } from '../shared/app/enrolment/factories';
import { endpoint } from '../shared/http/endpoint';
import { factoryIdParams, factoryView, registerCycleBody, toFactoryView } from '../shared/schemas/enrolment';

endpoint({
  name: 'registerCycle',
  method: 'POST',
  route: 'factories/{factoryId}/cycles',
  summary: 'R23: register the next cycle; the running one is kept, a sharing request applies to the new one',
  tag: 'Factories',
  access: { roles: ['RegistrationStaff', 'Admin'] },
  params: factoryIdParams,
  body: registerCycleBody,
  response: factoryView,
  successStatus: 201,
  handler: async ({ params, body, principal, ifMatch, platform }) => {
    const saved = await registerCycle(enrolmentDeps(platform), principal, params.factoryId, body, ifMatch);
    return { body: toFactoryView(saved.factory, platform.clock.now()), etag: saved.etag };
  },
});
