import { enrolmentDeps } from '../shared/app/enrolment/deps';
import { readFactory } from '../shared/app/enrolment/factories';
import { roles } from '../shared/domain/access/roles';
import { endpoint } from '../shared/http/endpoint';
import { factoryIdParams, factoryOrBrandView, toBrandFactoryView, toFactoryView } from '../shared/schemas/enrolment';

endpoint({
  name: 'getFactory',
  method: 'GET',
  route: 'factories/{factoryId}',
  summary: 'A factory; brands get the view without SLCP participation and Gateway connection (R21)',
  tag: 'Factories',
  access: { roles: roles.filter((role) => role !== 'Gateway') },
  params: factoryIdParams,
  response: factoryOrBrandView,
  handler: async ({ params, principal, platform }) => {
    const read = await readFactory(enrolmentDeps(platform), principal, params.factoryId);
    const now = platform.clock.now();
    return {
      body: read.mayReadSlcp ? toFactoryView(read.factory, now) : toBrandFactoryView(read.factory, now),
      etag: read.etag,
    };
  },
});
