// R19: a factory asks to share after its assessment. Allowed when it is connected to the Gateway and the
// Gateway says the facility confirmed Better Work as its verifier (GET /facilities/{id}); sharing then applies
// to the running cycle (audited). The transmission is queued by the cycle's timeline, which the HTTP function
// wakes: at once when R17 holds (report released, self-assessment submitted), or when it comes to hold. Not
// in this request: building and storing the payload is a dozen store round trips, and the timeline's activity
// already does it exactly once, with retries.
import { fetchFacilityStatus, GatewayRequestFailed } from '../../adapters/gateway/gatewayClient';
import type { Principal } from '../../domain/access/roles';
import { DomainError } from '../../domain/errors';
import { assertMidCycleRequestable, decideMidCycleRequest } from '../../domain/transmission/midCycle';
import { transmissionIdOf, type TransmissionStatus } from '../../domain/transmission/transmission';
import { betterWorkVerifier } from '../../schemas/gateway';
import { loadFactoryFor, saveFactoryChange } from '../factories/factoryStore';
import { assertCountryLaunched } from '../sharing/slcpLaunch';
import { actorOf } from '../users/userDirectory';
import type { TransmissionDeps } from './deps';
import { readTransmission } from './records';

export interface MidCycleResult {
  factoryId: string;
  cycleId: string;
  requestedAt: string | null;
  changed: boolean;
  transmission: { transmissionId: string; status: TransmissionStatus } | null;
}

/** The Gateway could not be asked whether Better Work is the verifier: try again shortly (503). */
export class GatewayUnavailableError extends DomainError {
  override name = 'GatewayUnavailableError';
  readonly status = 503;
}

export async function requestMidCycleSharing(
  deps: TransmissionDeps,
  principal: Principal,
  factoryId: string,
  cycleId: string,
  options: { ifMatch?: string | undefined } = {}
): Promise<MidCycleResult> {
  const actor = await actorOf(deps.store, principal);
  const loaded = await loadFactoryFor(deps.store, actor, factoryId, 'requestSharing');
  await assertCountryLaunched(deps.store, deps.clock, loaded.doc.countryCode);
  const now = deps.clock.now();
  assertMidCycleRequestable(loaded.doc, cycleId, now);
  let facility;
  try {
    facility = await fetchFacilityStatus(deps.settings.gateway.baseUrl, loaded.doc.gateway.gatewayFacilityId!, {
      secret: deps.settings.gateway.sharedSecret,
      clock: deps.clock,
      ...(deps.gateway?.fetch ? { fetch: deps.gateway.fetch } : {}),
      ...(deps.gateway?.timeoutMs ? { timeoutMs: deps.gateway.timeoutMs } : {}),
    });
  } catch (error) {
    if (error instanceof GatewayRequestFailed) {
      throw new GatewayUnavailableError(
        'The SLCP Gateway cannot be asked right now whether Better Work is your verifier; try again shortly.'
      );
    }
    throw error;
  }
  const decision = decideMidCycleRequest(loaded.doc, cycleId, {
    gatewayFacility: facility,
    verifier: betterWorkVerifier,
    userId: principal.userId,
    now,
  });
  if (decision.changed) {
    await saveFactoryChange(deps.store, deps.clock, {
      actor: principal,
      action: 'slcp.midCycleRequested',
      before: loaded,
      after: decision.factory,
      ifMatch: options.ifMatch,
    });
  }
  const existing = await readTransmission(deps.store, loaded.doc.countryCode, transmissionIdOf(cycleId));
  return {
    factoryId,
    cycleId,
    requestedAt: decision.cycle.midCycleRequest?.requestedAt ?? null,
    changed: decision.changed,
    transmission: existing ? { transmissionId: existing.doc.transmissionId, status: existing.doc.status } : null,
  };
}
