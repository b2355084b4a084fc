// R7, R23: Better Work registers a factory for a service cycle. A factory keeps its running cycle; a new
// cycle follows it (no overlap) and SLCP sharing applies to it only if the factory asked for it before it
// was registered (R2). Pure: time is passed in.
import { isCalendarDate, utcDay } from '../countryProgrammes';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import type { CycleEntry, FactoryDocument } from './factory';

export interface CyclePeriod {
  /** First day of the cycle, `YYYY-MM-DD`. */
  startsOn: string;
  /** Last day of the cycle, `YYYY-MM-DD`. */
  endsOn: string;
}

/** Dates are calendar days and the cycle ends after it starts; `pointer` is where the period is in the request. */
export function assertValidPeriod(period: CyclePeriod, pointer = ''): void {
  const errors: { pointer: string; detail: string }[] = [];
  if (!isCalendarDate(period.startsOn)) errors.push({ pointer: `${pointer}/startsOn`, detail: 'must be a date' });
  if (!isCalendarDate(period.endsOn)) errors.push({ pointer: `${pointer}/endsOn`, detail: 'must be a date' });
  if (errors.length === 0 && period.endsOn <= period.startsOn) {
    errors.push({ pointer: `${pointer}/endsOn`, detail: 'must be after startsOn' });
  }
  if (errors.length > 0) throw new ValidationError('The cycle is not valid.', errors);
}

/** R1, R2, R6: a request for sharing stands when it was made and not cancelled by an opt-out. */
export function sharingRequestStands(factory: FactoryDocument): boolean {
  return factory.sharing.pendingForNextCycle && factory.sharing.optedOutAt === undefined;
}

function cycleEntry(factory: FactoryDocument, period: CyclePeriod, now: Date, sharingEffective: boolean): CycleEntry {
  const sequence = factory.cycles.length + 1;
  return {
    cycleId: `${factory.factoryId}-C${sequence}`,
    sequence,
    startsOn: period.startsOn,
    endsOn: period.endsOn,
    registeredAt: now.toISOString(),
    sharingEffective,
  };
}

/** R7: a new factory's first cycle. Sharing is off by default (R1). */
export function registerFirstCycle(factory: FactoryDocument, period: CyclePeriod, now: Date): FactoryDocument {
  assertValidPeriod(period, '/cycle');
  if (factory.cycles.length > 0) throw new ConflictError(`Factory ${factory.factoryId} already has a cycle.`);
  const cycle = cycleEntry(factory, period, now, false);
  return { ...factory, cycles: [cycle], currentCycleId: cycle.cycleId };
}

/** The most recently registered cycle. */
export function latestCycle(factory: FactoryDocument): CycleEntry | undefined {
  return factory.cycles.reduce<CycleEntry | undefined>(
    (latest, cycle) => (latest === undefined || cycle.sequence > latest.sequence ? cycle : latest),
    undefined
  );
}

/**
 * R23: registers the factory's next cycle. The running cycle is kept as it is: the new one may neither
 * overlap it nor start before it ends (409). Sharing applies to the new cycle when the factory asked for it
 * and did not opt out since (R2, R6); the request is then used up (the next cycle needs a new one, R3).
 */
export function registerNextCycle(factory: FactoryDocument, period: CyclePeriod, now: Date): FactoryDocument {
  assertValidPeriod(period);
  const latest = latestCycle(factory);
  if (latest && period.startsOn <= latest.endsOn) {
    throw new ConflictError(
      `R23: the factory keeps its cycle ${latest.cycleId} (${latest.startsOn} to ${latest.endsOn}); ` +
        `the next cycle must start after ${latest.endsOn}.`
    );
  }
  const cycle = cycleEntry(factory, period, now, sharingRequestStands(factory));
  const cycles = [...factory.cycles, cycle];
  const today = utcDay(now);
  const currentCycleId =
    factory.currentCycleId === undefined || cycle.startsOn <= today ? cycle.cycleId : factory.currentCycleId;
  return {
    ...factory,
    cycles,
    currentCycleId,
    sharing: { ...factory.sharing, pendingForNextCycle: false },
  };
}

/**
 * The cycle running on `now`'s day: the latest registered cycle that has started; before the first starts,
 * the first one.
 */
export function currentCycleOf(factory: FactoryDocument, now: Date): CycleEntry | undefined {
  const today = utcDay(now);
  const ordered = [...factory.cycles].sort((a, b) => a.sequence - b.sequence);
  const started = ordered.filter((cycle) => cycle.startsOn <= today);
  return started[started.length - 1] ?? ordered[0];
}

/**
 * R11: Better Work activates a service cycle, which opens its self-assessment. Activating it again changes
 * nothing (`changed: false`); a cycle that has ended cannot be activated (409).
 */
export function activateCycle(
  factory: FactoryDocument,
  cycleId: string,
  by: string,
  now: Date
): { factory: FactoryDocument; cycle: CycleEntry; changed: boolean } {
  const cycle = factory.cycles.find((c) => c.cycleId === cycleId);
  if (!cycle) throw new NotFoundError(`Factory ${factory.factoryId} has no cycle ${cycleId}.`);
  if (cycle.activatedAt) return { factory, cycle, changed: false };
  if (cycle.endsOn < utcDay(now)) {
    throw new ConflictError(`Cycle ${cycleId} ended on ${cycle.endsOn}; an ended cycle cannot be activated.`);
  }
  const activated: CycleEntry = { ...cycle, activatedAt: now.toISOString(), activatedBy: by };
  return {
    factory: { ...factory, cycles: factory.cycles.map((c) => (c.cycleId === cycleId ? activated : c)) },
    cycle: activated,
    changed: true,
  };
}
