import { selfAssessmentDeps } from '../shared/app/selfAssessment/deps';
import { readSelfAssessment } from '../shared/app/selfAssessment/selfAssessments';
import { roles } from '../shared/domain/access/roles';
import { endpoint } from '../shared/http/endpoint';
import {
  languageQuery,
  selfAssessmentParams,
  selfAssessmentView,
  toSelfAssessmentView,
} from '../shared/schemas/selfAssessment';

endpoint({
  name: 'getSelfAssessment',
  method: 'GET',
  route: 'self-assessments/{selfAssessmentId}',
  summary:
    'R12: the overview: sections and subsections with completed %, answered and to answer, per section and overall, bipartite questions highlighted',
  tag: 'Self-assessment',
  access: { roles: roles.filter((role) => role !== 'Gateway') },
  params: selfAssessmentParams,
  query: languageQuery,
  response: selfAssessmentView,
  handler: async ({ params, query, principal, platform }) => {
    const read = await readSelfAssessment(selfAssessmentDeps(platform), principal, params.selfAssessmentId);
    return { body: toSelfAssessmentView(read.header, read.loaded, read.progress, query.lang), etag: read.etag };
  },
});
