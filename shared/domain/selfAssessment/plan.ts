// R11, R12: what a self-assessment answers. A question bank version (the tool) and a Step make a plan: the
// questions of that Step (Steps are cumulative) in the tool's order (sections, subsections, questions), each
// with its position, which is the bit it owns in the self-assessment's progress bitset. The plan only needs
// the few facts progress, navigation and validation use; `planOf` builds it from this minimal outline, and an
// adapter maps the question bank to the outline (shared/app/selfAssessment/bank.ts). Pure.

export const steps = [1, 2, 3] as const;
export type Step = (typeof steps)[number];

/** How a question is answered and the bounds an answer must keep. */
export type AnswerSpec =
  | { type: 'yesNo' }
  | { type: 'number'; unit?: string | undefined; min?: number | undefined; max?: number | undefined; integer?: boolean }
  | { type: 'date' }
  | { type: 'text'; maxLength: number }
  | { type: 'singleChoice'; options: readonly { code: string }[] }
  | { type: 'multipleChoice'; options: readonly { code: string }[] };

export type AnswerType = AnswerSpec['type'];

/** yes/no: boolean; number; date `YYYY-MM-DD` and text: string; single choice: a code; multiple choice: codes. */
export type AnswerValue = boolean | number | string | string[];

/** Shown only when an earlier answer says so: e.g. only where workers under 18 are employed. */
export interface Condition {
  /** The question whose answer decides. */
  questionId: string;
  /** equals: that answer is `value`; includes: a multiple choice answer holds the code `value`; greaterThan: a number above `value`. */
  operator: 'equals' | 'includes' | 'greaterThan';
  value: boolean | number | string;
}

/** The minimal question bank a plan is built from, in the tool's order. */
export interface OutlineQuestion {
  id: string;
  /** The Step the question enters at (1 Essential, 2 Progressive, 3 Advanced). */
  step: Step;
  answer: AnswerSpec;
  condition?: Condition | undefined;
  /** The "date of self-assessment submission" question (FP-BAS-26 style): the platform fills it on submission. */
  submissionDate?: boolean | undefined;
}

export interface OutlineSubsection {
  /** Unique within its section, e.g. `BAS/Facility`. */
  key: string;
  questions: readonly OutlineQuestion[];
}

export interface OutlineSection {
  code: string;
  /** R13: the section that must be 100 % complete before submission. */
  facilityProfile: boolean;
  subsections: readonly OutlineSubsection[];
}

export interface BankOutline {
  version: string;
  sections: readonly OutlineSection[];
}

export interface PlanQuestion {
  id: string;
  /** Its bit in the progress bitset: the position in the Step's order. */
  index: number;
  sectionIndex: number;
  subsectionIndex: number;
  answer: AnswerSpec;
  condition: Condition | undefined;
  /** Index into `AssessmentPlan.conditionSources` when other questions' conditions depend on this one. */
  sourceSlot: number | undefined;
}

export interface PlanSubsection {
  /** Its position among all subsections of the plan. */
  index: number;
  sectionIndex: number;
  key: string;
  /** Question indices [first, end). */
  first: number;
  end: number;
}

export interface PlanSection {
  index: number;
  code: string;
  facilityProfile: boolean;
  /** Subsection indices [firstSubsection, endSubsection); question indices [first, end). */
  firstSubsection: number;
  endSubsection: number;
  first: number;
  end: number;
}

export interface AssessmentPlan {
  version: string;
  step: Step;
  questions: readonly PlanQuestion[];
  sections: readonly PlanSection[];
  subsections: readonly PlanSubsection[];
  /** Question indices whose answers other questions' conditions read; their values live in the progress state. */
  conditionSources: readonly number[];
  /** The submission-date question of the plan (FP-BAS-26 style), if the tool has one. */
  submissionDateIndex: number | undefined;
  byId: ReadonlyMap<string, PlanQuestion>;
}

/** The plan of a Step: its questions in the tool's order; sections and subsections without any are left out. */
export function planOf(outline: BankOutline, step: Step): AssessmentPlan {
  const questions: PlanQuestion[] = [];
  const sections: PlanSection[] = [];
  const subsections: PlanSubsection[] = [];
  let submissionDateIndex: number | undefined;
  for (const section of outline.sections) {
    const sectionStart = questions.length;
    const subsectionStart = subsections.length;
    for (const subsection of section.subsections) {
      const first = questions.length;
      for (const q of subsection.questions) {
        if (q.step > step) continue;
        if (q.submissionDate && submissionDateIndex === undefined) submissionDateIndex = questions.length;
        questions.push({
          id: q.id,
          index: questions.length,
          sectionIndex: sections.length,
          subsectionIndex: subsections.length,
          answer: q.answer,
          condition: q.condition,
          sourceSlot: undefined,
        });
      }
      if (questions.length > first) {
        subsections.push({
          index: subsections.length,
          sectionIndex: sections.length,
          key: subsection.key,
          first,
          end: questions.length,
        });
      }
    }
    if (questions.length > sectionStart) {
      sections.push({
        index: sections.length,
        code: section.code,
        facilityProfile: section.facilityProfile,
        firstSubsection: subsectionStart,
        endSubsection: subsections.length,
        first: sectionStart,
        end: questions.length,
      });
    }
  }
  const byId = new Map(questions.map((q) => [q.id, q]));
  if (byId.size !== questions.length) throw new Error(`The tool ${outline.version} has duplicate question ids.`);
  const sources = new Set<number>();
  for (const q of questions) {
    const source = q.condition ? byId.get(q.condition.questionId) : undefined;
    if (source) sources.add(source.index);
  }
  const conditionSources = [...sources].sort((a, b) => a - b);
  conditionSources.forEach((index, slot) => {
    questions[index]!.sourceSlot = slot;
  });
  return {
    version: outline.version,
    step,
    questions,
    sections,
    subsections,
    conditionSources,
    submissionDateIndex,
    byId,
  };
}
