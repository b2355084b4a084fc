import { enrolmentDeps } from '../shared/app/enrolment/deps';
import { resendInvitation } from '../shared/app/enrolment/invitations';
import { endpoint } from '../shared/http/endpoint';
import { factoryIdParams, invitationSentView, sendInvitationBody } from '../shared/schemas/enrolment';

endpoint({
  name: 'sendInvitation',
  method: 'POST',
  route: 'factories/{factoryId}/invitations',
  summary: 'R7: send the factory manager a new single-use link; the previous link stops working',
  tag: 'Invitations',
  access: { roles: ['RegistrationStaff', 'Admin'] },
  params: factoryIdParams,
  body: sendInvitationBody,
  response: invitationSentView,
  successStatus: 201,
  handler: async ({ params, body, principal, ifMatch, platform }) => {
    const sent = await resendInvitation(enrolmentDeps(platform), principal, params.factoryId, body, ifMatch);
    return {
      body: {
        factoryId: sent.factory.factoryId,
        sentTo: sent.summary.sentTo,
        sentAt: sent.summary.sentAt,
        expiresAt: sent.summary.expiresAt,
      },
      etag: sent.etag,
    };
  },
});
