import { loadQuestionBank, questionBankDeps, questionBankReaders } from '../shared/app/questionBank/questionBanks';
import { localisedStructure } from '../shared/domain/questionBank/questionBank';
import type { StepNumber } from '../shared/domain/questionBank/vocabulary';
import { endpoint } from '../shared/http/endpoint';
import { localisedQuestionBankSchema, questionBankQuery, versionParams } from '../shared/schemas/questionBank';

endpoint({
  name: 'getQuestionBank',
  method: 'GET',
  route: 'question-banks/{version}',
  summary:
    'A question bank version: Steps, sections, subsections and questions in one language (English where a text has no translation)',
  tag: 'Question bank',
  access: { roles: questionBankReaders },
  params: versionParams,
  query: questionBankQuery,
  response: localisedQuestionBankSchema,
  handler: async ({ params, query, platform }) => {
    const loaded = await loadQuestionBank(questionBankDeps(platform), params.version);
    return {
      body: {
        ...localisedStructure(loaded.tool, query.lang, {
          step: query.step === undefined ? undefined : (Number(query.step) as StepNumber),
          country: query.country,
        }),
        source: loaded.source,
      },
    };
  },
});
