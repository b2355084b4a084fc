// Self-assessments for tests that need some to exist (the authorization matrix): staff of the country
// activate a demo factory's first cycle and its demo manager starts its Step 1 self-assessment, through the
// use cases, on the app's own store (the shipped question banks).
import { findDemoUser } from '../../local/seed/demoUsers';
import { questionBankCatalogue, questionBankDeps } from '../../shared/app/questionBank/questionBanks';
import { activateServiceCycle, startSelfAssessment } from '../../shared/app/selfAssessment/selfAssessments';
import type { Principal } from '../../shared/domain/access/roles';
import type { Clock } from '../../shared/ports/clock';
import type { DocumentStore } from '../../shared/ports/documentStore';

function principalOf(key: string): Principal {
  const user = findDemoUser(key);
  if (!user) throw new Error(`There is no demo user ${key}.`);
  return { userId: user.userId, roles: [...user.roles], email: user.email, name: user.name };
}

/** Activates `${factoryId}-C1` (as `staffKey`) and starts its self-assessment (as `managerKey`); returns its id. */
export async function seedSelfAssessment(
  store: DocumentStore,
  clock: Clock,
  factoryId: string,
  staffKey: string,
  managerKey: string
): Promise<string> {
  const deps = { store, clock, banks: questionBankCatalogue(questionBankDeps({ store, clock })) };
  const cycleId = `${factoryId}-C1`;
  await activateServiceCycle(deps, principalOf(staffKey), factoryId, cycleId);
  const started = await startSelfAssessment(deps, principalOf(managerKey), factoryId, { cycleId, step: 1 });
  return started.header.selfAssessmentId;
}
