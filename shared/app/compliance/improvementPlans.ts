// R25 use cases: the factory's managers and Better Work read a cycle's improvement plan; the factory's
// enterprise advisors (or an administrator) add the issues they find in advisory work and mark items done,
// each change one read and one batch (the plan with If-Match, the audit event). The plan starts at the
// report's release (before it, adding is refused: 422, R25).
import type { Principal } from '../../domain/access/roles';
import { NotFoundError, RuleViolationError } from '../../domain/errors';
import type { CycleEntry, FactoryDocument } from '../../domain/factory/factory';
import {
  addAdvisoryItem,
  improvementPlanIdOf,
  setItemStatus,
  type AdvisoryItemInput,
  type ImprovementItem,
  type ImprovementPlanDocument,
  type ImprovementStatus,
} from '../../domain/compliance/improvementPlan';
import type { DocumentStore, Versioned } from '../../ports/documentStore';
import type { Clock } from '../../ports/clock';
import { loadFactoryFor, type Actor } from '../factories/factoryStore';
import { actorOf } from '../users/userDirectory';
import { auditEvent, cycleOf, raceable, readBeside, retryOnRace } from './common';

export interface ImprovementPlanDeps {
  store: DocumentStore;
  clock: Clock;
}

export interface LoadedPlan {
  factory: FactoryDocument;
  cycle: CycleEntry;
  plan: ImprovementPlanDocument;
}

async function loadPlan(
  deps: ImprovementPlanDeps,
  actor: Actor,
  factoryId: string,
  cycleId: string,
  action: 'readImprovementPlan' | 'manageImprovementPlan'
): Promise<LoadedPlan & { etag: string }> {
  const factory = await loadFactoryFor(deps.store, actor, factoryId, action);
  const cycle = cycleOf(factory.doc, cycleId);
  const read: Versioned<ImprovementPlanDocument> | undefined = await readBeside(
    deps.store,
    factory.doc,
    improvementPlanIdOf(cycle.cycleId),
    'improvementPlan'
  );
  if (!read) {
    const why = `The improvement plan of cycle ${cycleId} starts when its assessment report is released; it is not released yet.`;
    if (action === 'readImprovementPlan') throw new NotFoundError(why);
    throw new RuleViolationError('R25', why);
  }
  return { factory: factory.doc, cycle, plan: read.doc, etag: read.etag };
}

/** R25: the plan of a cycle (its managers, Better Work; never brands). */
export async function readImprovementPlan(
  deps: ImprovementPlanDeps,
  principal: Principal,
  factoryId: string,
  cycleId: string
): Promise<LoadedPlan> {
  const { etag: _etag, ...loaded } = await loadPlan(
    deps,
    await actorOf(deps.store, principal),
    factoryId,
    cycleId,
    'readImprovementPlan'
  );
  return loaded;
}

export interface ChangedItem extends LoadedPlan {
  item: ImprovementItem;
  changed: boolean;
}

/** R25: an enterprise advisor of the factory adds an issue found in advisory work (source `advisory`). Audited. */
export async function addImprovementItem(
  deps: ImprovementPlanDeps,
  principal: Principal,
  factoryId: string,
  cycleId: string,
  input: AdvisoryItemInput
): Promise<ChangedItem> {
  const actor = await actorOf(deps.store, principal);
  return retryOnRace(`The improvement plan of cycle ${cycleId}`, async () => {
    const { etag, ...current } = await loadPlan(deps, actor, factoryId, cycleId, 'manageImprovementPlan');
    const at = deps.clock.now().toISOString();
    const added = addAdvisoryItem(current.plan, input, { userId: principal.userId, now: at });
    await raceable(
      deps.store.write('factories', current.factory.countryCode, [
        { kind: 'replace', doc: added.plan, ifMatch: etag },
        {
          kind: 'create',
          doc: auditEvent(current.factory, principal, at, {
            action: 'improvementItemAdded',
            before: null,
            after: { cycleId, ...added.item },
          }),
        },
      ])
    );
    return { ...current, plan: added.plan, item: added.item, changed: true };
  });
}

/**
 * R25: an enterprise advisor of the factory marks an item done (or pending again), sending the item's ETag
 * (If-Match; missing or stale: 412). Audited; the status it already has changes nothing.
 */
export async function setImprovementItemStatus(
  deps: ImprovementPlanDeps,
  principal: Principal,
  factoryId: string,
  cycleId: string,
  itemId: string,
  status: ImprovementStatus,
  ifMatch: string | undefined
): Promise<ChangedItem> {
  const actor = await actorOf(deps.store, principal);
  return retryOnRace(`The improvement plan of cycle ${cycleId}`, async () => {
    const { etag, ...current } = await loadPlan(deps, actor, factoryId, cycleId, 'manageImprovementPlan');
    const at = deps.clock.now().toISOString();
    const before = current.plan.items.find((i) => i.itemId === itemId);
    const changed = setItemStatus(current.plan, itemId, status, ifMatch, { userId: principal.userId, now: at });
    if (!changed.changed) return { ...current, item: changed.item, changed: false };
    await raceable(
      deps.store.write('factories', current.factory.countryCode, [
        { kind: 'replace', doc: changed.plan, ifMatch: etag },
        {
          kind: 'create',
          doc: auditEvent(current.factory, principal, at, {
            action: 'improvementItemStatusChanged',
            before: { cycleId, itemId, status: before?.status },
            after: { cycleId, itemId, status: changed.item.status },
          }),
        },
      ])
    );
    return { ...current, plan: changed.plan, item: changed.item, changed: true };
  });
}
