// The self-assessment API's request and response schemas (R11-R13) and the mapping of the domain to the
// responses, in the caller's language (a missing translation falls back to English).
import { z } from '../http/openapi';
import { questionBankLanguages, stepNames } from '../domain/questionBank/vocabulary';
import { commentMaxLength } from '../domain/selfAssessment/answers';
import { navigationOf, nextUnanswered } from '../domain/selfAssessment/navigation';
import type { AnswerValue, PlanQuestion } from '../domain/selfAssessment/plan';
import { reaches, type Progress, type Tally } from '../domain/selfAssessment/progress';
import type { AnswerDocument, SelfAssessmentDocument } from '../domain/selfAssessment/selfAssessment';
import type { CycleEntry } from '../domain/factory/factory';
import type { LoadedPlan } from '../app/selfAssessment/bank';
import { localise } from '../domain/questionBank/questionBank';
import type { ActivatedCycle, SubmittedSelfAssessment } from '../app/selfAssessment/selfAssessments';
import { closedObject, factoryIdParams } from './enrolment';

// ---------------------------------------------------------------------------------------------------
// Path, query, bodies
// ---------------------------------------------------------------------------------------------------

/** Malformed ids are answered like unknown ones (404) by the use cases, so any short text passes here. */
const selfAssessmentId = z.string().min(1).max(64).openapi({ example: 'BD-7KQ2M9XA-C1-SA' });
const questionId = z.string().min(1).max(32).openapi({ example: 'FP-BAS-1' });

export const cycleParams = factoryIdParams.extend({
  cycleId: z.string().min(1).max(64).openapi({ example: 'BD-7KQ2M9XA-C1' }),
});
export const selfAssessmentParams = z.object({ selfAssessmentId });
export const questionParams = z.object({ selfAssessmentId, questionId });

export const languageQuery = z.object({
  lang: z
    .enum(questionBankLanguages)
    .default('en')
    .openapi({ description: 'The language of the texts; a text without a translation is given in English' }),
});

export const stepSchema = z
  .union([z.literal(1), z.literal(2), z.literal(3)])
  .openapi({ description: 'Steps are cumulative: 1 Essential, 2 Progressive, 3 Advanced' });

export const startSelfAssessmentBody = closedObject({
  cycleId: z.string().min(1).max(64).openapi({ example: 'BD-7KQ2M9XA-C1' }),
  step: stepSchema.default(1).openapi({ description: 'Step 1 by default; 2 or 3 when buyers ask (R11)' }),
});

export const answerValueSchema = z
  .union([z.boolean(), z.number(), z.string(), z.array(z.string())])
  .openapi('AnswerValue', {
    description:
      'yes/no: true or false; number; date: YYYY-MM-DD; text; single choice: an option code; multiple choice: option codes',
  });

export const answerBody = closedObject({
  value: answerValueSchema,
  comment: z.string().max(commentMaxLength, `must be at most ${commentMaxLength} characters`).optional(),
});

// ---------------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------------

export const tallySchema = z
  .object({
    answered: z.number().int(),
    toAnswer: z.number().int().openapi({ description: 'Applicable questions still without an answer' }),
    applicable: z.number().int().openapi({ description: 'Questions that apply (conditions that are off drop out)' }),
    completedPercent: z
      .number()
      .openapi({ description: 'answered / applicable, rounded down to 0.1 (display only; 100 when none applies)' }),
    complete: z.boolean(),
  })
  .openapi('Completion');

export const activatedCycleView = z
  .object({
    factoryId: z.string(),
    cycleId: z.string(),
    startsOn: z.string(),
    endsOn: z.string(),
    activatedAt: z.string(),
    activatedBy: z.string(),
    changed: z.boolean().openapi({ description: 'False when the cycle was already activated (nothing changed)' }),
  })
  .openapi('ActivatedCycle');

const subsectionView = z.object({
  code: z.string(),
  name: z.string(),
  category: z.string(),
  ...tallySchema.shape,
  firstQuestionId: z.string(),
  nextUnansweredQuestionId: z.string().nullable(),
  bipartiteDialogueQuestionIds: z
    .array(z.string())
    .openapi({ description: 'Questions to prioritise for bipartite dialogue (R12), highlighted' }),
});

const sectionView = z.object({
  number: z.number().int(),
  code: z.string(),
  title: z.string(),
  facilityProfile: z.boolean().openapi({ description: 'Must be 100 % complete to submit (R13)' }),
  ...tallySchema.shape,
  subsections: z.array(subsectionView),
});

export const selfAssessmentView = z
  .object({
    selfAssessmentId: z.string(),
    factoryId: z.string(),
    cycleId: z.string(),
    step: stepSchema,
    stepName: z.string(),
    toolVersion: z.string(),
    status: z.enum(['open', 'submitted']),
    lang: z.enum(questionBankLanguages),
    startedAt: z.string(),
    startedBy: z.string(),
    submittedAt: z.string().nullable(),
    submittedBy: z.string().nullable(),
    overall: tallySchema,
    submission: z.object({
      allowed: z.boolean().openapi({ description: 'R13: ≥ 95 % overall and the Facility Profile 100 % (open only)' }),
      thresholdPercent: z.number(),
    }),
    nextUnansweredQuestionId: z.string().nullable(),
    sections: z.array(sectionView),
  })
  .openapi('SelfAssessment');

const localisedAnswerType = z
  .object({
    type: z.enum(['yesNo', 'number', 'date', 'text', 'singleChoice', 'multipleChoice']),
    unit: z.string().optional(),
    integer: z.boolean().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    maxLength: z.number().int().optional(),
    options: z.array(z.object({ code: z.string(), label: z.string() })).optional(),
  })
  .openapi('SelfAssessmentAnswerType');

export const questionView = z
  .object({
    selfAssessmentId: z.string(),
    questionId: z.string(),
    status: z.enum(['open', 'submitted']),
    lang: z.enum(questionBankLanguages),
    section: z.object({ code: z.string(), title: z.string() }),
    subsection: z.object({ code: z.string(), name: z.string(), category: z.string() }),
    text: z.string(),
    guidance: z.string(),
    answerType: localisedAnswerType,
    bipartiteDialogue: z.boolean(),
    lawOverlay: z
      .object({ countryCode: z.string(), text: z.string() })
      .nullable()
      .openapi({ description: "National law on the question for the factory's country" }),
    condition: z
      .object({
        questionId: z.string(),
        operator: z.enum(['equals', 'includes', 'greaterThan']),
        value: z.union([z.boolean(), z.number(), z.string()]),
        met: z.boolean(),
      })
      .nullable(),
    applies: z
      .boolean()
      .openapi({ description: 'False when its condition is off: it cannot be answered and does not count' }),
    answer: z
      .object({
        value: answerValueSchema,
        comment: z.string().nullable(),
        answeredAt: z.string(),
        answeredBy: z.string(),
      })
      .nullable(),
    previousQuestionId: z.string().nullable(),
    nextQuestionId: z.string().nullable(),
    nextUnansweredQuestionId: z.string().nullable(),
    position: z
      .object({ n: z.number().int(), of: z.number().int() })
      .nullable()
      .openapi({ description: 'n of m among the applicable questions of its subsection' }),
  })
  .openapi('SelfAssessmentQuestion');

export const answerOutcomeView = z
  .object({
    selfAssessmentId: z.string(),
    questionId: z.string(),
    answered: z.boolean(),
    overall: tallySchema,
    section: z.object({ code: z.string(), ...tallySchema.shape }),
    subsection: z.object({ code: z.string(), category: z.string(), ...tallySchema.shape }),
    nextUnansweredQuestionId: z.string().nullable(),
  })
  .openapi('AnswerOutcome');

export const submittedView = z
  .object({
    selfAssessmentId: z.string(),
    status: z.literal('submitted'),
    submittedAt: z.string(),
    submittedBy: z.string(),
    overall: tallySchema,
    facilityProfile: tallySchema,
    submissionDate: z
      .object({ questionId: z.string(), value: z.string() })
      .nullable()
      .openapi({ description: 'The submission date question (FP-BAS-26 style), filled from the clock' }),
  })
  .openapi('SubmittedSelfAssessment');

// ---------------------------------------------------------------------------------------------------
// Mapping
// ---------------------------------------------------------------------------------------------------

type Lang = (typeof questionBankLanguages)[number];

const tallyView = (t: Tally): z.infer<typeof tallySchema> => ({
  answered: t.answered,
  toAnswer: t.toAnswer,
  applicable: t.applicable,
  completedPercent: t.completedPercent,
  complete: t.complete,
});

export function toActivatedCycleView(activated: ActivatedCycle): z.infer<typeof activatedCycleView> {
  const cycle: CycleEntry = activated.cycle;
  return {
    factoryId: activated.factoryId,
    cycleId: cycle.cycleId,
    startsOn: cycle.startsOn,
    endsOn: cycle.endsOn,
    activatedAt: cycle.activatedAt!,
    activatedBy: cycle.activatedBy!,
    changed: activated.changed,
  };
}

export function toSelfAssessmentView(
  header: SelfAssessmentDocument,
  loaded: LoadedPlan,
  progress: Progress,
  lang: Lang
): z.infer<typeof selfAssessmentView> {
  const { plan } = loaded;
  const open = (i: number) => progress.applies[i]! && !progress.counted[i]!;
  const fp = plan.sections.filter((s) => s.facilityProfile);
  const fpComplete = fp.every((s) => progress.sections[s.index]!.complete);
  return {
    selfAssessmentId: header.selfAssessmentId,
    factoryId: header.factoryId,
    cycleId: header.cycleId,
    step: header.step,
    stepName: stepNames[header.step],
    toolVersion: header.toolVersion,
    status: header.status,
    lang,
    startedAt: header.startedAt,
    startedBy: header.startedBy,
    submittedAt: header.submittedAt ?? null,
    submittedBy: header.submittedBy ?? null,
    overall: tallyView(progress.overall),
    submission: { allowed: header.status === 'open' && reaches(progress.overall) && fpComplete, thresholdPercent: 95 },
    nextUnansweredQuestionId: nextUnanswered(plan, progress),
    sections: plan.sections.map((section) => {
      const first = loaded.questionAt(section.first).section;
      return {
        number: first.number,
        code: section.code,
        title: localise(first.title, lang),
        facilityProfile: section.facilityProfile,
        ...tallyView(progress.sections[section.index]!),
        subsections: plan.subsections.slice(section.firstSubsection, section.endSubsection).map((subsection) => {
          const bankSubsection = loaded.questionAt(subsection.first).subsection;
          const bipartite: string[] = [];
          let nextOpen: string | null = null;
          for (let i = subsection.first; i < subsection.end; i += 1) {
            if (loaded.questionAt(i).question.bipartiteDialogue) bipartite.push(plan.questions[i]!.id);
            if (nextOpen === null && open(i)) nextOpen = plan.questions[i]!.id;
          }
          return {
            code: bankSubsection.code,
            name: localise(bankSubsection.name, lang),
            category: localise(bankSubsection.category, lang),
            ...tallyView(progress.subsections[subsection.index]!),
            firstQuestionId: plan.questions[subsection.first]!.id,
            nextUnansweredQuestionId: nextOpen,
            bipartiteDialogueQuestionIds: bipartite,
          };
        }),
      };
    }),
  };
}

export function toQuestionView(
  header: SelfAssessmentDocument,
  loaded: LoadedPlan,
  progress: Progress,
  question: PlanQuestion,
  answer: AnswerDocument | undefined,
  lang: Lang
): z.infer<typeof questionView> {
  const { section, subsection, question: q } = loaded.questionAt(question.index);
  const navigation = navigationOf(loaded.plan, progress, question);
  const overlay = q.lawOverlay[header.countryCode];
  const answerType: z.infer<typeof localisedAnswerType> = (() => {
    switch (q.answer.type) {
      case 'number':
        return {
          type: 'number',
          unit: localise(q.answer.unit, lang),
          integer: q.answer.integer,
          ...(q.answer.min === undefined ? {} : { min: q.answer.min }),
          ...(q.answer.max === undefined ? {} : { max: q.answer.max }),
        };
      case 'text':
        return { type: 'text', maxLength: q.answer.maxLength };
      case 'singleChoice':
      case 'multipleChoice':
        return {
          type: q.answer.type,
          options: q.answer.options.map((o) => ({ code: o.code, label: localise(o.label, lang) })),
        };
      default:
        return { type: q.answer.type };
    }
  })();
  return {
    selfAssessmentId: header.selfAssessmentId,
    questionId: question.id,
    status: header.status,
    lang,
    section: { code: section.code, title: localise(section.title, lang) },
    subsection: {
      code: subsection.code,
      name: localise(subsection.name, lang),
      category: localise(subsection.category, lang),
    },
    text: localise(q.text, lang),
    guidance: localise(q.guidance, lang),
    answerType,
    bipartiteDialogue: q.bipartiteDialogue,
    lawOverlay: overlay ? { countryCode: header.countryCode, text: localise(overlay, lang) } : null,
    condition: question.condition
      ? {
          questionId: question.condition.questionId,
          operator: question.condition.operator,
          value: question.condition.value,
          met: progress.applies[question.index]!,
        }
      : null,
    applies: progress.applies[question.index]!,
    answer: answer
      ? {
          value: answer.value as AnswerValue,
          comment: answer.comment ?? null,
          answeredAt: answer.answeredAt,
          answeredBy: answer.answeredBy,
        }
      : null,
    previousQuestionId: navigation.previous,
    nextQuestionId: navigation.next,
    nextUnansweredQuestionId: navigation.nextUnanswered,
    position: navigation.position,
  };
}

export function toAnswerOutcomeView(
  header: SelfAssessmentDocument,
  loaded: LoadedPlan,
  progress: Progress,
  question: PlanQuestion,
  answered: boolean
): z.infer<typeof answerOutcomeView> {
  const section = loaded.plan.sections[question.sectionIndex]!;
  const subsection = loaded.questionAt(question.index).subsection;
  return {
    selfAssessmentId: header.selfAssessmentId,
    questionId: question.id,
    answered,
    overall: tallyView(progress.overall),
    section: { code: section.code, ...tallyView(progress.sections[question.sectionIndex]!) },
    subsection: {
      code: subsection.code,
      category: subsection.category.en,
      ...tallyView(progress.subsections[question.subsectionIndex]!),
    },
    nextUnansweredQuestionId: nextUnanswered(loaded.plan, progress, question.index),
  };
}

export function toSubmittedView(submitted: SubmittedSelfAssessment): z.infer<typeof submittedView> {
  return {
    selfAssessmentId: submitted.header.selfAssessmentId,
    status: 'submitted',
    submittedAt: submitted.header.submittedAt!,
    submittedBy: submitted.header.submittedBy!,
    overall: tallyView(submitted.progress.overall),
    facilityProfile: tallyView(submitted.facilityProfile),
    submissionDate: submitted.submissionDate ?? null,
  };
}
