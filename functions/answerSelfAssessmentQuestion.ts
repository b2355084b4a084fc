import { selfAssessmentDeps } from '../shared/app/selfAssessment/deps';
import { answerQuestion } from '../shared/app/selfAssessment/selfAssessments';
import { endpoint } from '../shared/http/endpoint';
import { answerBody, answerOutcomeView, questionParams, toAnswerOutcomeView } from '../shared/schemas/selfAssessment';

endpoint({
  name: 'answerSelfAssessmentQuestion',
  method: 'PUT',
  route: 'self-assessments/{selfAssessmentId}/answers/{questionId}',
  summary:
    'R12: the factory manager answers one question (and may comment); answers the updated progress and the next unanswered question',
  tag: 'Self-assessment',
  access: { roles: ['FactoryManager'] },
  params: questionParams,
  body: answerBody,
  response: answerOutcomeView,
  maxBodyBytes: 16 * 1024,
  handler: async ({ params, body, principal, platform }) => {
    const outcome = await answerQuestion(
      selfAssessmentDeps(platform),
      principal,
      params.selfAssessmentId,
      params.questionId,
      body
    );
    return {
      body: toAnswerOutcomeView(outcome.header, outcome.loaded, outcome.progress, outcome.question, outcome.answered),
    };
  },
});
