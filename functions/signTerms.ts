import { enrolmentDeps } from '../shared/app/enrolment/deps';
import { signTermsAndConditions } from '../shared/app/enrolment/profile';
import { bestEffort } from '../shared/app/timeline/wake';
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
  durable: true,
  handler: async (request) => {
    const { params, principal, ifMatch, platform } = request;
    const saved = await signTermsAndConditions(enrolmentDeps(platform), principal, params.factoryId, ifMatch);
    // R10: the watch of the signature's expiry restarts with the new date.
    const signedAt = saved.factory.terms?.signedAt;
    if (signedAt) {
      await bestEffort(
        `restart the T&C watch of ${params.factoryId}`,
        () => request.timelines.restartTermsWatch(params.factoryId, signedAt),
        request.warn
      );
    }
    return { body: toProfileView(saved.factory, platform.clock.now()), etag: saved.etag };
  },
});
