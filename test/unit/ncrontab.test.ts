import { NcrontabSchedule, ScheduleError } from '../../local/timers/ncrontab';

describe('NCRONTAB schedules of timer triggers', () => {
  it('reads six fields, seconds first, in UTC', () => {
    const daily = NcrontabSchedule.parse('0 0 2 * * *');
    expect(daily.nextAfter(new Date('2026-03-01T01:59:59Z')).toISOString()).toBe('2026-03-01T02:00:00.000Z');
    expect(daily.nextAfter(new Date('2026-03-01T02:00:00Z')).toISOString()).toBe('2026-03-02T02:00:00.000Z');
    const everyFiveMinutes = NcrontabSchedule.parse('0 */5 * * * *');
    expect(everyFiveMinutes.nextAfter(new Date('2026-03-01T00:01:00Z')).toISOString()).toBe('2026-03-01T00:05:00.000Z');
    const weekdays = NcrontabSchedule.parse('0 30 9 * * MON-FRI');
    expect(weekdays.nextAfter(new Date('2026-11-21T00:00:00Z')).toISOString()).toBe('2026-11-23T09:30:00.000Z');
  });

  it('resolves %AppSetting% references', () => {
    const schedule = NcrontabSchedule.parse('%RECONCILE_SCHEDULE%', { RECONCILE_SCHEDULE: '0 0 3 * * *' });
    expect(schedule.expression).toBe('0 0 3 * * *');
    expect(() => NcrontabSchedule.parse('%MISSING%', {})).toThrow(/MISSING, which is not set/);
  });

  it('rejects five-field cron, TimeSpans and nonsense with a message that says why', () => {
    expect(() => NcrontabSchedule.parse('0 2 * * *')).toThrow(/has 5 fields; NCRONTAB needs six/);
    expect(() => NcrontabSchedule.parse('00:05:00')).toThrow(/TimeSpan/);
    expect(() => NcrontabSchedule.parse('0 0 25 * * *')).toThrow(ScheduleError);
  });
});
