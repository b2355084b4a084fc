// R19: a factory may ask to share after its assessment, in the running cycle (not from the next one, as R2);
// it is allowed when the factory is registered with SLCP (connected to the Gateway) and has confirmed Better
// Work as its verifier there. Sharing then applies to the cycle, and the transmission follows (R17: at once
// when the report is released and the self-assessment submitted, else when they are). Pure: time is passed in.
import { utcDay } from '../countryProgrammes';
import { NotFoundError, RuleViolationError } from '../errors';
import type { CycleEntry, FactoryDocument } from '../factory/factory';

/** What the Gateway says of the factory's facility (GET /facilities/{id}); null when it does not know it. */
export interface GatewayFacilityFacts {
  verifier: string | null;
}

export interface MidCycleDecision {
  /** False when sharing already applied to the cycle: nothing to write. */
  changed: boolean;
  factory: FactoryDocument;
  cycle: CycleEntry;
}

/** R19: the facts the factory itself holds (before the Gateway is asked): 422 naming the rule otherwise. */
export function assertMidCycleRequestable(factory: FactoryDocument, cycleId: string, now: Date): CycleEntry {
  const cycle = factory.cycles.find((c) => c.cycleId === cycleId);
  if (!cycle) throw new NotFoundError(`Factory ${factory.factoryId} has no cycle ${cycleId}.`);
  if (factory.status !== 'registered') {
    throw new RuleViolationError(
      'R19',
      'The factory must be registered on the Better Work platform to share via SLCP.'
    );
  }
  if (cycle.endsOn < utcDay(now)) {
    throw new RuleViolationError(
      'R19',
      `Cycle ${cycleId} ended on ${cycle.endsOn}: a mid-cycle request is for the running cycle.`
    );
  }
  if (!cycle.assessment) {
    throw new RuleViolationError(
      'R19',
      `The compliance assessment of cycle ${cycleId} is not completed yet: before it, ask to share from the next cycle (R2), or tell Better Work before the assessment (R14).`
    );
  }
  if (factory.gateway.status !== 'connected' || !factory.gateway.gatewayFacilityId) {
    throw new RuleViolationError(
      'R19',
      'The factory is not connected to the SLCP Gateway: connect with SLCP first (R9), with Better Work as the verifier.'
    );
  }
  return cycle;
}

/**
 * R19: after the assessment, sharing via SLCP applies to the running cycle when the Gateway knows the facility
 * with Better Work as its verifier. Asking again changes nothing.
 */
export function decideMidCycleRequest(
  factory: FactoryDocument,
  cycleId: string,
  input: { gatewayFacility: GatewayFacilityFacts | null; verifier: string; userId: string; now: Date }
): MidCycleDecision {
  const cycle = assertMidCycleRequestable(factory, cycleId, input.now);
  if (input.gatewayFacility === null) {
    throw new RuleViolationError(
      'R19',
      `The SLCP Gateway does not know the facility ${factory.gateway.gatewayFacilityId}: ask your Better Work country programme to check the link (R4).`
    );
  }
  if (input.gatewayFacility.verifier !== input.verifier) {
    throw new RuleViolationError(
      'R19',
      'On the SLCP Gateway the facility has not confirmed Better Work as its verifier: confirm Better Work there first.'
    );
  }
  if (cycle.sharingEffective) return { changed: false, factory, cycle };
  const updated: CycleEntry = {
    ...cycle,
    sharingEffective: true,
    midCycleRequest: { requestedAt: input.now.toISOString(), requestedBy: input.userId },
  };
  return {
    changed: true,
    factory: { ...factory, cycles: factory.cycles.map((c) => (c.cycleId === cycleId ? updated : c)) },
    cycle: updated,
  };
}
