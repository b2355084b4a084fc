// R12: previous / next / next unanswered within the Step's order, skipping the questions that do not
// apply, and a question's position in its subsection. Pure.
import type { AssessmentPlan, PlanQuestion } from './plan';
import type { Progress } from './progress';

export interface Navigation {
  previous: string | null;
  next: string | null;
  /** The first applicable question without an answer after this one, wrapping round to the start; null when none is left. */
  nextUnanswered: string | null;
  /** n of m among the applicable questions of its subsection; null when the question itself does not apply. */
  position: { n: number; of: number } | null;
}

function scan(plan: AssessmentPlan, from: number, step: 1 | -1, accept: (i: number) => boolean): string | null {
  for (let i = from + step; i >= 0 && i < plan.questions.length; i += step) if (accept(i)) return plan.questions[i]!.id;
  return null;
}

/** The next applicable unanswered question after `after` (−1: from the start), wrapping round; null when none. */
export function nextUnanswered(plan: AssessmentPlan, progress: Progress, after = -1): string | null {
  const open = (i: number) => progress.applies[i]! && !progress.counted[i]!;
  return scan(plan, after, 1, open) ?? scan(plan, -1, 1, (i) => i <= after && open(i));
}

export function navigationOf(plan: AssessmentPlan, progress: Progress, question: PlanQuestion): Navigation {
  const applies = (i: number) => progress.applies[i]!;
  const subsection = plan.subsections[question.subsectionIndex]!;
  let n = 0;
  let of = 0;
  for (let i = subsection.first; i < subsection.end; i += 1) {
    if (!applies(i)) continue;
    of += 1;
    if (i <= question.index) n += 1;
  }
  return {
    previous: scan(plan, question.index, -1, applies),
    next: scan(plan, question.index, 1, applies),
    nextUnanswered: nextUnanswered(plan, progress, question.index),
    position: applies(question.index) ? { n, of } : null,
  };
}
