import { enrolmentDeps } from '../shared/app/enrolment/deps';
import { editProfile } from '../shared/app/enrolment/profile';
import { endpoint } from '../shared/http/endpoint';
import { editProfileBody, factoryIdParams, profileView, toProfileView } from '../shared/schemas/enrolment';

endpoint({
  name: 'editProfile',
  method: 'PATCH',
  route: 'factories/{factoryId}/profile',
  summary: 'R10: change profile fields; If-Match with the ETag from GET is required (412 otherwise)',
  tag: 'Profile',
  access: { roles: ['FactoryManager', 'Admin'] },
  params: factoryIdParams,
  body: editProfileBody,
  response: profileView,
  handler: async ({ params, body, principal, ifMatch, platform }) => {
    const saved = await editProfile(enrolmentDeps(platform), principal, params.factoryId, body, ifMatch);
    return { body: toProfileView(saved.factory, platform.clock.now()), etag: saved.etag };
  },
});
