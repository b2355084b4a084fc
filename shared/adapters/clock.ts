import { hostClockKey, type Clock } from '../ports/clock';

export const systemClock: Clock = { now: () => new Date() };

/** The clock the host provides (the local host's real or virtual clock), else the system clock as in Azure. */
export function resolveClock(): Clock {
  const hostClock = (globalThis as Record<symbol, unknown>)[hostClockKey] as Clock | undefined;
  return hostClock && typeof hostClock.now === 'function' ? hostClock : systemClock;
}
