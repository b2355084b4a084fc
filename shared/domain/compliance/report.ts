// R16, R21: the assessment report. Released by Better Work staff once the assessment is completed, within 28
// days after its last day (the deadline and whether the release was late are shown). It combines every finding
// of the assessment in one report, organised by cluster and compliance point, with no distinction between
// Better Work and SLCP and nothing that tells whether the factory shares via SLCP (R21): its content depends
// only on the factory's name and address, the cycle, the assessment and its findings. Pure.
import { utcDay } from '../countryProgrammes';
import { addRuleDuration } from '../durations';
import { RuleViolationError } from '../errors';
import type { CycleEntry, FactoryDocument } from '../factory/factory';
import { localise } from '../questionBank/questionBank';
import type { ComplianceCluster } from '../questionBank/vocabulary';
import type { ComplianceAssessmentDocument, FindingResult } from './assessment';
import { assessmentMethodNames, inScope, type AssessmentMethod, type ComplianceOutline } from './scope';

export const reportTitle = 'Better Work compliance assessment report';

/** `${cycleId}-R${suffix}`: a new id per release attempt, so a lost race never overwrites the winner's files. */
export function reportIdOf(cycleId: string, suffix: string): string {
  return `${cycleId}-R${suffix}`;
}

export type ReportFormat = 'json' | 'html';

/** Where a report's files are kept in the `reports` container: under the factory and the cycle. */
export function reportFileName(factoryId: string, cycleId: string, reportId: string, format: ReportFormat): string {
  return `${factoryId}/${cycleId}/${reportId}.${format}`;
}

/** R16: the last day to release the report: the assessment's last day plus 28 days. */
export function releaseDeadlineOf(lastDay: string): string {
  return utcDay(addRuleDuration(new Date(`${lastDay}T00:00:00Z`), 'releaseDeadline'));
}

export interface ReleaseTiming {
  /** R16: the assessment's last day + 28 days. */
  deadline: string;
  releasedAt: string | null;
  /** Whether it was released after the deadline; null until it is released. */
  late: boolean | null;
  /** Not released and the deadline has passed. */
  overdue: boolean;
}

/** R16: the release deadline of a completed assessment and how the release kept it. */
export function releaseTiming(lastDay: string, releasedAt: string | undefined, now: Date): ReleaseTiming {
  const deadline = releaseDeadlineOf(lastDay);
  return {
    deadline,
    releasedAt: releasedAt ?? null,
    late: releasedAt === undefined ? null : utcDay(new Date(releasedAt)) > deadline,
    overdue: releasedAt === undefined && utcDay(now) > deadline,
  };
}

/** R16: the report is released only after the assessment is completed. */
export function assertReleasable(cycle: CycleEntry): NonNullable<CycleEntry['assessment']> {
  if (!cycle.assessment) {
    throw new RuleViolationError(
      'R16',
      `The report of cycle ${cycle.cycleId} is released after Better Work has completed its compliance assessment; it is not completed yet.`
    );
  }
  return cycle.assessment;
}

export interface ReportFinding {
  questionId: string;
  question: string;
  result: FindingResult;
  notes: string | null;
}

export interface ReportPoint {
  point: string;
  assessed: number;
  nonCompliant: number;
  findings: ReportFinding[];
}

export interface ReportCluster {
  cluster: ComplianceCluster;
  assessed: number;
  nonCompliant: number;
  points: ReportPoint[];
}

/** The report as stored (JSON) and served; the HTML page is rendered from it. */
export interface AssessmentReport {
  reportId: string;
  title: string;
  factory: { factoryId: string; name: string; address: string; countryCode: string };
  cycle: { cycleId: string; startsOn: string; endsOn: string };
  assessment: {
    method: AssessmentMethod;
    methodName: string;
    firstDay: string;
    lastDay: string;
    /** What the assessment covered: every compliance question, or a VCC's subset. */
    coverage: string;
  };
  release: { releasedAt: string; deadline: string; late: boolean };
  summary: { assessed: number; compliant: number; nonCompliant: number; clustersWithNonCompliance: number };
  clusters: ReportCluster[];
}

/**
 * R16, R21: the report of a completed assessment, every finding combined, in the Compliance Assessment Tool's
 * order. Question texts are in English, the language of Better Work's reports.
 */
export function buildReport(input: {
  reportId: string;
  factory: Pick<FactoryDocument, 'factoryId' | 'name' | 'address' | 'countryCode'>;
  cycle: Pick<CycleEntry, 'cycleId' | 'startsOn' | 'endsOn'>;
  assessment: ComplianceAssessmentDocument;
  outline: ComplianceOutline;
  releasedAt: string;
}): AssessmentReport {
  const { assessment, outline } = input;
  const clusters: ReportCluster[] = outline.clusters
    .map(({ cluster, points }) => {
      const reportPoints = points
        .map(({ point, questions }): ReportPoint => {
          const findings = questions
            .filter((q) => inScope(q, assessment.method) && assessment.findings[q.id])
            .map((q): ReportFinding => {
              const finding = assessment.findings[q.id]!;
              return {
                questionId: q.id,
                question: localise(q.text, 'en'),
                result: finding.result,
                notes: finding.notes ?? null,
              };
            });
          return {
            point,
            assessed: findings.length,
            nonCompliant: findings.filter((f) => f.result === 'nonCompliant').length,
            findings,
          };
        })
        .filter((p) => p.assessed > 0);
      return {
        cluster,
        assessed: reportPoints.reduce((n, p) => n + p.assessed, 0),
        nonCompliant: reportPoints.reduce((n, p) => n + p.nonCompliant, 0),
        points: reportPoints,
      };
    })
    .filter((c) => c.assessed > 0);
  const assessed = clusters.reduce((n, c) => n + c.assessed, 0);
  const nonCompliant = clusters.reduce((n, c) => n + c.nonCompliant, 0);
  const timing = releaseTiming(assessment.lastDay, input.releasedAt, new Date(input.releasedAt));
  return {
    reportId: input.reportId,
    title: reportTitle,
    factory: {
      factoryId: input.factory.factoryId,
      name: input.factory.name,
      address: input.factory.address,
      countryCode: input.factory.countryCode,
    },
    cycle: { cycleId: input.cycle.cycleId, startsOn: input.cycle.startsOn, endsOn: input.cycle.endsOn },
    assessment: {
      method: assessment.method,
      methodName: assessmentMethodNames[assessment.method],
      firstDay: assessment.firstDay,
      lastDay: assessment.lastDay,
      coverage:
        assessment.method === 'vcc'
          ? 'The questions of each compliance cluster that can be verified remotely (Virtual Compliance Check scope)'
          : 'Every compliance question of the eight compliance clusters',
    },
    release: { releasedAt: input.releasedAt, deadline: timing.deadline, late: timing.late === true },
    summary: {
      assessed,
      compliant: assessed - nonCompliant,
      nonCompliant,
      clustersWithNonCompliance: clusters.filter((c) => c.nonCompliant > 0).length,
    },
    clusters,
  };
}
