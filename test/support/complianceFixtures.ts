// Compliance assessments and released reports for tests that need some to exist (the authorization matrix,
// the API tests): a demo factory's first cycle is activated, its assessor creates a visit of two days three
// weeks ago, records a finding for every question in scope (the named ones non-compliant), completes it, and
// staff of the country release the report: through the use cases, on the app's own store and blob storage.
import { findDemoUser } from '../../local/seed/demoUsers';
import { completeAssessment, createAssessment, recordFindings } from '../../shared/app/compliance/assessments';
import type { ComplianceDeps } from '../../shared/app/compliance/deps';
import { releaseReport } from '../../shared/app/compliance/reports';
import { selfAssessmentDeps } from '../../shared/app/selfAssessment/deps';
import { activateServiceCycle } from '../../shared/app/selfAssessment/selfAssessments';
import type { Platform } from '../../shared/composition';
import { coverageOf } from '../../shared/domain/compliance/assessment';
import { scopeOf, type AssessmentMethod } from '../../shared/domain/compliance/scope';
import type { Principal } from '../../shared/domain/access/roles';
import type { Clock } from '../../shared/ports/clock';
import type { DocumentStore } from '../../shared/ports/documentStore';

export function principalOf(key: string): Principal {
  const user = findDemoUser(key);
  if (!user) throw new Error(`There is no demo user ${key}.`);
  return { userId: user.userId, roles: [...user.roles], email: user.email, name: user.name };
}

/** The compliance use cases' dependencies on the harness's store, clock and the app's blob storage. */
export function complianceDepsOf(store: DocumentStore, clock: Clock, app: Platform): ComplianceDeps {
  return {
    store,
    clock,
    banks: selfAssessmentDeps({ store, clock }).banks,
    files: app.documentFiles,
    portalBaseUrl: app.settings.portalBaseUrl,
  };
}

const dayMs = 86_400_000;
const day = (clock: Clock, offset: number) =>
  new Date(clock.now().getTime() + offset * dayMs).toISOString().slice(0, 10);

export interface SeededCycle {
  cycleId: string;
  assessmentId: string;
  reportId: string | undefined;
  /** The questions found non-compliant (each an improvement-plan item `assessment-<id>` once released). */
  nonCompliant: string[];
}

/**
 * `${factoryId}-C1`: activated (as `staffKey`), assessed by `assessorKey` (a visit 21 and 20 days ago, every
 * question in scope compliant but the first `nonCompliantCount`), completed, and, unless `release` is false,
 * its report released by `staffKey`.
 */
export async function seedAssessedCycle(
  deps: ComplianceDeps,
  factoryId: string,
  people: { staffKey: string; assessorKey: string },
  options: { nonCompliantCount?: number; release?: boolean; method?: AssessmentMethod } = {}
): Promise<SeededCycle> {
  const staff = principalOf(people.staffKey);
  const assessor = principalOf(people.assessorKey);
  const cycleId = `${factoryId}-C1`;
  await activateServiceCycle(deps, staff, factoryId, cycleId);
  const created = await createAssessment(deps, assessor, factoryId, cycleId, {
    method: options.method ?? 'visit',
    firstDay: day(deps.clock, -21),
    lastDay: day(deps.clock, -20),
  });
  const scope = scopeOf(created.outline, created.doc.method);
  const nonCompliant = scope.slice(0, options.nonCompliantCount ?? 2).map((q) => q.id);
  const recorded = await recordFindings(
    deps,
    assessor,
    factoryId,
    cycleId,
    scope.map((q) =>
      nonCompliant.includes(q.id)
        ? { questionId: q.id, result: 'nonCompliant' as const, notes: `Seeded finding on ${q.id}.` }
        : { questionId: q.id, result: 'compliant' as const }
    ),
    'batch'
  );
  if (coverageOf(recorded.doc, recorded.outline).missing !== 0) throw new Error('the seeded findings miss questions');
  const quiet = { warn: () => undefined };
  await completeAssessment(deps, assessor, factoryId, cycleId, quiet);
  const released = options.release === false ? undefined : await releaseReport(deps, staff, factoryId, cycleId, quiet);
  return { cycleId, assessmentId: created.doc.assessmentId, reportId: released?.report.reportId, nonCompliant };
}
