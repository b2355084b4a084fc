import { selfAssessmentDeps } from '../shared/app/selfAssessment/deps';
import { readQuestion } from '../shared/app/selfAssessment/selfAssessments';
import { roles } from '../shared/domain/access/roles';
import { endpoint } from '../shared/http/endpoint';
import { languageQuery, questionParams, questionView, toQuestionView } from '../shared/schemas/selfAssessment';

endpoint({
  name: 'getSelfAssessmentQuestion',
  method: 'GET',
  route: 'self-assessments/{selfAssessmentId}/questions/{questionId}',
  summary:
    "R12: one question: text, guidance, answer type, the law overlay of the factory's country, the current answer, previous / next / next unanswered",
  tag: 'Self-assessment',
  access: { roles: roles.filter((role) => role !== 'Gateway') },
  params: questionParams,
  query: languageQuery,
  response: questionView,
  handler: async ({ params, query, principal, platform }) => {
    const read = await readQuestion(
      selfAssessmentDeps(platform),
      principal,
      params.selfAssessmentId,
      params.questionId
    );
    return { body: toQuestionView(read.header, read.loaded, read.progress, read.question, read.answer, query.lang) };
  },
});
