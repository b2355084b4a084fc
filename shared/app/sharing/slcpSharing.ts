// Use cases of SLCP participation: the factory manager's request (R1, R2), staff's opt-out (R6), and
// what staff and the factory see of it (never brands: R21).
import type { Principal } from '../../domain/access/roles';
import { optOut, requestSharing, sharingView, type SharingView } from '../../domain/sharing/sharing';
import type { Clock } from '../../ports/clock';
import type { DocumentStore } from '../../ports/documentStore';
import { loadFactoryFor, saveFactoryChange } from '../factories/factoryStore';
import { actorOf } from '../users/userDirectory';
import { assertCountryLaunched } from './slcpLaunch';

export interface SharingDeps {
  store: DocumentStore;
  clock: Clock;
}

export interface SharingResult {
  view: SharingView;
  etag: string;
  /** False when the call found the factory already in the asked state and wrote nothing. */
  changed: boolean;
}

/** R2: "Request for data sharing via SLCP" from the next cycle; a repeat answers the same state and writes nothing. */
export async function requestSlcpSharing(
  deps: SharingDeps,
  principal: Principal,
  factoryId: string,
  ifMatch?: string
): Promise<SharingResult> {
  const actor = await actorOf(deps.store, principal);
  const loaded = await loadFactoryFor(deps.store, actor, factoryId, 'requestSharing');
  await assertCountryLaunched(deps.store, deps.clock, loaded.doc.countryCode);
  const decision = requestSharing(loaded.doc, { userId: principal.userId, now: deps.clock.now() });
  if (!decision.changed) return { view: sharingView(loaded.doc), etag: loaded.etag, changed: false };
  const etag = await saveFactoryChange(deps.store, deps.clock, {
    actor: principal,
    action: 'slcp.requested',
    before: loaded,
    after: decision.factory,
    ifMatch,
  });
  return { view: sharingView(decision.factory), etag, changed: true };
}

/** R6: staff record the factory's opt-out with its reason; the factory may ask again later. */
export async function recordSlcpOptOut(
  deps: SharingDeps,
  principal: Principal,
  factoryId: string,
  reason: string,
  ifMatch?: string
): Promise<SharingResult> {
  const actor = await actorOf(deps.store, principal);
  const loaded = await loadFactoryFor(deps.store, actor, factoryId, 'optOut');
  const decision = optOut(loaded.doc, { reason, now: deps.clock.now() });
  if (!decision.changed) return { view: sharingView(loaded.doc), etag: loaded.etag, changed: false };
  const etag = await saveFactoryChange(deps.store, deps.clock, {
    actor: principal,
    action: 'slcp.optedOut',
    before: loaded,
    after: decision.factory,
    ifMatch,
  });
  return { view: sharingView(decision.factory), etag, changed: true };
}

/** The factory's SLCP participation for those allowed `readSlcp` (factory managers and BW staff, not brands). */
export async function getSlcpStatus(
  deps: SharingDeps,
  principal: Principal,
  factoryId: string
): Promise<{ view: SharingView; etag: string }> {
  const actor = await actorOf(deps.store, principal);
  const loaded = await loadFactoryFor(deps.store, actor, factoryId, 'readSlcp');
  return { view: sharingView(loaded.doc), etag: loaded.etag };
}
