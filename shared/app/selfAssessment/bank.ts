// The question bank as the self-assessment sees it: the outline a plan is built from (ids, Steps, answer
// types and bounds, conditions, the Facility Profile, the submission date question) and the plans per version
// and Step, kept in memory (a version never changes once imported).
import type {
  Answer,
  Condition as BankCondition,
  Question,
  QuestionBank,
  Section,
  Subsection,
} from '../../domain/questionBank/model';
import {
  planOf,
  type AnswerSpec,
  type AssessmentPlan,
  type BankOutline,
  type Condition,
  type Step,
} from '../../domain/selfAssessment/plan';

/** Where the self-assessment finds the tool versions (the question bank's use cases). */
export interface QuestionBanks {
  /** The latest version available now: a new self-assessment starts on it. */
  latest(): Promise<QuestionBank>;
  /** A version by its number (`1.4.0`); undefined when there is none. */
  version(version: string): Promise<QuestionBank | undefined>;
}

/** A subsection's key in the plan: its code and its category, e.g. `BAS/Facility`. */
export const subsectionKey = (subsection: Subsection) => `${subsection.code}/${subsection.category.en}`;

/** FP-BAS-26 style: the Facility Profile's date question about the self-assessment's submission. */
export function isSubmissionDateQuestion(section: Section, question: Question): boolean {
  return (
    section.facilityProfile === true &&
    question.answer.type === 'date' &&
    /\bdate of (the )?self-assessment submission\b/i.test(question.text.en)
  );
}

function answerSpec(answer: Answer): AnswerSpec {
  switch (answer.type) {
    case 'number':
      return { type: 'number', unit: answer.unit.en, integer: answer.integer, min: answer.min, max: answer.max };
    case 'singleChoice':
    case 'multipleChoice':
      return { type: answer.type, options: answer.options.map((o) => ({ code: o.code })) };
    default:
      return answer;
  }
}

function conditionOf(condition: BankCondition | undefined): Condition | undefined {
  if (!condition) return undefined;
  if (condition.equals !== undefined)
    return { questionId: condition.questionId, operator: 'equals', value: condition.equals };
  if (condition.includes !== undefined)
    return { questionId: condition.questionId, operator: 'includes', value: condition.includes };
  if (condition.greaterThan !== undefined)
    return { questionId: condition.questionId, operator: 'greaterThan', value: condition.greaterThan };
  return undefined;
}

export function outlineOf(bank: QuestionBank): BankOutline {
  return {
    version: bank.version,
    sections: bank.sections.map((section) => ({
      code: section.code,
      facilityProfile: section.facilityProfile === true,
      subsections: section.subsections.map((subsection) => ({
        key: subsectionKey(subsection),
        questions: subsection.questions.map((q) => ({
          id: q.id,
          step: q.step,
          answer: answerSpec(q.answer),
          condition: conditionOf(q.condition),
          submissionDate: isSubmissionDateQuestion(section, q),
        })),
      })),
    })),
  };
}

/** A version and Step's plan together with the bank it came from (for texts). */
export interface LoadedPlan {
  bank: QuestionBank;
  plan: AssessmentPlan;
  /** The bank's question, section and subsection behind each plan position. */
  questionAt: (index: number) => { section: Section; subsection: Subsection; question: Question };
}

const plans = new WeakMap<QuestionBank, Map<Step, LoadedPlan>>();

/** The plan of a Step of this bank, built once per bank object and Step. */
export function loadedPlan(bank: QuestionBank, step: Step): LoadedPlan {
  let perBank = plans.get(bank);
  if (!perBank) plans.set(bank, (perBank = new Map()));
  const cached = perBank.get(step);
  if (cached) return cached;
  const plan = planOf(outlineOf(bank), step);
  const located = new Map<string, { section: Section; subsection: Subsection; question: Question }>();
  for (const section of bank.sections)
    for (const subsection of section.subsections)
      for (const question of subsection.questions) located.set(question.id, { section, subsection, question });
  const loaded: LoadedPlan = { bank, plan, questionAt: (index) => located.get(plan.questions[index]!.id)! };
  perBank.set(step, loaded);
  return loaded;
}
