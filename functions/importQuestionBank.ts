import { importQuestionBank, questionBankDeps } from '../shared/app/questionBank/questionBanks';
import { endpoint } from '../shared/http/endpoint';
import { questionBankSchema, questionBankSummarySchema } from '../shared/schemas/questionBank';

endpoint({
  name: 'importQuestionBank',
  method: 'POST',
  route: 'question-banks',
  summary:
    'Import a new version of the question bank (a file like data/question-banks/caf-1.5.0.json); every problem of an invalid file is listed and nothing is written; audited',
  tag: 'Question bank',
  access: { roles: ['Admin'] },
  body: questionBankSchema,
  response: questionBankSummarySchema,
  successStatus: 201,
  maxBodyBytes: 5 * 1024 * 1024,
  handler: async ({ body, principal, platform }) => {
    const summary = await importQuestionBank(questionBankDeps(platform), principal, body);
    return { body: summary, location: `/api/question-banks/${summary.version}` };
  },
});
