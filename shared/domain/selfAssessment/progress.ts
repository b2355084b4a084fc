// R12, R13: completion of a self-assessment from its compact progress state (which questions are answered,
// and the answers conditions read) and its plan, in memory. A conditional question that does not apply
// drops out of the denominator, and a stored answer of it stops counting until it applies again. Shares
// are exact fractions (answered / applicable); percents are for display only and never decide anything.
// Pure.
import { Bitset } from './bitset';
import type { AnswerValue, AssessmentPlan, Condition, PlanQuestion } from './plan';

/** The compact progress state a self-assessment stores in its header. */
export interface ProgressState {
  /** Bit i: question i of the plan has an answer. */
  answered: Bitset;
  /** The answers of the plan's condition sources, in `plan.conditionSources` order; null: unanswered. */
  conditionValues: readonly (AnswerValue | null)[];
}

/** As stored: the bitset in base64url and the condition sources' answers. */
export interface StoredProgress {
  answered: string;
  conditionValues: (AnswerValue | null)[];
}

export function emptyProgress(plan: AssessmentPlan): ProgressState {
  return { answered: Bitset.empty(plan.questions.length), conditionValues: plan.conditionSources.map(() => null) };
}

export function decodeProgress(plan: AssessmentPlan, stored: StoredProgress): ProgressState {
  if (stored.conditionValues.length !== plan.conditionSources.length) {
    throw new Error(
      `The progress state has ${stored.conditionValues.length} condition values; the plan needs ${plan.conditionSources.length}.`
    );
  }
  return {
    answered: Bitset.decode(stored.answered, plan.questions.length),
    conditionValues: [...stored.conditionValues],
  };
}

export function encodeProgress(state: ProgressState): StoredProgress {
  return { answered: state.answered.encode(), conditionValues: [...state.conditionValues] };
}

/** The state with this question answered (`value`) or cleared (`undefined`). */
export function withAnswer(
  plan: AssessmentPlan,
  state: ProgressState,
  question: PlanQuestion,
  value: AnswerValue | undefined
): ProgressState {
  const conditionValues = [...state.conditionValues];
  if (question.sourceSlot !== undefined) conditionValues[question.sourceSlot] = value === undefined ? null : value;
  return { answered: state.answered.with(question.index, value !== undefined), conditionValues };
}

export function conditionHolds(condition: Condition, value: AnswerValue | null | undefined): boolean {
  if (value === null || value === undefined) return false;
  switch (condition.operator) {
    case 'equals':
      return value === condition.value;
    case 'includes':
      return Array.isArray(value) && value.includes(String(condition.value));
    case 'greaterThan':
      return typeof value === 'number' && typeof condition.value === 'number' && value > condition.value;
  }
}

/**
 * Which questions apply: one without a condition always does; a conditional one when the question it
 * depends on applies (in this Step) and its answer meets the condition. Conditions name earlier questions,
 * so one pass in order settles every question; one naming a later question is settled on demand.
 */
export function applicability(plan: AssessmentPlan, state: ProgressState): boolean[] {
  const result: (boolean | undefined)[] = new Array(plan.questions.length);
  const visiting = new Set<number>();
  const settle = (q: PlanQuestion): boolean => {
    const known = result[q.index];
    if (known !== undefined) return known;
    let applies = true;
    if (q.condition) {
      const source = plan.byId.get(q.condition.questionId);
      if (!source || source.sourceSlot === undefined || visiting.has(q.index)) applies = false;
      else {
        visiting.add(q.index);
        applies = settle(source) && conditionHolds(q.condition, state.conditionValues[source.sourceSlot]);
        visiting.delete(q.index);
      }
    }
    result[q.index] = applies;
    return applies;
  };
  for (const q of plan.questions) settle(q);
  return result as boolean[];
}

/** Answered and applicable questions of a part; `toAnswer` = applicable − answered. */
export interface Tally {
  answered: number;
  applicable: number;
  toAnswer: number;
  /** Display only: rounded down to 0.1, so 94.95 % shows 94.9 and never 95. 100 when nothing applies. */
  completedPercent: number;
  complete: boolean;
}

export function tally(answered: number, applicable: number): Tally {
  return {
    answered,
    applicable,
    toAnswer: applicable - answered,
    completedPercent: applicable === 0 ? 100 : Math.floor((answered * 1000) / applicable) / 10,
    complete: answered === applicable,
  };
}

export interface Progress {
  overall: Tally;
  sections: Tally[];
  subsections: Tally[];
  /** Per question of the plan: does it apply, and does it count as answered (it applies and has an answer)? */
  applies: boolean[];
  counted: boolean[];
}

/** Completion per subsection, per section and overall. */
export function progressOf(plan: AssessmentPlan, state: ProgressState): Progress {
  const applies = applicability(plan, state);
  const counted = applies.map((a, i) => a && state.answered.has(i));
  const count = (first: number, end: number) => {
    let answered = 0;
    let applicable = 0;
    for (let i = first; i < end; i += 1) {
      if (applies[i]) applicable += 1;
      if (counted[i]) answered += 1;
    }
    return tally(answered, applicable);
  };
  return {
    overall: count(0, plan.questions.length),
    sections: plan.sections.map((s) => count(s.first, s.end)),
    subsections: plan.subsections.map((s) => count(s.first, s.end)),
    applies,
    counted,
  };
}

/** R13: the share an assessment must reach before submission, as an exact fraction (95 / 100). */
export const submissionThreshold = { numerator: 95, denominator: 100 } as const;

/** answered / applicable ≥ numerator / denominator, in integers (no rounding: 94.99 % is below 95 %). */
export function reaches(part: Pick<Tally, 'answered' | 'applicable'>, threshold = submissionThreshold): boolean {
  return part.answered * threshold.denominator >= threshold.numerator * part.applicable;
}

export interface SubmissionCheck {
  allowed: boolean;
  overall: Tally;
  facilityProfile: Tally;
  /** Why not, in words. */
  reasons: string[];
  /** The applicable questions still without an answer, in order; Facility Profile ones first. */
  missingFacilityProfile: string[];
  missing: string[];
}

/**
 * R13: submit only at ≥ 95 % overall completion AND with the Facility Profile section 100 % complete
 * (G: F). `progress` is the state the submission would leave (with the submission date filled in).
 */
export function checkSubmission(plan: AssessmentPlan, progress: Progress): SubmissionCheck {
  const fpSections = plan.sections.filter((s) => s.facilityProfile);
  let fpAnswered = 0;
  let fpApplicable = 0;
  for (const s of fpSections) {
    fpAnswered += progress.sections[s.index]!.answered;
    fpApplicable += progress.sections[s.index]!.applicable;
  }
  const facilityProfile = tally(fpAnswered, fpApplicable);
  const missing = plan.questions.filter((q) => progress.applies[q.index] && !progress.counted[q.index]);
  const isFp = (q: PlanQuestion) => plan.sections[q.sectionIndex]!.facilityProfile;
  const reasons: string[] = [];
  if (!reaches(progress.overall)) {
    reasons.push(
      `overall completion is ${progress.overall.completedPercent} % (${progress.overall.answered} of ${progress.overall.applicable}); at least 95 % is needed`
    );
  }
  if (!facilityProfile.complete) {
    reasons.push(
      `the Facility Profile section is ${facilityProfile.completedPercent} % complete (${facilityProfile.answered} of ${facilityProfile.applicable}); it must be 100 %`
    );
  }
  return {
    allowed: reasons.length === 0,
    overall: progress.overall,
    facilityProfile,
    reasons,
    missingFacilityProfile: missing.filter(isFp).map((q) => q.id),
    missing: missing.map((q) => q.id),
  };
}
