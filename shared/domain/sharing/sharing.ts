// SLCP participation of a factory (R1, R2, R6, R23): off by default, asked for by the factory manager from
// the next cycle, cancelled only by registration staff with a reason. Pure: time is passed in.
import { utcDay } from '../countryProgrammes';
import { RuleViolationError } from '../errors';
import type { FactoryDocument } from '../factory/factory';

export type SharingState = FactoryDocument['sharing'];

export interface SharingDecision {
  /** False when the factory already was in the asked state: nothing to write. */
  changed: boolean;
  factory: FactoryDocument;
}

/** R1: sharing is voluntary; a factory shares only after asking, never by default. */
export function sharingRequested(factory: FactoryDocument): boolean {
  return factory.sharing.pendingForNextCycle;
}

/** The cycles for which sharing via SLCP applies (set when each cycle was registered: R2, R23). */
export function effectiveCycles(factory: FactoryDocument) {
  return factory.cycles.filter((cycle) => cycle.sharingEffective);
}

/**
 * R2: a registered factory's manager asks to share from the next cycle; the running cycle is left as it
 * is (R23). Asking again changes nothing. A previous opt-out is cleared: the factory may ask again (R6).
 */
export function requestSharing(factory: FactoryDocument, by: { userId: string; now: Date }): SharingDecision {
  if (factory.status !== 'registered') {
    throw new RuleViolationError(
      'R2',
      'The factory must be registered on the Better Work platform before it can request data sharing via SLCP.'
    );
  }
  if (factory.sharing.pendingForNextCycle) return { changed: false, factory };
  return {
    changed: true,
    factory: {
      ...factory,
      sharing: {
        pendingForNextCycle: true,
        requestedAt: by.now.toISOString(),
        requestedBy: by.userId,
        optedOutAt: undefined,
        optOutReason: undefined,
      },
    },
  };
}

export const optOutReasonLength = { min: 3, max: 500 } as const;

/**
 * R6: registration staff record that the factory no longer wants to share (it told them offline), with the
 * reason. The pending request is cleared, and the running cycle and any cycle already registered after it
 * stop sharing ("factories will still be able to cancel data sharing via SLCP at a later time", G: C);
 * cycles that have ended keep their history. The factory may ask again later (R2).
 */
export function optOut(factory: FactoryDocument, input: { reason: string; now: Date }): SharingDecision {
  const reason = input.reason.trim();
  if (reason.length < optOutReasonLength.min || reason.length > optOutReasonLength.max) {
    throw new RuleViolationError(
      'R6',
      `An opt-out needs a reason of ${optOutReasonLength.min} to ${optOutReasonLength.max} characters.`
    );
  }
  const today = utcDay(input.now);
  const stopsSharing = (cycle: FactoryDocument['cycles'][number]) => cycle.sharingEffective && cycle.endsOn >= today;
  if (
    !factory.sharing.pendingForNextCycle &&
    !factory.cycles.some(stopsSharing) &&
    factory.sharing.optedOutAt !== undefined &&
    factory.sharing.optOutReason === reason
  ) {
    return { changed: false, factory };
  }
  return {
    changed: true,
    factory: {
      ...factory,
      sharing: {
        pendingForNextCycle: false,
        requestedAt: undefined,
        requestedBy: undefined,
        optedOutAt: input.now.toISOString(),
        optOutReason: reason,
      },
      cycles: factory.cycles.map((cycle) => (stopsSharing(cycle) ? { ...cycle, sharingEffective: false } : cycle)),
    },
  };
}

/** What staff and the factory see of the factory's SLCP participation (never brands: R21). */
export function sharingView(factory: FactoryDocument) {
  const current = factory.cycles.find((cycle) => cycle.cycleId === factory.currentCycleId);
  return {
    factoryId: factory.factoryId,
    request: {
      requested: factory.sharing.pendingForNextCycle,
      requestedAt: factory.sharing.requestedAt ?? null,
      requestedBy: factory.sharing.requestedBy ?? null,
      /** R2: a request applies from the next cycle, never to the running one. */
      appliesFrom: factory.sharing.pendingForNextCycle ? ('nextCycle' as const) : null,
    },
    optOut:
      factory.sharing.optedOutAt === undefined
        ? null
        : { at: factory.sharing.optedOutAt, reason: factory.sharing.optOutReason ?? '' },
    currentCycle: current ? { cycleId: current.cycleId, sharingEffective: current.sharingEffective } : null,
    effectiveCycles: effectiveCycles(factory).map((cycle) => ({
      cycleId: cycle.cycleId,
      sequence: cycle.sequence,
      startsOn: cycle.startsOn,
      endsOn: cycle.endsOn,
    })),
    gateway: {
      status: factory.gateway.status,
      gatewayFacilityId: factory.gateway.gatewayFacilityId ?? null,
      linkedBy: factory.gateway.linkedBy ?? null,
      rejectedReason: factory.gateway.rejectedReason ?? null,
      updatedAt: factory.gateway.updatedAt ?? null,
    },
  };
}
export type SharingView = ReturnType<typeof sharingView>;
