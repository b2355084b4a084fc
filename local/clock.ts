import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostClockKey, type Clock } from '../shared/ports/clock';
import { CorruptDataError } from './errors';

export type ClockMode = 'real' | 'virtual';

export class ClockError extends Error {
  override name = 'ClockError';
}

/**
 * The local host's clock. Real by default; virtual when asked: then it runs at real speed from an
 * offset that only moves forward (never backwards), and the offset survives restarts. While a virtual jump
 * runs (`hold`), it stands still at each moment the jump stops at, so whatever is caused at a moment is dated
 * at that moment, however long it takes to run.
 */
export class LocalClock implements Clock {
  private offsetMs: number;
  /** The offset last written to the state file (a restart resumes from it). */
  private savedOffsetMs: number;
  /** While held: the instant (ms) the clock stands at. */
  private heldAt: number | undefined;

  constructor(
    readonly mode: ClockMode,
    private readonly stateFile?: string
  ) {
    this.offsetMs = mode === 'virtual' && stateFile ? readOffset(stateFile) : 0;
    this.savedOffsetMs = this.offsetMs;
  }

  now(): Date {
    return new Date(this.heldAt ?? Date.now() + this.offsetMs);
  }

  /**
   * Stops a virtual clock where it is until `release()`; `jumpTo` still moves it. A jump through many
   * moments holds it: otherwise each moment's work would spread its own timers over the milliseconds it
   * took to run, and the next pass would meet them one by one. A real clock is never held.
   */
  hold(): void {
    if (this.mode === 'virtual' && this.heldAt === undefined) this.heldAt = Date.now() + this.offsetMs;
  }

  /** Lets a held clock run at real speed again, from where it stands. */
  release(): void {
    if (this.heldAt === undefined) return;
    this.offsetMs = this.heldAt - Date.now();
    this.heldAt = undefined;
  }

  /**
   * Moves a virtual clock forward to `target`. The new offset is saved (a restart resumes from it), unless a
   * save made ahead (`saveUpTo` of an earlier jump) covers it already: a jump through many moments saves once
   * up to the next moment that must not be skipped, rather than once per moment.
   */
  jumpTo(target: Date, saveUpTo?: Date): void {
    if (this.mode !== 'virtual') {
      throw new ClockError('The clock is real; start the local host with --virtual-clock to move it.');
    }
    const delta = target.getTime() - this.now().getTime();
    if (delta < 0) throw new ClockError(`The clock only moves forward; it is already ${this.now().toISOString()}.`);
    this.offsetMs += delta;
    if (this.heldAt !== undefined) this.heldAt = target.getTime();
    if (this.stateFile && this.savedOffsetMs < this.offsetMs) {
      const ahead = saveUpTo ? Math.max(0, saveUpTo.getTime() - target.getTime()) : 0;
      writeOffset(this.stateFile, this.offsetMs + ahead);
      this.savedOffsetMs = this.offsetMs + ahead;
    }
  }

  /** Makes this clock the one the function app reads through its clock port. */
  publishToApp(): void {
    (globalThis as Record<symbol, unknown>)[hostClockKey] = this;
  }
}

export function clockStateFile(dataDir: string): string {
  return join(dataDir, 'clock.json');
}

function readOffset(file: string): number {
  if (!existsSync(file)) return 0;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { offsetMs?: unknown };
    if (typeof parsed.offsetMs !== 'number' || !Number.isFinite(parsed.offsetMs)) throw new Error('no offsetMs');
    return parsed.offsetMs;
  } catch {
    throw new CorruptDataError(file, 'is not a valid virtual clock state');
  }
}

function writeOffset(file: string, offsetMs: number): void {
  const temp = `${file}.tmp`;
  writeFileSync(temp, JSON.stringify({ offsetMs, savedAt: new Date().toISOString() }));
  renameSync(temp, file);
}
