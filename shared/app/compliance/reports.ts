// R16, R21, R25 use cases: Better Work staff of the factory's country (registration staff, assessors) or an
// administrator release the report of a completed assessment; whoever may read the factory's reports (its
// managers, Better Work, subscribed brands) reads it as JSON or as an HTML page, and lists the factory's
// released reports. Releasing stores the report in blob storage (JSON and HTML, create-only), then writes
// `cycle.report`, the improvement plan made of the non-compliant findings (R25), the audit event and the
// managers' notification in one batch, and wakes the cycle's timeline (`reportReleased`). Idempotent: a cycle
// has one report.
import { createHash, randomInt } from 'node:crypto';
import type { Principal } from '../../domain/access/roles';
import { NotFoundError, RuleViolationError } from '../../domain/errors';
import type { CycleEntry, FactoryDocument } from '../../domain/factory/factory';
import { assessmentIdOf, type ComplianceAssessmentDocument } from '../../domain/compliance/assessment';
import {
  improvementCounts,
  improvementPlanIdOf,
  planFromReport,
  progressReport1DueOn,
  type ImprovementPlanDocument,
} from '../../domain/compliance/improvementPlan';
import {
  assertReleasable,
  buildReport,
  releaseTiming,
  reportFileName,
  reportIdOf,
  reportTitle,
  type AssessmentReport,
  type ReleaseTiming,
} from '../../domain/compliance/report';
import { renderReportHtml, reportPageSecurityPolicy, styleSheetOf } from '../../domain/compliance/reportHtml';
import { loadFactoryFor, saveFactoryChange } from '../factories/factoryStore';
import { managerContacts, managerDeliveries } from '../sharing/managerContacts';
import { actorOf } from '../users/userDirectory';
import { cycleOf, outlineOf, raceable, readBeside, retryOnRace, wakeTimeline, type TimelineWaker } from './common';
import type { ComplianceDeps } from './deps';

const idAlphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function randomSuffix(): string {
  let suffix = '';
  for (let i = 0; i < 6; i += 1) suffix += idAlphabet[randomInt(idAlphabet.length)];
  return suffix;
}

/** Where people open a cycle's report in the portal. */
export function reportPageLink(portalBaseUrl: string, factoryId: string, cycleId: string): string {
  return `${portalBaseUrl}/factories/${encodeURIComponent(factoryId)}/cycles/${encodeURIComponent(cycleId)}/report`;
}

export const reportReleasedSubject = 'Your Better Work assessment report is released';

export interface ReleasedReport {
  factory: FactoryDocument;
  cycle: CycleEntry;
  report: NonNullable<CycleEntry['report']>;
  timing: ReleaseTiming;
  improvementItems: { completed: number; pending: number };
  progressReport1DueOn: string;
  /** False when the report had been released already (nothing was written). */
  changed: boolean;
  timelineSignalled: boolean;
}

/**
 * R16: releases the report of the cycle's completed assessment (422 before completion). Audited; idempotent.
 * The report's files are stored first, under a name of their own (`<factoryId>/<cycleId>/<reportId>.json|html`),
 * then the batch makes them the cycle's report; a release that loses a race to another leaves its files
 * unreferenced and answers with the winner's report.
 */
export async function releaseReport(
  deps: ComplianceDeps,
  principal: Principal,
  factoryId: string,
  cycleId: string,
  timeline: { wake?: TimelineWaker | undefined; warn: (message: string) => void }
): Promise<ReleasedReport> {
  const actor = await actorOf(deps.store, principal);
  const outcome = await retryOnRace(`The report of cycle ${cycleId}`, async () => {
    const factory = await loadFactoryFor(deps.store, actor, factoryId, 'releaseReport');
    const cycle = cycleOf(factory.doc, cycleId);
    const now = deps.clock.now();
    if (cycle.report) {
      return {
        factory: factory.doc,
        cycle,
        report: cycle.report,
        timing: releaseTiming(
          cycle.assessment?.lastDay ?? utcDayOf(cycle.report.releasedAt),
          cycle.report.releasedAt,
          now
        ),
        changed: false,
        plan: await readBeside<ImprovementPlanDocument>(
          deps.store,
          factory.doc,
          improvementPlanIdOf(cycle.cycleId),
          'improvementPlan'
        ),
      };
    }
    const completed = assertReleasable(cycle);
    const assessment = await readBeside<ComplianceAssessmentDocument>(
      deps.store,
      factory.doc,
      assessmentIdOf(cycle.cycleId),
      'complianceAssessment'
    );
    if (!assessment || assessment.doc.status !== 'completed') {
      throw new RuleViolationError(
        'R16',
        `The assessment ${completed.assessmentId} of cycle ${cycleId} is not completed.`
      );
    }
    const outline = await outlineOf(deps, assessment.doc.toolVersion);
    const releasedAt = now.toISOString();
    const reportId = reportIdOf(cycle.cycleId, randomSuffix());
    const report = buildReport({
      reportId,
      factory: factory.doc,
      cycle,
      assessment: assessment.doc,
      outline,
      releasedAt,
    });
    const html = renderReportHtml(report);
    for (const [format, content, contentType] of [
      ['json', JSON.stringify(report), 'application/json'],
      ['html', html, 'text/html; charset=utf-8'],
    ] as const) {
      const name = reportFileName(factory.doc.factoryId, cycle.cycleId, reportId, format);
      if (!(await deps.files.create('reports', name, { content, contentType }))) {
        throw new Error(`The report file ${name} exists already; report ids are new for each release.`);
      }
    }
    const plan = planFromReport({ report, assessment: assessment.doc, releasedBy: principal.userId });
    const released: CycleEntry = { ...cycle, report: { reportId, releasedAt, releasedBy: principal.userId } };
    const after: FactoryDocument = {
      ...factory.doc,
      cycles: factory.doc.cycles.map((c) => (c.cycleId === cycle.cycleId ? released : c)),
    };
    const contacts = await managerContacts(deps.store, factory.doc);
    // A stale factory or a plan created meanwhile: another change (or release) won; read again.
    await raceable(
      saveFactoryChange(deps.store, deps.clock, {
        actor: principal,
        action: 'assessmentReportReleased',
        before: factory,
        after,
        deliver: managerDeliveries(contacts, {
          subject: reportReleasedSubject,
          text:
            `The Better Work assessment report of ${factory.doc.name} for cycle ${cycle.cycleId} is released. ` +
            `Its non-compliant findings are in your improvement plan (${plan.items.length} item(s)); ` +
            `Progress Report 1, the first update of the plan, is due on ${plan.progressReport1DueOn}.`,
          link: reportPageLink(deps.portalBaseUrl, factory.doc.factoryId, cycle.cycleId),
          email: true,
        }),
        alsoWrite: [{ kind: 'create', doc: plan }],
      })
    );
    return {
      factory: after,
      cycle: released,
      report: released.report!,
      timing: releaseTiming(completed.lastDay, releasedAt, now),
      changed: true,
      plan: { doc: plan, etag: '' },
    };
  });
  const timelineSignalled = outcome.changed
    ? await wakeTimeline(timeline.wake, cycleId, 'reportReleased', timeline.warn)
    : false;
  return {
    factory: outcome.factory,
    cycle: outcome.cycle,
    report: outcome.report,
    timing: outcome.timing,
    improvementItems: improvementCounts(outcome.plan?.doc),
    progressReport1DueOn: outcome.plan?.doc.progressReport1DueOn ?? progressReport1DueOn(outcome.report.releasedAt),
    changed: outcome.changed,
    timelineSignalled,
  };
}

function utcDayOf(at: string): string {
  return at.slice(0, 10);
}

async function releasedReportOf(
  deps: ComplianceDeps,
  principal: Principal,
  factoryId: string,
  cycleId: string
): Promise<{ factory: FactoryDocument; cycle: CycleEntry; report: NonNullable<CycleEntry['report']> }> {
  const actor = await actorOf(deps.store, principal);
  const factory = await loadFactoryFor(deps.store, actor, factoryId, 'readReports');
  const cycle = cycleOf(factory.doc, cycleId);
  if (!cycle.report) {
    throw new NotFoundError(`The report of cycle ${cycleId} is not released yet.`);
  }
  return { factory: factory.doc, cycle, report: cycle.report };
}

async function readFile(
  deps: ComplianceDeps,
  factoryId: string,
  cycleId: string,
  reportId: string,
  format: 'json' | 'html'
) {
  const name = reportFileName(factoryId, cycleId, reportId, format);
  const file = await deps.files.read('reports', name);
  if (!file) throw new Error(`The released report file ${name} is missing from blob storage.`);
  return file;
}

/** R16, R21: the released report as stored (JSON). */
export async function readReport(
  deps: ComplianceDeps,
  principal: Principal,
  factoryId: string,
  cycleId: string
): Promise<AssessmentReport> {
  const { report } = await releasedReportOf(deps, principal, factoryId, cycleId);
  const file = await readFile(deps, factoryId, cycleId, report.reportId, 'json');
  return JSON.parse(file.content.toString('utf8')) as AssessmentReport;
}

/** R16: the released report's page, with the Content-Security-Policy it is served with. */
export async function readReportPage(
  deps: ComplianceDeps,
  principal: Principal,
  factoryId: string,
  cycleId: string
): Promise<{ html: string; contentSecurityPolicy: string; fileName: string }> {
  const { report } = await releasedReportOf(deps, principal, factoryId, cycleId);
  const file = await readFile(deps, factoryId, cycleId, report.reportId, 'html');
  const html = file.content.toString('utf8');
  const style = styleSheetOf(html);
  const styleSha256 = style === undefined ? undefined : createHash('sha256').update(style, 'utf8').digest('base64');
  return { html, contentSecurityPolicy: reportPageSecurityPolicy(styleSha256), fileName: `${report.reportId}.html` };
}

export interface ReportListing {
  title: string;
  cycleId: string;
  reportId: string;
  releasedAt: string;
}

/** R24, R21: the factory's released reports, newest first, from the factory alone (no SLCP field anywhere). */
export function reportsOf(factory: FactoryDocument): ReportListing[] {
  return factory.cycles
    .filter((c) => c.report)
    .map((c) => ({
      title: reportTitle,
      cycleId: c.cycleId,
      reportId: c.report!.reportId,
      releasedAt: c.report!.releasedAt,
    }))
    .sort((a, b) => (a.releasedAt < b.releasedAt ? 1 : -1));
}

export async function listReports(
  deps: Pick<ComplianceDeps, 'store'>,
  principal: Principal,
  factoryId: string
): Promise<{ factoryId: string; reports: ReportListing[] }> {
  const actor = await actorOf(deps.store, principal);
  const factory = await loadFactoryFor(deps.store, actor, factoryId, 'readReports');
  return { factoryId: factory.doc.factoryId, reports: reportsOf(factory.doc) };
}
