import { selfAssessmentDeps } from '../shared/app/selfAssessment/deps';
import { startSelfAssessment } from '../shared/app/selfAssessment/selfAssessments';
import { endpoint } from '../shared/http/endpoint';
import { factoryIdParams } from '../shared/schemas/enrolment';
import { selfAssessmentView, startSelfAssessmentBody, toSelfAssessmentView } from '../shared/schemas/selfAssessment';

endpoint({
  name: 'startSelfAssessment',
  method: 'POST',
  route: 'factories/{factoryId}/self-assessments',
  summary:
    'R11: the factory manager starts the self-assessment of an activated cycle (Step 1 by default), on the latest question bank version',
  tag: 'Self-assessment',
  access: { roles: ['FactoryManager'] },
  params: factoryIdParams,
  body: startSelfAssessmentBody,
  response: selfAssessmentView,
  successStatus: 201,
  handler: async ({ params, body, principal, platform }) => {
    const started = await startSelfAssessment(selfAssessmentDeps(platform), principal, params.factoryId, body);
    return {
      body: toSelfAssessmentView(started.header, started.loaded, started.progress, 'en'),
      etag: started.etag,
      location: `/api/self-assessments/${encodeURIComponent(started.header.selfAssessmentId)}`,
    };
  },
});
