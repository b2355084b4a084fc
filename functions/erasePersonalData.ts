import { requestPersonalDataErasure } from '../shared/app/users/personalData';
import { ServiceUnavailableError } from '../shared/domain/errors';
import { endpoint } from '../shared/http/endpoint';
import { personalDataErasureSchema, userIdParams } from '../shared/schemas/personalData';

endpoint({
  name: 'erasePersonalData',
  method: 'POST',
  route: 'users/{userId}/personal-data-erasure',
  summary:
    "Erase a person's personal data: the account is closed at once, the rest runs in the background (202; " +
    'the export shows erasing, then erased); again: resumes, or 200 and no change once erased',
  tag: 'Personal data',
  access: { roles: ['Admin'] },
  params: userIdParams,
  response: personalDataErasureSchema,
  successStatus: 202,
  maxBodyBytes: 1024,
  durable: true,
  handler: async (request) => {
    const { params, principal, platform } = request;
    const erasure = await requestPersonalDataErasure(platform, principal, params.userId);
    if (erasure.status === 'erased') return { status: 200, body: erasure };
    try {
      await request.timelines.startPersonalDataErasure(params.userId);
    } catch (error) {
      request.warn(`could not start erasure-${params.userId}: ${(error as Error).message}`);
      throw new ServiceUnavailableError(
        'The account is closed, but the erasure of its data could not be started; send the request again.',
        30
      );
    }
    return { body: erasure, location: `/api/users/${params.userId}/personal-data` };
  },
});
