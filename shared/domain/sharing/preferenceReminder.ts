// R3: two months before the running cycle ends, the factory managers are invited to state their preference
// (share via SLCP from the next cycle or not), with a link to the request page (G: A). Once per cycle.
// Pure: time is passed in.
//
// The calendar: a cycle's `endsOn` is its last day, and the reminder window opens on that day minus two
// calendar months (the rule duration `preferenceReminderLead`), clamped to the month end: a cycle ending on
// 31 March is reminded from 31 January, one ending on 30 April from the last day of February, one ending on
// 31 December from 31 October. A cycle shorter than that is reminded on its first day.
import { utcDay } from '../countryProgrammes';
import { addRuleDuration, subtractRuleDuration } from '../durations';
import type { CycleEntry, FactoryDocument } from '../factory/factory';

const dayMs = 86_400_000;

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

/**
 * R3: the cycle whose preference reminder is due on `now`'s day, or undefined. Due when
 * - a cycle is running and its reminder window has opened (see `preferenceReminderOpensOn`);
 * - the factory has a manager to remind;
 * - nobody was reminded for that cycle yet (`preferenceReminderSentAt`);
 * - the factory has not already asked to share from the next cycle (R2: nothing to invite it to);
 * - the factory did not tell Better Work during this cycle that it does not want to share (an opt-out
 *   recorded since the cycle started, R6: it has stated its preference);
 * - its next cycle is not registered yet (then the choice for it was made at registration, R23, and a
 *   request now would only apply to the cycle after it).
 */
export function preferenceReminderDue(factory: FactoryDocument, now: Date): CycleEntry | undefined {
  if (factory.managerUserIds.length === 0) return undefined;
  if (factory.sharing.pendingForNextCycle) return undefined;
  const cycle = runningCycleOf(factory, now);
  if (!cycle || cycle.preferenceReminderSentAt !== undefined) return undefined;
  if (utcDay(now) < preferenceReminderOpensOn(cycle)) return undefined;
  const optedOutOn = factory.sharing.optedOutAt?.slice(0, 10);
  if (optedOutOn !== undefined && optedOutOn >= cycle.startsOn) return undefined;
  if (factory.cycles.some((other) => other.sequence > cycle.sequence)) return undefined;
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

/**
 * The latest last day a running cycle may have for its reminder window to be open on `now`'s day: the
 * bound of the background query (`endsOn <= this`), exact on the calendar, month-end clamping included.
 */
export function latestCycleEndInReminderWindow(now: Date): string {
  const today = utcDay(now);
  let last = utcDay(addRuleDuration(startOfDay(today), 'preferenceReminderLead'));
  // Month ends clamp (two months before 29, 30 and 31 April are all the last day of February), so a few later
  // last days may open on the same day; the opening day never decreases as the last day moves on.
  for (;;) {
    const next = utcDay(new Date(startOfDay(last).getTime() + dayMs));
    if (preferenceReminderOpensOn({ endsOn: next }) > today) return last;
    last = next;
  }
}
