import type { LocalClock } from '../clock';

/** Something that wants to be woken at a time on the clock: timer triggers now, durable timers later. */
export interface WakeupSource {
  readonly name: string;
  /** The earliest time it is due, if any. */
  nextDue(): Date | undefined;
  /** Runs whatever is due at `now`. */
  fireDue(now: Date): Promise<void>;
  /**
   * Recurring work (timer triggers) that may be coalesced: when the clock jumps to another source's due
   * moment, the occurrences skipped on the way fire once there, as past due, like a host that was asleep.
   */
  readonly coalesce?: boolean;
}

export interface SchedulerLog {
  (message: string): void;
}

/** The most due moments one virtual jump steps through one by one; past that the rest fire once, as past due. */
export const maxStepsPerJump = 1000;
const maxTimeoutMs = 60_000;

/**
 * Wakes sources when their time comes on the local clock. With a virtual clock, `advanceTo` steps the
 * clock through every due moment in order, so a month's timers fire in order in a moment.
 */
export class Scheduler {
  private readonly sources: WakeupSource[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private busy: Promise<void> = Promise.resolve();

  constructor(
    private readonly clock: LocalClock,
    private readonly log: SchedulerLog
  ) {}

  add(source: WakeupSource): void {
    this.sources.push(source);
    if (this.running) this.reschedule();
  }

  start(): void {
    this.running = true;
    this.reschedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.busy;
  }

  /**
   * Moves the (virtual) clock to `target`, firing everything due on the way in time order. Each one-off
   * wake-up (a Gateway approval, a durable timer) fires at its own moment; recurring timer triggers step
   * occurrence by occurrence only between them, so a month's jump stays quick.
   */
  advanceTo(target: Date): Promise<void> {
    return this.exclusive(async () => {
      let steps = 0;
      for (;;) {
        const nextOneOff = this.earliestDue((source) => !source.coalesce);
        const next = nextOneOff && nextOneOff.getTime() <= target.getTime() ? nextOneOff : this.earliestDue(() => true);
        if (!next || next.getTime() > target.getTime() || steps >= maxStepsPerJump) break;
        if (next.getTime() > this.clock.now().getTime()) this.clock.jumpTo(next);
        await this.fireDue();
        steps++;
      }
      if (target.getTime() > this.clock.now().getTime()) this.clock.jumpTo(target);
      await this.fireDue();
    });
  }

  private earliestDue(include: (source: WakeupSource) => boolean = () => true): Date | undefined {
    let earliest: Date | undefined;
    for (const source of this.sources.filter(include)) {
      const due = source.nextDue();
      if (due && (!earliest || due.getTime() < earliest.getTime())) earliest = due;
    }
    return earliest;
  }

  private async fireDue(): Promise<void> {
    const now = this.clock.now();
    for (const source of this.sources) {
      const due = source.nextDue();
      if (due && due.getTime() <= now.getTime()) {
        try {
          await source.fireDue(now);
        } catch (error) {
          this.log(`${source.name}: ${(error as Error).message}`);
        }
      }
    }
  }

  private exclusive(work: () => Promise<void>): Promise<void> {
    const run = this.busy.then(work);
    this.busy = run.catch(() => undefined).finally(() => this.reschedule());
    return run;
  }

  private reschedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.running) return;
    const next = this.earliestDue();
    if (!next) return;
    // Re-check at least every minute: the virtual clock may have jumped, and long timeouts drift.
    const delay = Math.min(Math.max(next.getTime() - this.clock.now().getTime(), 0), maxTimeoutMs);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.exclusive(() => this.fireDue());
    }, delay);
    this.timer.unref();
  }
}
