// R25: the factory's improvement plan for a cycle. It starts when the assessment report is released: every
// non-compliant finding becomes an item (source `assessment`, with its cluster, compliance point and
// question); enterprise advisors add the issues they find later in advisory work (source `advisory`) and mark
// items done. Progress Report 1 (the plan's first update) is due 30 days after the release. Stored as one
// document per cycle beside the factory (container `factories`, partition = country code), so the release
// writes the factory's cycle, the whole plan and the audit event in one transactional batch; each item
// carries its own revision, so an advisor's change is refused (412) only when that item changed since they
// read it. Pure: time is passed in.
import { utcDay } from '../countryProgrammes';
import { addRuleDuration } from '../durations';
import { NotFoundError, PreconditionFailedError, RuleViolationError, ValidationError } from '../errors';
import type { StoredDocument } from '../../ports/documentStore';
import { compliancePoints, type ComplianceCluster } from '../questionBank/vocabulary';
import type { ComplianceAssessmentDocument } from './assessment';
import type { AssessmentReport } from './report';

export function improvementPlanIdOf(cycleId: string): string {
  return `${cycleId}-IP`;
}

/** Keeps a plan document well below Cosmos DB's 2 MB item limit. */
export const maxImprovementItems = 400;
export const improvementText = { title: 200, description: 1000 } as const;

export const improvementStatuses = ['pending', 'done'] as const;
export type ImprovementStatus = (typeof improvementStatuses)[number];

export interface ImprovementItem {
  /** `assessment-<questionId>` or `advisory-<n>`. */
  itemId: string;
  source: 'assessment' | 'advisory';
  cluster: ComplianceCluster | undefined;
  point: string | undefined;
  questionId: string | undefined;
  title: string;
  description: string | undefined;
  status: ImprovementStatus;
  createdAt: string;
  createdBy: string;
  doneAt: string | undefined;
  doneBy: string | undefined;
  /** Counts the item's changes: its ETag (If-Match) is made of it. */
  revision: number;
  updatedAt: string;
}

export interface ImprovementPlanDocument extends StoredDocument {
  type: 'improvementPlan';
  id: string;
  factoryId: string;
  countryCode: string;
  cycleId: string;
  reportId: string;
  releasedAt: string;
  /** Progress Report 1 is due this day: the release + 30 days. */
  progressReport1DueOn: string;
  items: ImprovementItem[];
  /** The number of the last advisory item. */
  advisorySequence: number;
  createdAt: string;
  updatedAt: string;
}

/** R25: Progress Report 1 is due 30 days after the report's release. */
export function progressReport1DueOn(releasedAt: string): string {
  return utcDay(addRuleDuration(new Date(releasedAt), 'progressReportDue'));
}

/** R25: the plan at release: one pending item per non-compliant finding, in the report's order. */
export function planFromReport(input: {
  report: AssessmentReport;
  assessment: ComplianceAssessmentDocument;
  releasedBy: string;
}): ImprovementPlanDocument {
  const { report } = input;
  const at = report.release.releasedAt;
  const items: ImprovementItem[] = report.clusters.flatMap((cluster) =>
    cluster.points.flatMap((point) =>
      point.findings
        .filter((finding) => finding.result === 'nonCompliant')
        .map((finding): ImprovementItem => ({
          itemId: `assessment-${finding.questionId}`,
          source: 'assessment',
          cluster: cluster.cluster,
          point: point.point,
          questionId: finding.questionId,
          title: finding.question.slice(0, improvementText.title),
          description: finding.notes?.slice(0, improvementText.description) ?? undefined,
          status: 'pending',
          createdAt: at,
          createdBy: input.releasedBy,
          doneAt: undefined,
          doneBy: undefined,
          revision: 1,
          updatedAt: at,
        }))
    )
  );
  return {
    id: improvementPlanIdOf(report.cycle.cycleId),
    type: 'improvementPlan',
    factoryId: report.factory.factoryId,
    countryCode: report.factory.countryCode,
    cycleId: report.cycle.cycleId,
    reportId: report.reportId,
    releasedAt: at,
    progressReport1DueOn: progressReport1DueOn(at),
    items,
    advisorySequence: 0,
    createdAt: at,
    updatedAt: at,
  };
}

export interface AdvisoryItemInput {
  title: string;
  description?: string | undefined;
  cluster?: ComplianceCluster | undefined;
  point?: string | undefined;
}

/** R25: an issue found in advisory work joins the plan as a pending item. */
export function addAdvisoryItem(
  plan: ImprovementPlanDocument,
  input: AdvisoryItemInput,
  by: { userId: string; now: string }
): { plan: ImprovementPlanDocument; item: ImprovementItem } {
  if (plan.items.length >= maxImprovementItems) {
    throw new RuleViolationError(
      'R25',
      `The improvement plan of cycle ${plan.cycleId} holds ${maxImprovementItems} items, the most it can; mark items done in a new plan instead.`
    );
  }
  if (input.point !== undefined) {
    const points: readonly string[] = input.cluster ? compliancePoints[input.cluster] : [];
    if (!points.includes(input.point)) {
      throw new ValidationError('The item is not valid.', [
        {
          pointer: '/point',
          detail: input.cluster ? `is not a compliance point of ${input.cluster}` : 'needs its cluster',
        },
      ]);
    }
  }
  const sequence = plan.advisorySequence + 1;
  const description = input.description?.trim() ? input.description : undefined;
  const item: ImprovementItem = {
    itemId: `advisory-${sequence}`,
    source: 'advisory',
    cluster: input.cluster,
    point: input.point,
    questionId: undefined,
    title: input.title,
    description,
    status: 'pending',
    createdAt: by.now,
    createdBy: by.userId,
    doneAt: undefined,
    doneBy: undefined,
    revision: 1,
    updatedAt: by.now,
  };
  return {
    plan: { ...plan, items: [...plan.items, item], advisorySequence: sequence, updatedAt: by.now },
    item,
  };
}

/** An item's ETag: a strong validator that changes with each change of the item (not of the others). */
export function itemEtag(item: ImprovementItem): string {
  return `"${item.itemId}.r${item.revision}"`;
}

function matches(ifMatch: string, item: ImprovementItem): boolean {
  const tag = itemEtag(item);
  return ifMatch
    .split(',')
    .map((part) => part.trim())
    .some((part) => part === '*' || part === tag || part === tag.slice(1, -1));
}

/**
 * R25: an advisor marks an item done (or pending again). The caller must send the item's ETag (If-Match): a
 * missing or stale one is refused (412), so two advisors never overwrite each other unknowingly. Setting the
 * status it already has changes nothing.
 */
export function setItemStatus(
  plan: ImprovementPlanDocument,
  itemId: string,
  status: ImprovementStatus,
  ifMatch: string | undefined,
  by: { userId: string; now: string }
): { plan: ImprovementPlanDocument; item: ImprovementItem; changed: boolean } {
  const item = plan.items.find((i) => i.itemId === itemId);
  if (!item) throw new NotFoundError(`The improvement plan of cycle ${plan.cycleId} has no item ${itemId}.`);
  if (ifMatch === undefined || ifMatch.trim() === '') {
    throw new PreconditionFailedError(
      'Changing an improvement item needs the version you read: send If-Match with the ETag of the item.'
    );
  }
  if (!matches(ifMatch, item)) {
    throw new PreconditionFailedError(
      `Item ${itemId} was changed since you read it (If-Match does not match its ETag ${itemEtag(item)}); read it again and retry.`
    );
  }
  if (item.status === status) return { plan, item, changed: false };
  const updated: ImprovementItem = {
    ...item,
    status,
    doneAt: status === 'done' ? by.now : undefined,
    doneBy: status === 'done' ? by.userId : undefined,
    revision: item.revision + 1,
    updatedAt: by.now,
  };
  return {
    plan: { ...plan, items: plan.items.map((i) => (i.itemId === itemId ? updated : i)), updatedAt: by.now },
    item: updated,
    changed: true,
  };
}

/** R24, R25: the dashboard's improvement activities: items done and still pending. */
export function improvementCounts(plan: Pick<ImprovementPlanDocument, 'items'> | undefined): {
  completed: number;
  pending: number;
} {
  const items = plan?.items ?? [];
  const completed = items.filter((i) => i.status === 'done').length;
  return { completed, pending: items.length - completed };
}
