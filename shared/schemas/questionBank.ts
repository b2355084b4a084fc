// The question bank as a file (data/question-banks/caf-<version>.json, or the body of an import) and the
// HTTP shapes of the question-bank endpoints. The file schema checks each field (types, patterns,
// lengths); one superRefine adds the rules that span fields (shared/domain/questionBank/consistency.ts)
// and runs even when fields are wrong elsewhere, so a file is answered with every problem at once.
import type { z as zod } from 'zod';
import { z } from '../http/openapi';
import type { QuestionBank } from '../domain/questionBank/model';
import { questionBankConsistencyIssues } from '../domain/questionBank/consistency';
import {
  complianceClusters,
  optionCodePattern,
  questionBankLanguages,
  questionIdPattern,
  sectionCodePattern,
  stepNames,
  subsectionCodePattern,
  textLimits,
  toolVersionPattern,
} from '../domain/questionBank/vocabulary';

const calendarDate = z.iso.date('must be a date YYYY-MM-DD');

function translatable(max: number, description: string) {
  const text = z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
  return z.strictObject({ en: text, bn: text.optional(), id: text.optional(), vi: text.optional() }).openapi({
    description: `${description}: English, and optionally Bangla (bn), Bahasa Indonesia (id), Vietnamese (vi); a missing translation falls back to English`,
    example: { en: 'Working Hours', bn: 'কর্মঘণ্টা', id: 'Jam Kerja', vi: 'Thời giờ làm việc' },
  });
}

export const stepNumberSchema = z
  .union([z.literal(1), z.literal(2), z.literal(3)])
  .openapi({ description: 'Steps are cumulative: 1 Essential, 2 Progressive (adds to 1), 3 Advanced (adds to 2)' });

const optionSchema = z.strictObject({
  code: z.string().regex(optionCodePattern, 'must be a letter then up to 39 letters, digits, "-" or "_"'),
  label: translatable(textLimits.label, 'The option as shown'),
});

const options = z.array(optionSchema).min(2, 'must have at least 2 options').max(50, 'must have at most 50 options');

export const answerSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('yesNo') }),
    z.strictObject({
      type: z.literal('number'),
      unit: translatable(textLimits.unit, 'The unit, e.g. workers, hours, percent'),
      integer: z.boolean(),
      min: z.number().optional(),
      max: z.number().optional(),
    }),
    z.strictObject({ type: z.literal('date') }),
    z.strictObject({ type: z.literal('text'), maxLength: z.number().int().min(1).max(5000) }),
    z.strictObject({ type: z.literal('singleChoice'), options }),
    z.strictObject({ type: z.literal('multipleChoice'), options }),
  ])
  .openapi('QuestionAnswerType', { description: 'What kind of answer the question takes, with its bounds' });

const questionIdSchema = z
  .string()
  .regex(questionIdPattern, 'must be SECTION-SUBTOPIC-n, e.g. FP-BAS-26')
  .openapi({ example: 'FP-BAS-26' });

export const conditionSchema = z
  .strictObject({
    questionId: questionIdSchema,
    equals: z.union([z.boolean(), z.number(), z.string()]).optional(),
    includes: z.string().optional(),
    greaterThan: z.number().optional(),
  })
  .openapi('QuestionCondition', {
    description:
      'The question applies only when the answer to an earlier question equals a value, includes an option or is greater than a number',
  });

const complianceSchema = z.strictObject({
  cluster: z.enum(complianceClusters),
  point: z.string().min(1),
});

const questionSchema = z.strictObject({
  id: questionIdSchema,
  step: stepNumberSchema,
  text: translatable(textLimits.text, 'The question'),
  answer: answerSchema,
  guidance: translatable(textLimits.guidance, 'Guidance notes'),
  bipartiteDialogue: z.boolean(),
  vccScope: z.boolean(),
  compliance: complianceSchema.optional(),
  condition: conditionSchema.optional(),
  lawOverlay: z.record(
    z.string().regex(/^[A-Z]{2}$/, 'must be a country code'),
    translatable(textLimits.overlay, 'Guidance on national law')
  ),
});

const subsectionSchema = z.strictObject({
  code: z.string().regex(subsectionCodePattern, 'must be 3 capital letters'),
  name: translatable(200, 'The subsection'),
  category: translatable(200, 'Its category'),
  questions: z.array(questionSchema).min(1, 'must have at least one question').max(500),
});

const sectionSchema = z.strictObject({
  number: z.number().int().min(1).max(99),
  code: z.string().regex(sectionCodePattern, 'must be 2 or 3 capital letters'),
  title: translatable(200, 'The section'),
  step: stepNumberSchema,
  facilityProfile: z.boolean().optional(),
  subsections: z.array(subsectionSchema).min(1, 'must have at least one subsection').max(200),
});

const stepSchema = z.strictObject({
  step: stepNumberSchema,
  name: z.enum([stepNames[1], stepNames[2], stepNames[3]]),
  title: translatable(100, 'The Step'),
  description: translatable(1000, 'What the Step adds'),
});

/** A version of the question bank, as a file. */
export const questionBankSchema = z
  .strictObject({
    toolId: z.literal('caf'),
    version: z
      .string()
      .regex(toolVersionPattern, 'must be major.minor.patch, e.g. 1.4.0')
      .openapi({ example: '1.6.0' }),
    title: translatable(300, 'The tool'),
    publishedOn: calendarDate,
    languages: z.array(z.enum(questionBankLanguages)).min(1),
    steps: z.array(stepSchema).length(3, 'must list the three Steps 1, 2 and 3'),
    sections: z.array(sectionSchema).min(1).max(50),
  })
  .superRefine(
    (value, ctx) => {
      for (const issue of questionBankConsistencyIssues(value)) {
        ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      }
    },
    // Run even when some field failed: the checks read the value defensively (see consistency.ts).
    { when: () => true }
  )
  .openapi('QuestionBankFile', {
    description: 'A version of the self-assessment question bank: Steps, sections, subsections and questions',
  });

// The schema parses into exactly the domain's types (a compile-time check).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _schemaMatchesModel: Same<zod.output<typeof questionBankSchema>, QuestionBank> = true;
void _schemaMatchesModel;

// ---------------------------------------------------------------------------------------------------
// HTTP shapes
// ---------------------------------------------------------------------------------------------------

export const versionParams = z.object({
  version: z
    .string()
    .regex(toolVersionPattern, 'a version looks like 1.4.0')
    .openapi({ description: 'The question bank version', example: '1.4.0' }),
});

export const languageSchema = z.enum(questionBankLanguages);

export const questionBankQuery = z.strictObject({
  lang: languageSchema
    .default('en')
    .openapi({ description: 'The language of the texts; a text without a translation is given in English' }),
  step: z
    .enum(['1', '2', '3'])
    .optional()
    .openapi({ description: 'Only the questions of this Step (cumulative); all by default' }),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'a country code, e.g. BD')
    .optional()
    .openapi({ description: 'Adds the law overlay of this country to each question' }),
});

const stepCounts = z.object({
  step: stepNumberSchema,
  name: z.string(),
  newQuestions: z.number().int().openapi({ description: 'Questions that enter at this Step' }),
  totalQuestions: z.number().int().openapi({ description: 'Questions of this Step, the earlier Steps included' }),
});

export const questionBankSummarySchema = z
  .object({
    toolId: z.string(),
    version: z.string(),
    title: z.string(),
    publishedOn: z.string(),
    languages: z.array(languageSchema),
    source: z
      .enum(['shipped', 'imported'])
      .openapi({ description: 'Built into the app, or imported by an administrator' }),
    latest: z.boolean().openapi({ description: 'The highest version' }),
    questionCount: z.number().int(),
    steps: z.array(stepCounts),
    importedAt: z.string().optional(),
    importedBy: z.string().optional(),
  })
  .openapi('QuestionBankSummary');

export const questionBankListSchema = z
  .object({ items: z.array(questionBankSummarySchema) })
  .openapi('QuestionBankList');

const localisedAnswer = z.discriminatedUnion('type', [
  z.object({ type: z.literal('yesNo') }),
  z.object({
    type: z.literal('number'),
    unit: z.string(),
    integer: z.boolean(),
    min: z.number().optional(),
    max: z.number().optional(),
  }),
  z.object({ type: z.literal('date') }),
  z.object({ type: z.literal('text'), maxLength: z.number().int() }),
  z.object({ type: z.literal('singleChoice'), options: z.array(z.object({ code: z.string(), label: z.string() })) }),
  z.object({
    type: z.literal('multipleChoice'),
    options: z.array(z.object({ code: z.string(), label: z.string() })),
  }),
]);

export const localisedQuestionSchema = z.object({
  id: z.string(),
  step: stepNumberSchema,
  text: z.string(),
  guidance: z.string(),
  answer: localisedAnswer,
  bipartiteDialogue: z.boolean(),
  vccScope: z.boolean(),
  compliance: complianceSchema.optional(),
  condition: conditionSchema.optional(),
  lawOverlay: z.string().optional(),
});

export const localisedQuestionBankSchema = z
  .object({
    toolId: z.string(),
    version: z.string(),
    title: z.string(),
    publishedOn: z.string(),
    lang: languageSchema,
    languages: z.array(languageSchema),
    source: z.enum(['shipped', 'imported']),
    step: stepNumberSchema.optional(),
    country: z.string().optional(),
    translation: z
      .object({
        texts: z.number().int(),
        translated: z.number().int(),
      })
      .openapi({ description: 'How many of the texts given exist in the language asked for; the others are English' }),
    steps: z.array(stepCounts.extend({ title: z.string(), description: z.string() })),
    sections: z.array(
      z.object({
        number: z.number().int(),
        code: z.string(),
        title: z.string(),
        step: stepNumberSchema,
        facilityProfile: z.boolean(),
        subsections: z.array(
          z.object({
            code: z.string(),
            name: z.string(),
            category: z.string(),
            questions: z.array(localisedQuestionSchema),
          })
        ),
      })
    ),
  })
  .openapi('LocalisedQuestionBank');
