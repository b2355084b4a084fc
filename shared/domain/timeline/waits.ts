// How long a durable orchestration waits before it looks at its facts again. Pure.
//
// Not a rule duration (those live in ../durations.ts): this bounds one execution of an orchestration. Azure
// Storage splits a durable timer longer than 6 days (`maximumShortTimerDuration`) into 3-day pieces
// (`longRunningTimerIntervalDuration`), each piece adding its history events; a wait of at most 21 days is
// at most 6 pieces, which keeps an execution's history under 60 events before it continues as new. A wait
// that ends early only makes the orchestration re-read its facts and wait again.
import { addIsoDuration, parseIsoDuration } from '../isoDuration';

export const longestDurableWait = 'P21D';

const longestWait = parseIsoDuration(longestDurableWait)!;

/**
 * How soon an orchestration whose activity still failed after its retries (the store away longer than the
 * retries last) tries again: soon enough that a reminder is late by an hour rather than until the next due
 * date or the daily reconciliation, rarely enough that a long outage is not a hot loop.
 */
export const retryAfterFailure = 'PT1H';

const retryWait = parseIsoDuration(retryAfterFailure)!;

/** When an orchestration that failed to act at `now` tries again, unless something is due earlier. */
export function retryWake(now: Date): Date {
  return addIsoDuration(now, retryWait);
}

/** The latest moment an orchestration waiting since `now` wakes up to re-read its facts. */
export function latestWake(now: Date): Date {
  return addIsoDuration(now, longestWait);
}

/** The earliest of the candidate moments, but never later than `latestWake(now)` nor earlier than `now`. */
export function wakeAt(now: Date, candidates: readonly (string | Date | null | undefined)[]): Date {
  let wake = latestWake(now).getTime();
  for (const candidate of candidates) {
    if (candidate === null || candidate === undefined) continue;
    const at = new Date(candidate).getTime();
    if (!Number.isNaN(at) && at < wake) wake = at;
  }
  return new Date(Math.max(wake, now.getTime()));
}

/** The start (00:00 UTC) of a calendar day `YYYY-MM-DD`. */
export function startOfDay(day: string): Date {
  return new Date(`${day}T00:00:00Z`);
}

/** The start of the day after `day`: when a period whose last day is `day` is over. */
export function endOfDay(day: string): Date {
  const start = startOfDay(day);
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + 1));
}

export function later(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b;
}
