// Registration staff keep the list of brands subscribing to a factory (used by the access policy for brands).
import type { Principal } from '../../domain/access/roles';
import { withSubscription, withoutSubscription } from '../../domain/sharing/subscriptions';
import type { Clock } from '../../ports/clock';
import type { DocumentStore } from '../../ports/documentStore';
import { loadFactoryFor, saveFactoryChange } from '../factories/factoryStore';
import { actorOf } from '../users/userDirectory';

export interface SubscriptionResult {
  factoryId: string;
  subscribedBrandIds: string[];
  etag: string;
  changed: boolean;
}

export async function changeSubscription(
  deps: { store: DocumentStore; clock: Clock },
  principal: Principal,
  input: { factoryId: string; brandId: string; subscribe: boolean; ifMatch?: string | undefined }
): Promise<SubscriptionResult> {
  const actor = await actorOf(deps.store, principal);
  const loaded = await loadFactoryFor(deps.store, actor, input.factoryId, 'manageSubscriptions');
  const decision = input.subscribe
    ? withSubscription(loaded.doc, input.brandId)
    : withoutSubscription(loaded.doc, input.brandId);
  const result = (etag: string, changed: boolean): SubscriptionResult => ({
    factoryId: decision.factory.factoryId,
    subscribedBrandIds: decision.factory.subscribedBrandIds,
    etag,
    changed,
  });
  if (!decision.changed) return result(loaded.etag, false);
  const etag = await saveFactoryChange(deps.store, deps.clock, {
    actor: principal,
    action: input.subscribe ? 'subscriptions.added' : 'subscriptions.removed',
    before: loaded,
    after: decision.factory,
    ifMatch: input.ifMatch,
  });
  return result(etag, true);
}
