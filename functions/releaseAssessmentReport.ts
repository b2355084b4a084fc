import { complianceDeps } from '../shared/app/compliance/deps';
import { releaseReport } from '../shared/app/compliance/reports';
import { endpoint } from '../shared/http/endpoint';
import { cycleParams, releasedReportView, toReleasedReportView } from '../shared/schemas/compliance';

endpoint({
  name: 'releaseAssessmentReport',
  method: 'POST',
  route: 'factories/{factoryId}/cycles/{cycleId}/report/release',
  summary:
    'R16, R25: staff of the country (registration staff, assessors) release the report of the completed assessment (JSON and HTML in blob storage), create the improvement plan from the non-compliant findings, notify the factory and wake the timeline; audited; idempotent',
  tag: 'Assessment report',
  access: { roles: ['RegistrationStaff', 'Assessor', 'Admin'] },
  params: cycleParams,
  response: releasedReportView,
  durable: true,
  handler: async ({ params, principal, platform, timelines, warn }) => {
    const released = await releaseReport(complianceDeps(platform), principal, params.factoryId, params.cycleId, {
      // Read lazily: a missing Durable client fails here, after the commit, and is only logged.
      wake: (cycleId, signal) => timelines.signalCycle(cycleId, signal),
      warn,
    });
    return { body: toReleasedReportView(released) };
  },
});
