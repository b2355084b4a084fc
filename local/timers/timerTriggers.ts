import type { RegisteredFunction } from '../core/registry';
import { NcrontabSchedule } from './ncrontab';
import type { WakeupSource } from './scheduler';

interface TimerState {
  fn: RegisteredFunction;
  schedule: NcrontabSchedule;
  last: Date | undefined;
  next: Date;
}

export type TimerInvoker = (fn: RegisteredFunction, timerInfo: Record<string, unknown>) => Promise<void>;

export function validateTimerTrigger(fn: RegisteredFunction): void {
  const schedule = fn.trigger['schedule'];
  if (typeof schedule !== 'string') throw new Error(`Timer function "${fn.name}" has no schedule.`);
  NcrontabSchedule.parse(schedule);
}

/**
 * The app's timer triggers as a wake-up source. Like the Functions host, a timer whose occurrence was
 * missed (host stopped, or a jump too long to step through) fires once with `isPastDue` set.
 */
export class TimerTriggers implements WakeupSource {
  readonly name = 'timer triggers';
  readonly coalesce = true;
  private readonly timers: TimerState[];

  constructor(
    functions: RegisteredFunction[],
    now: Date,
    private readonly invoke: TimerInvoker
  ) {
    this.timers = functions.map((fn) => {
      const schedule = NcrontabSchedule.parse(String(fn.trigger['schedule']));
      return { fn, schedule, last: undefined, next: schedule.nextAfter(now) };
    });
  }

  get functionNames(): string[] {
    return this.timers.map((t) => t.fn.name);
  }

  /** Fires the timers registered with `runOnStartup: true`. */
  async runOnStartup(now: Date): Promise<void> {
    for (const timer of this.timers.filter((t) => t.fn.trigger['runOnStartup'] === true)) {
      await this.fire(timer, now, false);
    }
  }

  nextDue(): Date | undefined {
    let earliest: Date | undefined;
    for (const timer of this.timers) if (!earliest || timer.next < earliest) earliest = timer.next;
    return earliest;
  }

  async fireDue(now: Date): Promise<void> {
    for (const timer of this.timers) {
      if (timer.next.getTime() > now.getTime()) continue;
      const missedMore = timer.schedule.nextAfter(timer.next).getTime() <= now.getTime();
      await this.fire(timer, now, missedMore);
    }
  }

  private async fire(timer: TimerState, now: Date, isPastDue: boolean): Promise<void> {
    const next = timer.schedule.nextAfter(now);
    const timerInfo = {
      Schedule: { AdjustForDST: true },
      ScheduleStatus: {
        Last: (timer.last ?? now).toISOString(),
        Next: next.toISOString(),
        LastUpdated: now.toISOString(),
      },
      IsPastDue: isPastDue,
    };
    timer.last = now;
    timer.next = next;
    await this.invoke(timer.fn, timerInfo);
  }
}
