import type { LocalClock } from '../clock';

/** Something that wants to be woken at a time on the clock: timer triggers, the Gateway simulator, durable timers. */
export interface WakeupSource {
  readonly name: string;
  /**
   * The earliest time it is due, if any. A source may batch wake-ups that fall close together by answering
   * a little later than its earliest (the durable engine: at the last of the timers due within a second), but
   * never later than `until` when that is after its earliest: the scheduler passes the jump's target, or now.
   */
  nextDue(until?: Date): Date | undefined;
  /** Runs whatever is due at `now`. */
  fireDue(now: Date): Promise<void>;
  /**
   * Recurring work (timer triggers) that may be coalesced: when the clock jumps to another source's due
   * moment, the occurrences skipped on the way fire once there, as past due, like a host that was asleep.
   */
  readonly coalesce?: boolean;
  /**
   * Resolves once the work this source started has finished (the durable engine: no episode or activity
   * running or waiting to run, only timers and events awaited). A virtual-clock jump awaits it before each
   * move and after each firing, so whatever is caused at an instant happens at that instant.
   */
  settle?(): Promise<void>;
}

export interface SchedulerLog {
  (message: string): void;
}

/**
 * The most occurrences of recurring timers one virtual jump steps through one by one; past that they fire
 * once, as past due. One-off wake-ups (durable timers, the Gateway's approvals) always fire at their moment.
 * Thirty: a month of a daily timer, half an hour of the per-minute outbox (3,000 deliveries). Each step of the
 * outbox is a query across partitions, which the local Cosmos server answers by reading every document of
 * the container; at 1,000 a day's jump spent its last 16 hours stepping it.
 */
export const maxStepsPerJump = 30;
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
   * occurrence by occurrence only between them, so a month's jump stays quick. The clock stands still at each
   * moment until what is due there has run: timers armed there are armed from that moment, so wake-ups that
   * fall together stay together.
   */
  advanceTo(target: Date): Promise<void> {
    return this.exclusive(async () => {
      this.clock.hold();
      try {
        await this.stepTo(target);
      } finally {
        this.clock.release();
      }
    });
  }

  private async stepTo(target: Date): Promise<void> {
    let steps = 0;
    for (;;) {
      await this.settle();
      const nextOneOff = this.earliestDue((source) => !source.coalesce, target);
      const oneOffFirst = nextOneOff !== undefined && nextOneOff.getTime() <= target.getTime();
      const next = oneOffFirst ? nextOneOff : this.earliestDue(() => true, target);
      if (!next || next.getTime() > target.getTime()) break;
      if (!oneOffFirst && steps >= maxStepsPerJump) break;
      // Recurring timers step only when no one-off is due before the target: the clock is then saved once, up
      // to the target, not once per occurrence (a file write each). A restart after a crash resumes there,
      // coalescing the recurring occurrences left, never behind a moment something already happened at.
      if (next.getTime() > this.clock.now().getTime()) this.clock.jumpTo(next, oneOffFirst ? next : target);
      await this.fireDue(true);
      if (!oneOffFirst) steps++;
    }
    if (target.getTime() > this.clock.now().getTime()) this.clock.jumpTo(target);
    await this.fireDue(true);
  }

  /** A source's due times changed (a durable timer was armed): look again when to wake up. */
  changed(): void {
    if (this.running) this.reschedule();
  }

  /** Resolves once every source has settled (see WakeupSource.settle). */
  async settle(): Promise<void> {
    for (const source of this.sources) if (source.settle) await source.settle();
  }

  private earliestDue(include: (source: WakeupSource) => boolean = () => true, until?: Date): Date | undefined {
    let earliest: Date | undefined;
    for (const source of this.sources.filter(include)) {
      const due = source.nextDue(until);
      if (due && (!earliest || due.getTime() < earliest.getTime())) earliest = due;
    }
    return earliest;
  }

  private async fireDue(settle = false): Promise<void> {
    const now = this.clock.now();
    for (const source of this.sources) {
      const due = source.nextDue(now);
      if (due && due.getTime() <= now.getTime()) {
        try {
          await source.fireDue(now);
          if (settle) await source.settle?.();
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
