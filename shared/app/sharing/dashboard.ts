// R24: the factory dashboard for one caller; the SLCP status only for those the policy allows `readSlcp`
// (brands never: R21).
import { decideFactoryAccess } from '../../domain/access/policy';
import type { Principal } from '../../domain/access/roles';
import {
  buildDashboard,
  dashboardNotificationCount,
  type BrandDashboard,
  type FactoryDashboard,
} from '../../domain/dashboard/dashboard';
import { improvementPlanIdOf, type ImprovementPlanDocument } from '../../domain/compliance/improvementPlan';
import { currentCycleOf } from '../../domain/factory/cycles';
import { profileCompletion } from '../../domain/factory/profile';
import type { Clock } from '../../ports/clock';
import type { DocumentStore } from '../../ports/documentStore';
import { loadFactoryFor } from '../factories/factoryStore';
import { latestNotifications } from '../notifications/notifications';
import { actorOf } from '../users/userDirectory';

export async function getDashboard(
  deps: { store: DocumentStore; clock: Clock },
  principal: Principal,
  factoryId: string
): Promise<BrandDashboard | FactoryDashboard> {
  const actor = await actorOf(deps.store, principal);
  const loaded = await loadFactoryFor(deps.store, actor, factoryId, 'read');
  const maySeeSlcp = decideFactoryAccess(principal, actor.scope, loaded.doc, 'readSlcp') === 'allow';
  const now = deps.clock.now();
  // R25: the current cycle's improvement plan (one point read, beside the notifications' query).
  const current = currentCycleOf(loaded.doc, now);
  const [notifications, plan] = await Promise.all([
    latestNotifications(deps.store, principal.userId, dashboardNotificationCount, factoryId),
    current?.report
      ? deps.store.read<ImprovementPlanDocument>(
          'factories',
          loaded.doc.countryCode,
          improvementPlanIdOf(current.cycleId)
        )
      : Promise.resolve(undefined),
  ]);
  return buildDashboard({
    factory: loaded.doc,
    profile: profileCompletion(loaded.doc, now),
    notifications,
    maySeeSlcp,
    improvementPlan: plan?.doc.type === 'improvementPlan' ? plan.doc : undefined,
  });
}
