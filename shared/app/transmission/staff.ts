// R17, R18: what Better Work staff do with transmissions: list those of their country programme that need
// attention (failed, dead-lettered, rejected, invalid, not validated) with why, read one with its history, and
// replay one once they fixed the cause. A replay is a new Service Bus message for the same transmission: the
// Gateway sees the same idempotency key, so it never holds the data twice. An invalid one is rebuilt from the
// stored facts and validated again first; still invalid, the replay is refused (422) and nothing is written.
import { mayActInCountry } from '../../domain/access/policy';
import type { Principal } from '../../domain/access/roles';
import { ForbiddenError, NotFoundError, RuleViolationError } from '../../domain/errors';
import {
  attentionStatuses,
  replayTransmission as replayRule,
  transmissionIdOf,
  type TransmissionDocument,
  type TransmissionStatus,
} from '../../domain/transmission/transmission';
import type { Versioned } from '../../ports/documentStore';
import { loadFactoryFor } from '../factories/factoryStore';
import { readFactory } from '../timeline/cycleFacts';
import { actorOf } from '../users/userDirectory';
import type { TransmissionDeps } from './deps';
import { buildCyclePayload, sendTransmissionMessage, storePayload } from './queue';
import { readTransmission, saveTransmissionChange } from './records';

/** At most this many transmissions per list (one partition query; the attention list is short). */
export const maxListed = 500;

export interface TransmissionList {
  countryCode: string;
  statuses: TransmissionStatus[];
  transmissions: TransmissionDocument[];
}

/** Registration staff of the country (or an administrator) list its transmissions in the given statuses. */
export async function listTransmissions(
  deps: Pick<TransmissionDeps, 'store'>,
  principal: Principal,
  countryCode: string,
  statuses: readonly TransmissionStatus[] = attentionStatuses
): Promise<TransmissionList> {
  const actor = await actorOf(deps.store, principal);
  if (!mayActInCountry(principal, actor.scope, countryCode, ['RegistrationStaff'])) {
    throw new ForbiddenError(
      `You may list the transmissions of your own country programme only, not of ${countryCode}.`
    );
  }
  const wanted = [...new Set(statuses)];
  if (wanted.length === 0) return { countryCode, statuses: [], transmissions: [] };
  const page = await deps.store.query<TransmissionDocument>(
    'factories',
    countryCode,
    {
      query: `SELECT * FROM c WHERE c.countryCode = @pk AND c.type = 'transmission' AND c.status IN (${wanted
        .map((_, i) => `@s${i}`)
        .join(', ')})`,
      parameters: wanted.map((value, i) => ({ name: `@s${i}`, value })),
    },
    { maxItems: maxListed }
  );
  const transmissions = [...page.items].sort(
    (a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.transmissionId.localeCompare(b.transmissionId)
  );
  return { countryCode, statuses: wanted, transmissions };
}

async function loadTransmissionFor(
  deps: Pick<TransmissionDeps, 'store'>,
  principal: Principal,
  factoryId: string,
  cycleId: string,
  action: 'readTransmissions' | 'replayTransmission'
): Promise<Versioned<TransmissionDocument>> {
  const actor = await actorOf(deps.store, principal);
  const factory = await loadFactoryFor(deps.store, actor, factoryId, action);
  if (!factory.doc.cycles.some((c) => c.cycleId === cycleId)) {
    throw new NotFoundError(`Factory ${factoryId} has no cycle ${cycleId}.`);
  }
  const found = await readTransmission(deps.store, factory.doc.countryCode, transmissionIdOf(cycleId));
  if (!found || found.doc.factoryId !== factoryId) {
    throw new NotFoundError(`Cycle ${cycleId} has no transmission to the SLCP Gateway.`);
  }
  return found;
}

/** A cycle's transmission with its history, for staff of the factory's country (404 when there is none). */
export async function getTransmission(
  deps: Pick<TransmissionDeps, 'store'>,
  principal: Principal,
  factoryId: string,
  cycleId: string
): Promise<Versioned<TransmissionDocument>> {
  return loadTransmissionFor(deps, principal, factoryId, cycleId, 'readTransmissions');
}

export interface ReplayResult {
  transmission: TransmissionDocument;
  etag: string;
  /** False when the send failed now (the sweep sends it within minutes). */
  sentToQueue: boolean;
}

/**
 * Staff replay a failed, dead-lettered, rejected or invalid transmission (409 otherwise; 412 with a stale
 * If-Match). Audited. The message is sent after the record is back to `queued`; a send that fails now is
 * logged and left to the sweep.
 */
export async function replayTransmission(
  deps: TransmissionDeps,
  principal: Principal,
  factoryId: string,
  cycleId: string,
  options: { ifMatch?: string | undefined; warn?: (message: string) => void } = {}
): Promise<ReplayResult> {
  const loaded = await loadTransmissionFor(deps, principal, factoryId, cycleId, 'replayTransmission');
  const at = deps.clock.now().toISOString();
  let payload;
  if (loaded.doc.status === 'invalid') {
    const factory = await readFactory(deps.store, factoryId);
    const cycle = factory?.doc.cycles.find((c) => c.cycleId === cycleId);
    if (!factory || !cycle) throw new NotFoundError(`Factory ${factoryId} has no cycle ${cycleId}.`);
    const built = await buildCyclePayload(deps, factory.doc, cycle);
    if (!built.ok) {
      throw new RuleViolationError(
        'R17',
        `The payload of ${loaded.doc.transmissionId} is still not valid; nothing was sent: ${built.problems.slice(0, 5).join('; ')}.`,
        { problems: built.problems.slice(0, 50) }
      );
    }
    payload = await storePayload(deps, loaded.doc, built);
  }
  const after = replayRule(loaded.doc, { userId: principal.userId, at, payload });
  const etag = await saveTransmissionChange(
    deps.store,
    deps.clock,
    loaded,
    { after, action: 'transmission.replayed' },
    principal,
    options.ifMatch
  );
  let sentToQueue = false;
  let latest = { doc: after, etag };
  try {
    ({ sent: sentToQueue, latest } = await sendTransmissionMessage(deps, latest));
  } catch (error) {
    options.warn?.(
      `replay of ${after.transmissionId}: the message could not be sent now (the sweep sends it): ${
        (error as Error)?.message ?? String(error)
      }`
    );
  }
  return { transmission: latest.doc, etag: latest.etag, sentToQueue };
}
