import { enrolmentDeps } from '../shared/app/enrolment/deps';
import { acceptInvitation } from '../shared/app/enrolment/invitations';
import { endpoint } from '../shared/http/endpoint';
import { acceptInvitationBody, acceptedInvitationView } from '../shared/schemas/enrolment';

endpoint({
  name: 'acceptInvitation',
  method: 'POST',
  route: 'invitations/accept',
  summary: 'R7: the factory manager follows the link: bound to the factory, which is then registered',
  tag: 'Invitations',
  access: { roles: ['FactoryManager'] },
  body: acceptInvitationBody,
  response: acceptedInvitationView,
  handler: async ({ body, principal, platform }) => {
    const accepted = await acceptInvitation(enrolmentDeps(platform), principal, body.token);
    return { body: accepted, location: accepted.dashboard };
  },
});
