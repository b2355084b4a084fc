import { erasePersonalData } from '../shared/app/users/personalData';
import { endpoint } from '../shared/http/endpoint';
import { personalDataErasureSchema, userIdParams } from '../shared/schemas/personalData';

endpoint({
  name: 'erasePersonalData',
  method: 'POST',
  route: 'users/{userId}/personal-data-erasure',
  summary:
    "Erase a person's personal data: pseudonymised in place, audit trail kept, account closed (again: resumes or no change)",
  tag: 'Personal data',
  access: { roles: ['Admin'] },
  params: userIdParams,
  response: personalDataErasureSchema,
  maxBodyBytes: 1024,
  handler: async ({ params, principal, platform }) => ({
    body: await erasePersonalData(platform, principal, params.userId),
  }),
});
