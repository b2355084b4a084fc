import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClockError, clockStateFile, LocalClock } from '../../local/clock';
import type { RegisteredFunction } from '../../local/core/registry';
import { CorruptDataError } from '../../local/errors';
import { maxStepsPerJump, Scheduler } from '../../local/timers/scheduler';
import { TimerTriggers } from '../../local/timers/timerTriggers';

const timerFunction = (name: string, schedule: string, runOnStartup = false): RegisteredFunction => ({
  name,
  metadata: { name, bindings: {} },
  callback: () => undefined,
  triggerName: 'timer',
  trigger: { type: 'timerTrigger', schedule, runOnStartup },
});

function virtualClockAt(iso: string): LocalClock {
  const clock = new LocalClock('virtual');
  clock.jumpTo(new Date(iso));
  return clock;
}

interface Fired {
  name: string;
  at: string;
  info: { IsPastDue: boolean; ScheduleStatus: { Last: string; Next: string } };
}

function setUp(clock: LocalClock, functions: RegisteredFunction[]) {
  const fired: Fired[] = [];
  const timers = new TimerTriggers(functions, clock.now(), async (fn, info) => {
    fired.push({ name: fn.name, at: clock.now().toISOString(), info: info as Fired['info'] });
  });
  const scheduler = new Scheduler(clock, () => undefined);
  scheduler.add(timers);
  return { fired, timers, scheduler };
}

describe('virtual clock and timer triggers', () => {
  it('steps through every occurrence in order when the clock jumps, each at its own time', async () => {
    const clock = virtualClockAt('2030-01-01T00:00:00Z');
    const { fired, scheduler } = setUp(clock, [
      timerFunction('daily', '0 0 2 * * *'),
      timerFunction('twiceDaily', '0 0 */12 * * *'),
    ]);
    await scheduler.advanceTo(new Date('2030-01-03T06:00:00Z'));
    expect(fired.map((f) => `${f.name}@${f.at.slice(0, 16)}`)).toEqual([
      'daily@2030-01-01T02:00',
      'twiceDaily@2030-01-01T12:00',
      'twiceDaily@2030-01-02T00:00',
      'daily@2030-01-02T02:00',
      'twiceDaily@2030-01-02T12:00',
      'twiceDaily@2030-01-03T00:00',
      'daily@2030-01-03T02:00',
    ]);
    expect(fired.every((f) => !f.info.IsPastDue)).toBe(true);
    expect(fired[3]!.info.ScheduleStatus).toMatchObject({
      Last: expect.stringMatching(/^2030-01-01T02:00/),
      Next: '2030-01-03T02:00:00.000Z',
    });
    expect(clock.now().getTime()).toBeGreaterThanOrEqual(Date.parse('2030-01-03T06:00:00Z'));
    await scheduler.stop();
  });

  it('fires a timer with too many occurrences in one jump once more as past due, like a host that was down', async () => {
    const clock = virtualClockAt('2030-01-01T00:00:00Z');
    const { fired, scheduler } = setUp(clock, [timerFunction('everySecond', '* * * * * *')]);
    await scheduler.advanceTo(new Date('2030-01-02T00:00:00Z'));
    expect(fired.length).toBe(maxStepsPerJump + 1);
    expect(fired.slice(0, -1).every((f) => !f.info.IsPastDue)).toBe(true);
    expect(fired.at(-1)!.info.IsPastDue).toBe(true);
    expect(fired.at(-1)!.at.startsWith('2030-01-02T00:00:00')).toBe(true);
    await scheduler.stop();
  });

  it('fires a one-off wake-up at its own moment, coalescing the timer occurrences skipped on the way', async () => {
    const clock = virtualClockAt('2030-01-01T00:00:00Z');
    const { fired, scheduler } = setUp(clock, [timerFunction('everyMinute', '0 * * * * *')]);
    const oneOffFiredAt: string[] = [];
    let due: Date | undefined = new Date('2030-01-03T00:00:30Z');
    scheduler.add({
      name: 'approval',
      nextDue: () => due,
      fireDue: async () => {
        oneOffFiredAt.push(clock.now().toISOString().slice(0, 19));
        due = undefined;
      },
    });
    await scheduler.advanceTo(new Date('2030-01-03T00:02:00Z'));
    expect(oneOffFiredAt).toEqual(['2030-01-03T00:00:30']);
    expect(fired.map((f) => [f.at.slice(0, 19), f.info.IsPastDue])).toEqual([
      ['2030-01-03T00:00:30', true],
      ['2030-01-03T00:01:00', false],
      ['2030-01-03T00:02:00', false],
    ]);
    await scheduler.stop();
  });

  it('holds the clock at each moment of a jump while its work runs, and lets it run again after', async () => {
    const clock = virtualClockAt('2030-01-01T00:00:00Z');
    const scheduler = new Scheduler(clock, () => undefined);
    const seen: string[] = [];
    let due: Date | undefined = new Date('2030-01-02T00:00:00Z');
    scheduler.add({
      name: 'slow work',
      nextDue: () => due,
      fireDue: async () => {
        due = undefined;
        const before = clock.now().toISOString();
        await new Promise((resolve) => setTimeout(resolve, 50));
        seen.push(before, clock.now().toISOString());
      },
    });
    await scheduler.advanceTo(new Date('2030-01-03T00:00:00Z'));
    // what ran at a moment is dated at that moment, however long it took
    expect(seen).toEqual(['2030-01-02T00:00:00.000Z', '2030-01-02T00:00:00.000Z']);
    const after = clock.now().getTime();
    expect(after - Date.parse('2030-01-03T00:00:00Z')).toBeGreaterThanOrEqual(0);
    expect(after - Date.parse('2030-01-03T00:00:00Z')).toBeLessThan(1_000);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(clock.now().getTime()).toBeGreaterThanOrEqual(after + 20);
  });

  it('runs runOnStartup timers at start', async () => {
    const clock = virtualClockAt('2030-01-01T00:00:00Z');
    const { fired, timers } = setUp(clock, [
      timerFunction('atStart', '0 0 0 1 1 *', true),
      timerFunction('later', '0 0 0 1 1 *'),
    ]);
    await timers.runOnStartup(clock.now());
    expect(fired.map((f) => f.name)).toEqual(['atStart']);
  });

  it('fires on real time too, when the occurrence comes', async () => {
    const clock = new LocalClock('real');
    const { fired, scheduler } = setUp(clock, [timerFunction('everySecond', '* * * * * *')]);
    scheduler.start();
    const deadline = Date.now() + 5_000;
    while (fired.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await scheduler.stop();
    expect(fired.length).toBeGreaterThanOrEqual(1);
  });
});

describe('local clock', () => {
  it('does not move when it is real', () => {
    expect(() => new LocalClock('real').jumpTo(new Date('2031-01-01T00:00:00Z'))).toThrow(ClockError);
  });

  it('stands still while held, moves on a jump, and runs on from where it stood when released', async () => {
    const clock = virtualClockAt('2030-06-01T00:00:00Z');
    clock.hold();
    const held = clock.now().getTime();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(clock.now().getTime()).toBe(held);
    clock.jumpTo(new Date('2030-06-02T00:00:00Z'));
    expect(clock.now().toISOString()).toBe('2030-06-02T00:00:00.000Z');
    clock.release();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const now = clock.now().getTime();
    expect(now).toBeGreaterThanOrEqual(Date.parse('2030-06-02T00:00:00Z') + 20);
    expect(now).toBeLessThan(Date.parse('2030-06-02T00:00:10Z'));
    const real = new LocalClock('real');
    real.hold();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(Math.abs(real.now().getTime() - Date.now())).toBeLessThan(5);
  });

  it('never moves backwards', () => {
    const clock = virtualClockAt('2030-06-01T00:00:00Z');
    expect(() => clock.jumpTo(new Date('2030-05-01T00:00:00Z'))).toThrow(/only moves forward/);
  });

  it('keeps a virtual time across restarts, and reports a corrupt state file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clock-'));
    try {
      const file = clockStateFile(dir);
      new LocalClock('virtual', file).jumpTo(new Date('2031-02-03T04:05:06Z'));
      const restarted = new LocalClock('virtual', file);
      expect(restarted.now().getTime()).toBeGreaterThanOrEqual(Date.parse('2031-02-03T04:05:06Z'));
      expect(restarted.now().getTime()).toBeLessThan(Date.parse('2031-02-03T04:06:06Z'));
      writeFileSync(file, '{not json');
      expect(() => new LocalClock('virtual', file)).toThrow(CorruptDataError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
