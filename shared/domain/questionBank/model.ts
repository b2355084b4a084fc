// A version of the self-assessment question bank, as data ("The question bank"): Steps 1-3 (cumulative),
// sections tagged with the Step they enter at, subsections (each with a category) and their questions.
// Each question also carries the Step it enters at: Step 2 adds section 9 *and* code-of-conduct style
// questions inside sections 2-8, so a section's Step alone cannot say which questions a Step contains.
// The zod schema in shared/schemas/questionBank.ts validates files into exactly these types (checked at
// compile time there).
import type { ComplianceCluster, Language, StepName, StepNumber } from './vocabulary';

/** A text in English and, optionally, its translations; a missing translation falls back to English. */
export type TranslatableText = { en: string } & { [L in Exclude<Language, 'en'>]?: string };

export interface AnswerOption {
  /** Stable across versions and languages: what an answer stores. */
  code: string;
  label: TranslatableText;
}

export type Answer =
  | { type: 'yesNo' }
  | { type: 'number'; unit: TranslatableText; integer: boolean; min?: number; max?: number }
  | { type: 'date' }
  | { type: 'text'; maxLength: number }
  | { type: 'singleChoice'; options: AnswerOption[] }
  | { type: 'multipleChoice'; options: AnswerOption[] };

export type AnswerType = Answer['type'];

/**
 * The question applies only when an earlier question's answer says so: `equals` (yes/no, a single
 * choice's option code, a number), `includes` (an option code of a multiple choice) or `greaterThan`
 * (a number). Exactly one of the three.
 */
export interface Condition {
  questionId: string;
  equals?: boolean | number | string;
  includes?: string;
  greaterThan?: number;
}

/** Where a Step 1 question sits in Better Work's Compliance Assessment Tool (R15). */
export interface Compliance {
  cluster: ComplianceCluster;
  point: string;
}

export interface Question {
  /** SECTION-SUBTOPIC-n, unique in the version. */
  id: string;
  /** The Step the question enters at (at least its section's). */
  step: StepNumber;
  text: TranslatableText;
  answer: Answer;
  guidance: TranslatableText;
  /** Highlighted for the bipartite committee (R12). */
  bipartiteDialogue: boolean;
  /** In the scope of a Virtual Compliance Check (R15); Step 1 questions with a compliance point only. */
  vccScope: boolean;
  /** Required for Step 1 questions outside the Facility Profile. */
  compliance?: Compliance;
  condition?: Condition;
  /** Per country code: guidance on national law; every country with a Law Overlay has an entry. */
  lawOverlay: Record<string, TranslatableText>;
}

export interface Subsection {
  /** The SUBTOPIC of the question ids; several subsections (categories) may share one, e.g. BAS. */
  code: string;
  name: TranslatableText;
  category: TranslatableText;
  questions: Question[];
}

export interface Section {
  number: number;
  /** The SECTION of the question ids, e.g. FP. */
  code: string;
  title: TranslatableText;
  /** The Step the section enters at. */
  step: StepNumber;
  /** The Facility Profile: must be 100 % complete to submit (R13). Exactly one section. */
  facilityProfile?: boolean;
  subsections: Subsection[];
}

export interface StepDefinition {
  step: StepNumber;
  name: StepName;
  title: TranslatableText;
  description: TranslatableText;
}

export interface QuestionBank {
  toolId: 'caf';
  version: string;
  title: TranslatableText;
  publishedOn: string;
  languages: Language[];
  steps: StepDefinition[];
  sections: Section[];
}

/** A problem found in a question bank file: where (a JSON Pointer into the file) and what. */
export interface QuestionBankProblem {
  pointer: string;
  detail: string;
}
