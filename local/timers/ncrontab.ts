import { CronExpressionParser, type CronExpression } from 'cron-parser';

export class ScheduleError extends Error {
  override name = 'ScheduleError';
}

/**
 * An NCRONTAB schedule as Azure Functions timer triggers take it: six fields
 * `{second} {minute} {hour} {day} {month} {day-of-week}`, evaluated in UTC; `%Name%` reads an app setting.
 */
export class NcrontabSchedule {
  private constructor(
    readonly expression: string,
    private readonly parsedFrom: (from: Date) => CronExpression
  ) {}

  static parse(schedule: string, env: NodeJS.ProcessEnv = process.env): NcrontabSchedule {
    let expression = schedule.trim();
    const setting = /^%([^%]+)%$/.exec(expression);
    if (setting) {
      const value = env[setting[1]!];
      if (!value) throw new ScheduleError(`Schedule "${schedule}" names app setting ${setting[1]}, which is not set.`);
      expression = value.trim();
    }
    if (/^\d+(\.\d+)?:\d{2}(:\d{2})?$/.test(expression)) {
      throw new ScheduleError(
        `Schedule "${expression}" is a TimeSpan, which only App Service plans accept; use a six-field NCRONTAB expression.`
      );
    }
    const fields = expression.split(/\s+/);
    if (fields.length !== 6) {
      throw new ScheduleError(
        `Schedule "${expression}" has ${fields.length} fields; NCRONTAB needs six: second minute hour day month day-of-week.`
      );
    }
    const parsedFrom = (from: Date) => CronExpressionParser.parse(expression, { currentDate: from, tz: 'UTC' });
    try {
      parsedFrom(new Date(0)).next();
    } catch (error) {
      throw new ScheduleError(`Schedule "${expression}" is not valid NCRONTAB: ${(error as Error).message}.`);
    }
    return new NcrontabSchedule(expression, parsedFrom);
  }

  /** The first occurrence strictly after `after`. */
  nextAfter(after: Date): Date {
    return this.parsedFrom(after).next().toDate();
  }
}
