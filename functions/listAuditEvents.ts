import { listAuditEvents } from '../shared/app/enrolment/auditTrail';
import { enrolmentDeps } from '../shared/app/enrolment/deps';
import { endpoint } from '../shared/http/endpoint';
import { auditPage, factoryIdParams, pageQuery, toAuditEventView } from '../shared/schemas/enrolment';

endpoint({
  name: 'listAuditEvents',
  method: 'GET',
  route: 'factories/{factoryId}/audit',
  summary: "A factory's audit trail, newest first, a page at a time",
  tag: 'Audit',
  access: { roles: ['RegistrationStaff', 'Admin'] },
  params: factoryIdParams,
  query: pageQuery,
  response: auditPage,
  handler: async ({ params, query, principal, platform }) => {
    const page = await listAuditEvents(enrolmentDeps(platform), principal, params.factoryId, query);
    return { body: { items: page.items.map(toAuditEventView), continuation: page.continuation ?? null } };
  },
});
