// Better Work's side of the cycle: the compliance assessment (R15, R14), the report release (R16, R21) and the
// improvement plan (R25): request and response schemas, and the mapping of the domain to the responses.
import { z } from '../http/openapi';
import type { CompletedAssessment, ReadAssessment, RecordedFindings } from '../app/compliance/assessments';
import type { ChangedItem, LoadedPlan } from '../app/compliance/improvementPlans';
import type { ReleasedReport, ReportListing } from '../app/compliance/reports';
import {
  assessorCount,
  coverageOf,
  findingNotesMaxLength,
  findingResults,
  talliesByCluster,
} from '../domain/compliance/assessment';
import {
  improvementCounts,
  improvementStatuses,
  improvementText,
  itemEtag,
  maxImprovementItems,
  type ImprovementItem,
} from '../domain/compliance/improvementPlan';
import { releaseTiming } from '../domain/compliance/report';
import { assessmentMethodNames, assessmentMethods, inScope } from '../domain/compliance/scope';
import { localise } from '../domain/questionBank/questionBank';
import { complianceClusters, type Language } from '../domain/questionBank/vocabulary';
import { closedObject } from './enrolment';
import { cycleParams } from './selfAssessment';

const calendarDate = z.iso.date({ error: 'must be a date YYYY-MM-DD' });
const method = z
  .enum(assessmentMethods)
  .openapi({ description: 'visit: an unannounced assessment visit; vcc: a Virtual Compliance Check (R15)' });
const result = z.enum(findingResults);
const notes = z
  .string()
  .max(findingNotesMaxLength, `must be at most ${findingNotesMaxLength} characters`)
  .openapi({ description: 'What was found; required for a non-compliant finding' });

// ---------------------------------------------------------------------------------------------------
// Path and bodies
// ---------------------------------------------------------------------------------------------------

export { cycleParams };
export const findingParams = cycleParams.extend({
  questionId: z.string().min(1).max(32).openapi({ example: 'WH-OVT-3' }),
});
export const itemParams = cycleParams.extend({
  itemId: z.string().min(1).max(64).openapi({ example: 'assessment-WH-OVT-3' }),
});

export const createAssessmentBody = closedObject({
  method,
  firstDay: calendarDate,
  lastDay: calendarDate,
  assessors: z.array(z.string().min(1).max(64)).min(assessorCount.min).max(assessorCount.max).optional().openapi({
    description:
      'User ids of the assessors, Better Work people of the factory\u2019s country programme; the caller when absent',
  }),
});

export const findingBody = closedObject({ result, notes: notes.optional() });

/** Every finding of a whole assessment fits one request (a few hundred entries). */
export const maxFindingsPerRequest = 400;
export const findingsBody = closedObject({
  findings: z
    .array(closedObject({ questionId: z.string().min(1).max(32), result, notes: notes.optional() }))
    .min(1)
    .max(maxFindingsPerRequest),
});
/** The body limit of the batch: every finding of an assessment with notes written in full. */
export const findingsMaxBodyBytes = 768 * 1024;

export const addItemBody = closedObject({
  title: z.string().trim().min(3).max(improvementText.title),
  description: z.string().max(improvementText.description).optional(),
  cluster: z.enum(complianceClusters).optional(),
  point: z.string().min(1).max(100).optional().openapi({ description: 'A compliance point of the cluster' }),
});

export const itemStatusBody = closedObject({
  status: z.enum(improvementStatuses).openapi({ description: 'done, or pending again' }),
});

// ---------------------------------------------------------------------------------------------------
// The assessment (R15, R14)
// ---------------------------------------------------------------------------------------------------

const tally = z.object({
  inScope: z.number().int(),
  recorded: z.number().int(),
  missing: z.number().int(),
  nonCompliant: z.number().int(),
});

const storedFinding = z.object({
  result,
  notes: z.string().nullable(),
  recordedAt: z.string(),
  recordedBy: z.string(),
});

const releaseTimingView = z
  .object({
    deadline: calendarDate.openapi({ description: 'R16: the assessment\u2019s last day + 28 days' }),
    releasedAt: z.string().nullable(),
    late: z.boolean().nullable().openapi({ description: 'Released after the deadline; null until released' }),
    overdue: z.boolean().openapi({ description: 'Not released and the deadline has passed' }),
  })
  .openapi('ReleaseTiming');

const timingView = z
  .object({
    assessmentStartsAt: z.string(),
    sharingWish: z.object({
      requestedAt: z.string().nullable(),
      effectiveForCycle: z.boolean(),
      reachedBeforeAssessment: z.boolean(),
    }),
    selfAssessment: z.object({
      selfAssessmentId: z.string().nullable(),
      status: z.enum(['notStarted', 'open', 'submitted']),
      submittedAt: z.string().nullable(),
      reachedBeforeAssessment: z.boolean(),
    }),
    recordedAt: z.string(),
  })
  .openapi('AssessmentTiming', {
    description:
      'R14: whether the wish to share and the submitted self-assessment reached Better Work before the assessment (taken at creation, again at completion)',
  });

export const assessmentView = z
  .object({
    assessmentId: z.string(),
    factoryId: z.string(),
    cycleId: z.string(),
    toolVersion: z.string(),
    method,
    methodName: z.string(),
    firstDay: calendarDate,
    lastDay: calendarDate,
    assessors: z.array(z.string()),
    status: z.enum(['inProgress', 'completed']),
    createdAt: z.string(),
    createdBy: z.string(),
    completedAt: z.string().nullable(),
    completedBy: z.string().nullable(),
    updatedAt: z.string(),
    lang: z.string(),
    coverage: tally.extend({ complete: z.boolean() }),
    timing: timingView,
    selfAssessment: z
      .object({
        selfAssessmentId: z.string(),
        status: z.enum(['open', 'submitted']),
        submittedAt: z.string().nullable(),
        href: z.string(),
      })
      .nullable()
      .openapi({
        description:
          'The factory\u2019s self-assessment, to read (not to verify: the findings are Better Work\u2019s own, R15)',
      }),
    release: releaseTimingView.nullable().openapi({ description: 'R16, once the assessment is completed' }),
    clusters: z.array(
      tally.extend({
        cluster: z.string(),
        points: z.array(
          tally.extend({
            point: z.string(),
            questions: z.array(
              z.object({ questionId: z.string(), text: z.string(), finding: storedFinding.nullable() })
            ),
          })
        ),
      })
    ),
  })
  .openapi('ComplianceAssessment');

export function toAssessmentView(loaded: ReadAssessment, lang: Language, now: Date): z.infer<typeof assessmentView> {
  const { doc, outline, cycle } = loaded;
  const coverage = coverageOf(doc, outline);
  const tallies = new Map(talliesByCluster(doc, outline).map((c) => [c.cluster, c]));
  const sa = loaded.selfAssessment;
  return {
    assessmentId: doc.assessmentId,
    factoryId: doc.factoryId,
    cycleId: doc.cycleId,
    toolVersion: doc.toolVersion,
    method: doc.method,
    methodName: assessmentMethodNames[doc.method],
    firstDay: doc.firstDay,
    lastDay: doc.lastDay,
    assessors: [...doc.assessorUserIds],
    status: doc.status,
    createdAt: doc.createdAt,
    createdBy: doc.createdBy,
    completedAt: doc.completedAt ?? null,
    completedBy: doc.completedBy ?? null,
    updatedAt: doc.updatedAt,
    lang,
    coverage: {
      inScope: coverage.inScope,
      recorded: coverage.recorded,
      missing: coverage.missing,
      nonCompliant: coverage.nonCompliant,
      complete: coverage.missing === 0,
    },
    timing: doc.timing,
    selfAssessment: sa
      ? {
          selfAssessmentId: sa.selfAssessmentId,
          status: sa.status,
          submittedAt: sa.submittedAt ?? null,
          href: `/api/self-assessments/${sa.selfAssessmentId}`,
        }
      : null,
    release: cycle.assessment ? releaseTiming(cycle.assessment.lastDay, cycle.report?.releasedAt, now) : null,
    clusters: outline.clusters
      .filter(({ cluster }) => tallies.has(cluster))
      .map(({ cluster, points }) => {
        const t = tallies.get(cluster)!;
        const pointTallies = new Map(t.points.map((p) => [p.point, p]));
        return {
          cluster,
          ...t.tally,
          points: points
            .filter(({ point }) => pointTallies.has(point))
            .map(({ point, questions }) => ({
              ...pointTallies.get(point)!,
              questions: questions
                .filter((q) => inScope(q, doc.method))
                .map((q) => {
                  const finding = doc.findings[q.id];
                  return {
                    questionId: q.id,
                    text: localise(q.text, lang),
                    finding: finding
                      ? {
                          result: finding.result,
                          notes: finding.notes ?? null,
                          recordedAt: finding.recordedAt,
                          recordedBy: finding.recordedBy,
                        }
                      : null,
                  };
                }),
            })),
        };
      }),
  };
}

export const findingsOutcomeView = z
  .object({
    assessmentId: z.string(),
    changed: z.number().int().openapi({ description: 'Findings that changed (a repeat changes nothing)' }),
    coverage: tally.extend({ complete: z.boolean() }),
  })
  .openapi('FindingsRecorded');

export function toFindingsOutcomeView(recorded: RecordedFindings): z.infer<typeof findingsOutcomeView> {
  const coverage = coverageOf(recorded.doc, recorded.outline);
  return {
    assessmentId: recorded.doc.assessmentId,
    changed: recorded.changed,
    coverage: {
      inScope: coverage.inScope,
      recorded: coverage.recorded,
      missing: coverage.missing,
      nonCompliant: coverage.nonCompliant,
      complete: coverage.missing === 0,
    },
  };
}

export const completedAssessmentView = z
  .object({
    assessmentId: z.string(),
    factoryId: z.string(),
    cycleId: z.string(),
    method,
    lastDay: calendarDate,
    completedAt: z.string(),
    completedBy: z.string(),
    release: releaseTimingView,
    changed: z.boolean().openapi({ description: 'False when it was already completed (nothing changed)' }),
  })
  .openapi('CompletedAssessment');

export function toCompletedAssessmentView(
  completed: CompletedAssessment,
  now: Date
): z.infer<typeof completedAssessmentView> {
  const { doc, cycle } = completed;
  return {
    assessmentId: doc.assessmentId,
    factoryId: doc.factoryId,
    cycleId: doc.cycleId,
    method: doc.method,
    lastDay: doc.lastDay,
    completedAt: doc.completedAt!,
    completedBy: doc.completedBy!,
    release: releaseTiming(doc.lastDay, cycle.report?.releasedAt, now),
    changed: completed.changed,
  };
}

// ---------------------------------------------------------------------------------------------------
// The report (R16, R21): strict schemas, so a field that does not belong (an SLCP one) fails loudly
// ---------------------------------------------------------------------------------------------------

export const reportView = z
  .strictObject({
    reportId: z.string(),
    title: z.string(),
    factory: z.strictObject({ factoryId: z.string(), name: z.string(), address: z.string(), countryCode: z.string() }),
    cycle: z.strictObject({ cycleId: z.string(), startsOn: calendarDate, endsOn: calendarDate }),
    assessment: z.strictObject({
      method,
      methodName: z.string(),
      firstDay: calendarDate,
      lastDay: calendarDate,
      coverage: z.string(),
    }),
    release: z.strictObject({ releasedAt: z.string(), deadline: calendarDate, late: z.boolean() }),
    summary: z.strictObject({
      assessed: z.number().int(),
      compliant: z.number().int(),
      nonCompliant: z.number().int(),
      clustersWithNonCompliance: z.number().int(),
    }),
    clusters: z.array(
      z.strictObject({
        cluster: z.string(),
        assessed: z.number().int(),
        nonCompliant: z.number().int(),
        points: z.array(
          z.strictObject({
            point: z.string(),
            assessed: z.number().int(),
            nonCompliant: z.number().int(),
            findings: z.array(
              z.strictObject({ questionId: z.string(), question: z.string(), result, notes: z.string().nullable() })
            ),
          })
        ),
      })
    ),
  })
  .openapi('AssessmentReport', {
    description: 'R16, R21: every finding combined, with no Better Work / SLCP distinction and no SLCP participation',
  });

export const reportPage = z.string().openapi({ description: 'The report as an HTML page (text/html)' });

const reportLinks = (factoryId: string, cycleId: string) => {
  const base = `/api/factories/${factoryId}/cycles/${cycleId}/report`;
  return { json: base, html: `${base}/html` };
};

export const reportListView = z
  .strictObject({
    factoryId: z.string(),
    reports: z.array(
      z.strictObject({
        title: z.string(),
        cycleId: z.string(),
        reportId: z.string(),
        releasedAt: z.string(),
        links: z.strictObject({ json: z.string(), html: z.string() }),
      })
    ),
  })
  .openapi('AssessmentReports');

export function toReportListView(listed: {
  factoryId: string;
  reports: ReportListing[];
}): z.infer<typeof reportListView> {
  return {
    factoryId: listed.factoryId,
    reports: listed.reports.map((r) => ({ ...r, links: reportLinks(listed.factoryId, r.cycleId) })),
  };
}

export const releasedReportView = z
  .object({
    factoryId: z.string(),
    cycleId: z.string(),
    reportId: z.string(),
    releasedAt: z.string(),
    releasedBy: z.string(),
    release: releaseTimingView,
    improvementPlan: z.object({
      completed: z.number().int(),
      pending: z.number().int(),
      progressReport1DueOn: calendarDate.openapi({ description: 'R25: the release + 30 days' }),
    }),
    links: z.object({ json: z.string(), html: z.string(), improvementPlan: z.string() }),
    changed: z.boolean().openapi({ description: 'False when it was already released (nothing changed)' }),
  })
  .openapi('ReleasedReport');

export function toReleasedReportView(released: ReleasedReport): z.infer<typeof releasedReportView> {
  const { factory, cycle, report } = released;
  return {
    factoryId: factory.factoryId,
    cycleId: cycle.cycleId,
    reportId: report.reportId,
    releasedAt: report.releasedAt,
    releasedBy: report.releasedBy,
    release: released.timing,
    improvementPlan: { ...released.improvementItems, progressReport1DueOn: released.progressReport1DueOn },
    links: {
      ...reportLinks(factory.factoryId, cycle.cycleId),
      improvementPlan: `/api/factories/${factory.factoryId}/cycles/${cycle.cycleId}/improvement-plan`,
    },
    changed: released.changed,
  };
}

// ---------------------------------------------------------------------------------------------------
// The improvement plan (R25)
// ---------------------------------------------------------------------------------------------------

export const improvementItemView = z
  .object({
    itemId: z.string(),
    etag: z.string().openapi({ description: 'Send it as If-Match to change the item' }),
    source: z.enum(['assessment', 'advisory']),
    cluster: z.string().nullable(),
    point: z.string().nullable(),
    questionId: z.string().nullable(),
    title: z.string(),
    description: z.string().nullable(),
    status: z.enum(improvementStatuses),
    createdAt: z.string(),
    createdBy: z.string(),
    doneAt: z.string().nullable(),
    doneBy: z.string().nullable(),
    updatedAt: z.string(),
  })
  .openapi('ImprovementItem');

export function toItemView(item: ImprovementItem): z.infer<typeof improvementItemView> {
  return {
    itemId: item.itemId,
    etag: itemEtag(item),
    source: item.source,
    cluster: item.cluster ?? null,
    point: item.point ?? null,
    questionId: item.questionId ?? null,
    title: item.title,
    description: item.description ?? null,
    status: item.status,
    createdAt: item.createdAt,
    createdBy: item.createdBy,
    doneAt: item.doneAt ?? null,
    doneBy: item.doneBy ?? null,
    updatedAt: item.updatedAt,
  };
}

export const improvementPlanView = z
  .object({
    factoryId: z.string(),
    cycleId: z.string(),
    reportId: z.string(),
    releasedAt: z.string(),
    progressReport1DueOn: calendarDate.openapi({ description: 'R25: Progress Report 1 is due 30 days after release' }),
    counts: z.object({ completed: z.number().int(), pending: z.number().int() }),
    maxItems: z.number().int(),
    items: z.array(improvementItemView),
  })
  .openapi('ImprovementPlan');

export function toImprovementPlanView(loaded: LoadedPlan): z.infer<typeof improvementPlanView> {
  const { plan } = loaded;
  return {
    factoryId: plan.factoryId,
    cycleId: plan.cycleId,
    reportId: plan.reportId,
    releasedAt: plan.releasedAt,
    progressReport1DueOn: plan.progressReport1DueOn,
    counts: improvementCounts(plan),
    maxItems: maxImprovementItems,
    items: plan.items.map(toItemView),
  };
}

export const changedItemView = improvementItemView
  .extend({
    changed: z.boolean().openapi({ description: 'False when the item already had that status' }),
    counts: z.object({ completed: z.number().int(), pending: z.number().int() }),
  })
  .openapi('ChangedImprovementItem');

export function toChangedItemView(changed: ChangedItem): z.infer<typeof changedItemView> {
  return { ...toItemView(changed.item), changed: changed.changed, counts: improvementCounts(changed.plan) };
}
