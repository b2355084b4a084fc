import { listQuestionBanks, questionBankDeps, questionBankReaders } from '../shared/app/questionBank/questionBanks';
import { endpoint } from '../shared/http/endpoint';
import { questionBankListSchema } from '../shared/schemas/questionBank';

endpoint({
  name: 'listQuestionBanks',
  method: 'GET',
  route: 'question-banks',
  summary: 'The versions of the self-assessment question bank: built in and imported, oldest first',
  tag: 'Question bank',
  access: { roles: questionBankReaders },
  response: questionBankListSchema,
  handler: async ({ platform }) => ({ body: { items: await listQuestionBanks(questionBankDeps(platform)) } }),
});
