import { selfAssessmentDeps } from '../shared/app/selfAssessment/deps';
import { clearAnswer } from '../shared/app/selfAssessment/selfAssessments';
import { endpoint } from '../shared/http/endpoint';
import { answerOutcomeView, questionParams, toAnswerOutcomeView } from '../shared/schemas/selfAssessment';

endpoint({
  name: 'clearSelfAssessmentAnswer',
  method: 'DELETE',
  route: 'self-assessments/{selfAssessmentId}/answers/{questionId}',
  summary: 'R12: the factory manager clears an answer before submission; answers the updated progress',
  tag: 'Self-assessment',
  access: { roles: ['FactoryManager'] },
  params: questionParams,
  response: answerOutcomeView,
  handler: async ({ params, principal, platform }) => {
    const outcome = await clearAnswer(
      selfAssessmentDeps(platform),
      principal,
      params.selfAssessmentId,
      params.questionId
    );
    return {
      body: toAnswerOutcomeView(outcome.header, outcome.loaded, outcome.progress, outcome.question, outcome.answered),
    };
  },
});
