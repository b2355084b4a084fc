// Delivering what a change must send (emails, portal notifications) after it commits: the outbox rules.
// A delivery that fails is retried with exponential backoff (1, 2, 4, … minutes, at most 1 hour); after
// 10 attempts the entry is marked failed and stays for someone to look at. Nothing is ever dropped silently.
import type { OutboxDocument } from '../factory/factory';

export const outboxMaxAttempts = 10;
export const outboxMaxBackoffMinutes = 60;

/** Minutes to wait after the n-th failed attempt (n ≥ 1): 1, 2, 4, 8, 16, 32, 60, 60, … */
export function backoffMinutes(failedAttempts: number): number {
  const exponent = Math.max(0, Math.floor(failedAttempts) - 1);
  return Math.min(2 ** Math.min(exponent, 30), outboxMaxBackoffMinutes);
}

export function isDue(entry: OutboxDocument, now: Date): boolean {
  return entry.status === 'pending' && Date.parse(entry.nextAttemptAt) <= now.getTime();
}

export function afterDelivery(entry: OutboxDocument): OutboxDocument {
  return { ...entry, status: 'delivered', attempts: entry.attempts + 1, lastError: undefined };
}

/** The entry after a failed attempt: retried later, or failed for good after the 10th attempt. */
export function afterFailure(entry: OutboxDocument, error: string, now: Date): OutboxDocument {
  const attempts = entry.attempts + 1;
  const lastError = error.slice(0, 500);
  if (attempts >= outboxMaxAttempts) return { ...entry, status: 'failed', attempts, lastError };
  return {
    ...entry,
    attempts,
    lastError,
    nextAttemptAt: new Date(now.getTime() + backoffMinutes(attempts) * 60_000).toISOString(),
  };
}
