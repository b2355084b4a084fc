import { enrolmentDeps } from '../shared/app/enrolment/deps';
import { signTermsAndConditions } from '../shared/app/enrolment/profile';
import { endpoint } from '../shared/http/endpoint';
import { factoryIdParams, profileView, signTermsBody, toProfileView } from '../shared/schemas/enrolment';

endpoint({
  name: 'signTerms',
  method: 'POST',
  route: 'factories/{factoryId}/terms',
  summary: 'R10: the factory manager signs the Terms & Conditions; the signature counts for one year',
  tag: 'Profile',
  access: { roles: ['FactoryManager'] },
  params: factoryIdParams,
  body: signTermsBody,
  response: profileView,
  handler: async ({ params, principal, ifMatch, platform }) => {
    const saved = await signTermsAndConditions(enrolmentDeps(platform), principal, params.factoryId, ifMatch);
    return { body: toProfileView(saved.factory, platform.clock.now()), etag: saved.etag };
  },
});
