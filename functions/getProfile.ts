import { enrolmentDeps } from '../shared/app/enrolment/deps';
import { readProfile } from '../shared/app/enrolment/profile';
import { roles } from '../shared/domain/access/roles';
import { endpoint } from '../shared/http/endpoint';
import { factoryIdParams, profileView, toProfileView } from '../shared/schemas/enrolment';

endpoint({
  name: 'getProfile',
  method: 'GET',
  route: 'factories/{factoryId}/profile',
  summary: 'R10: the factory profile, its completion and the T&C signature; the ETag is for PATCH',
  tag: 'Profile',
  access: { roles: roles.filter((role) => role !== 'Gateway') },
  params: factoryIdParams,
  response: profileView,
  handler: async ({ params, principal, platform }) => {
    const read = await readProfile(enrolmentDeps(platform), principal, params.factoryId);
    return { body: toProfileView(read.factory, platform.clock.now()), etag: read.etag };
  },
});
