// R15: what Better Work's compliance assessment covers. Each Step 1 question outside the Facility Profile maps
// to one of the 8 clusters of the Compliance Assessment Tool and one of its compliance points (the question
// bank carries the mapping); an unannounced visit covers all of them, a Virtual Compliance Check (VCC) only
// the questions flagged as in VCC scope. Pure.
import type { Question, QuestionBank, TranslatableText } from '../questionBank/model';
import { complianceClusters, compliancePoints, type ComplianceCluster } from '../questionBank/vocabulary';

/** How Better Work assesses: an unannounced visit, or a Virtual Compliance Check where travel is impossible (R15). */
export const assessmentMethods = ['visit', 'vcc'] as const;
export type AssessmentMethod = (typeof assessmentMethods)[number];

export const assessmentMethodNames: Record<AssessmentMethod, string> = {
  visit: 'Unannounced assessment visit',
  vcc: 'Virtual Compliance Check',
};

/** A Step 1 question as the compliance assessment sees it. */
export interface ComplianceQuestion {
  id: string;
  cluster: ComplianceCluster;
  point: string;
  vccScope: boolean;
  text: TranslatableText;
  /** Its position among the compliance questions of the tool (bank order). */
  index: number;
}

/** The compliance questions of a tool version, in the order of the Compliance Assessment Tool. */
export interface ComplianceOutline {
  version: string;
  /** Every compliance question, by id. */
  byId: ReadonlyMap<string, ComplianceQuestion>;
  /** Step 1 questions that map to no compliance point (the Facility Profile): never assessed. */
  notAssessed: ReadonlySet<string>;
  /** Clusters in the tool's order, each with its points in the tool's order and their questions in bank order. */
  clusters: { cluster: ComplianceCluster; points: { point: string; questions: ComplianceQuestion[] }[] }[];
}

const outlines = new WeakMap<QuestionBank, ComplianceOutline>();

/** The compliance outline of a tool version (built once per bank object). */
export function complianceOutline(bank: QuestionBank): ComplianceOutline {
  const cached = outlines.get(bank);
  if (cached) return cached;
  const byId = new Map<string, ComplianceQuestion>();
  const notAssessed = new Set<string>();
  const all: ComplianceQuestion[] = [];
  for (const section of bank.sections)
    for (const subsection of section.subsections)
      for (const question of subsection.questions) {
        if (question.step !== 1) continue;
        const placed = complianceQuestionOf(question, all.length);
        if (!placed) {
          notAssessed.add(question.id);
          continue;
        }
        all.push(placed);
        byId.set(placed.id, placed);
      }
  const clusters = complianceClusters.map((cluster) => {
    const known = compliancePoints[cluster] as readonly string[];
    const points = known
      .map((point) => ({ point, questions: all.filter((q) => q.cluster === cluster && q.point === point) }))
      .filter((p) => p.questions.length > 0);
    return { cluster, points };
  });
  const outline: ComplianceOutline = { version: bank.version, byId, notAssessed, clusters };
  outlines.set(bank, outline);
  return outline;
}

function complianceQuestionOf(question: Question, index: number): ComplianceQuestion | undefined {
  if (!question.compliance) return undefined;
  return {
    id: question.id,
    cluster: question.compliance.cluster,
    point: question.compliance.point,
    vccScope: question.vccScope,
    text: question.text,
    index,
  };
}

/** R15: whether a question is in the scope of an assessment by this method. */
export function inScope(question: ComplianceQuestion, method: AssessmentMethod): boolean {
  return method === 'visit' || question.vccScope;
}

/** R15: the questions an assessment by this method covers, in the tool's order. */
export function scopeOf(outline: ComplianceOutline, method: AssessmentMethod): ComplianceQuestion[] {
  return outline.clusters.flatMap((c) => c.points.flatMap((p) => p.questions.filter((q) => inScope(q, method))));
}
