import { exportPersonalData } from '../shared/app/users/personalData';
import { endpoint } from '../shared/http/endpoint';
import { personalDataExportSchema, userIdParams } from '../shared/schemas/personalData';

endpoint({
  name: 'exportPersonalData',
  method: 'GET',
  route: 'users/{userId}/personal-data',
  summary: "Export a person's personal data: every document holding it, with where it is (GDPR access)",
  tag: 'Personal data',
  access: { roles: ['Admin'] },
  params: userIdParams,
  response: personalDataExportSchema,
  handler: async ({ params, principal, platform }) => ({
    body: await exportPersonalData(platform, principal, params.userId),
  }),
});
