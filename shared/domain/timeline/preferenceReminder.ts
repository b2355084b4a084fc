// R3: two months before the running cycle ends, the factory managers are invited to state their preference
// (share via SLCP from the next cycle or not), with a link to the request page (G: A). Once per cycle; the
// cycle's timeline sends it (shared/domain/timeline/cycleTimeline.ts). Pure: time is passed in.
//
// The calendar: a cycle's `endsOn` is its last day, and the reminder window opens on that day minus two
// calendar months (the rule duration `preferenceReminderLead`), clamped to the month end: a cycle ending on
// 31 March is reminded from 31 January, one ending on 30 April from the last day of February, one ending on
// 31 December from 31 October. A cycle shorter than that is reminded on its first day.
import { utcDay } from '../countryProgrammes';
import { subtractRuleDuration } from '../durations';
import type { CycleEntry, FactoryDocument } from '../factory/factory';

function startOfDay(day: string): Date {
  return new Date(`${day}T00:00:00Z`);
}

/** R3: the first day on which the preference reminder of a cycle is due (its last day minus two calendar months). */
export function preferenceReminderOpensOn(cycle: Pick<CycleEntry, 'endsOn'>): string {
  return utcDay(subtractRuleDuration(startOfDay(cycle.endsOn), 'preferenceReminderLead'));
}

/** The cycle running on `now`'s day (from its first to its last day, both included), if any. */
export function runningCycleOf(factory: FactoryDocument, now: Date): CycleEntry | undefined {
  const today = utcDay(now);
  return factory.cycles
    .filter((cycle) => cycle.startsOn <= today && today <= cycle.endsOn)
    .reduce<CycleEntry | undefined>(
      (latest, cycle) => (latest === undefined || cycle.sequence > latest.sequence ? cycle : latest),
      undefined
    );
}

/** Why a cycle's preference reminder is not sent, whatever the date. */
export type PreferenceReminderBlock =
  'noManager' | 'sharingRequested' | 'optedOut' | 'nextCycleRegistered' | 'slcpNotLaunched';

export const preferenceReminderBlockReasons: Record<PreferenceReminderBlock, string> = {
  noManager: 'the factory has no manager to remind',
  sharingRequested: 'the factory already asked to share via SLCP from the next cycle (R2)',
  optedOut: 'the factory told Better Work during this cycle that it does not want to share (R6)',
  nextCycleRegistered: 'the next cycle is registered: its sharing was settled when it was registered (R23)',
  slcpNotLaunched: 'SLCP data sharing does not run in the country (a request would be refused)',
};

/**
 * R3: what stops the reminder of `cycle` regardless of the date, or undefined when nothing does:
 * - the factory has no manager to remind;
 * - the factory has already asked to share from the next cycle (R2: nothing to invite it to);
 * - the factory told Better Work during this cycle that it does not want to share (an opt-out recorded since
 *   the cycle started, R6: it has stated its preference);
 * - its next cycle is registered (then the choice for it was made at registration, R23, and a request now
 *   would only apply to the cycle after it);
 * - SLCP sharing does not run in the country (the request it invites to would be refused).
 */
export function preferenceReminderBlock(
  factory: FactoryDocument,
  cycle: CycleEntry,
  slcpLaunched: boolean
): PreferenceReminderBlock | undefined {
  if (factory.managerUserIds.length === 0) return 'noManager';
  if (factory.sharing.pendingForNextCycle) return 'sharingRequested';
  const optedOutOn = factory.sharing.optedOutAt?.slice(0, 10);
  if (optedOutOn !== undefined && optedOutOn >= cycle.startsOn) return 'optedOut';
  if (factory.cycles.some((other) => other.sequence > cycle.sequence)) return 'nextCycleRegistered';
  if (!slcpLaunched) return 'slcpNotLaunched';
  return undefined;
}

/**
 * R3: the cycle whose preference reminder is due on `now`'s day, or undefined: a cycle is running, its
 * reminder window has opened (see `preferenceReminderOpensOn`), nobody was reminded for it yet
 * (`preferenceReminderSentAt`), and nothing blocks it (see `preferenceReminderBlock`).
 */
export function preferenceReminderDue(
  factory: FactoryDocument,
  now: Date,
  slcpLaunched = true
): CycleEntry | undefined {
  const cycle = runningCycleOf(factory, now);
  if (!cycle || cycle.preferenceReminderSentAt !== undefined) return undefined;
  if (utcDay(now) < preferenceReminderOpensOn(cycle)) return undefined;
  if (preferenceReminderBlock(factory, cycle, slcpLaunched) !== undefined) return undefined;
  return cycle;
}

/** The factory with the reminder of `cycleId` recorded as sent at `now` (so it is never sent twice). */
export function markPreferenceReminderSent(factory: FactoryDocument, cycleId: string, now: Date): FactoryDocument {
  return {
    ...factory,
    cycles: factory.cycles.map((cycle) =>
      cycle.cycleId === cycleId ? { ...cycle, preferenceReminderSentAt: now.toISOString() } : cycle
    ),
  };
}
