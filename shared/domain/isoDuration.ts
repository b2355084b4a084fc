// ISO 8601 durations (PnYnMnWnDTnHnMnS), added (or subtracted) on the UTC calendar: P1M from 31 January is the
// last day of February, and P2M before 30 April is the last day of February.

export interface IsoDuration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const pattern =
  /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?!$)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?)?$/;

export function parseIsoDuration(text: string): IsoDuration | undefined {
  const match = pattern.exec(text);
  if (!match) return undefined;
  const [years, months, weeks, days, hours, minutes, seconds] = match.slice(1).map((v) => (v ? Number(v) : 0));
  return {
    years: years!,
    months: months!,
    weeks: weeks!,
    days: days!,
    hours: hours!,
    minutes: minutes!,
    seconds: seconds!,
  };
}

export function addIsoDuration(from: Date, duration: IsoDuration): Date {
  return shift(from, duration, 1);
}

/** `from` minus `duration`: the months first (clamped to the month end), then the exact part. */
export function subtractIsoDuration(from: Date, duration: IsoDuration): Date {
  return shift(from, duration, -1);
}

function shift(from: Date, duration: IsoDuration, sign: 1 | -1): Date {
  const result = new Date(from.getTime());
  const totalMonths = sign * (duration.years * 12 + duration.months);
  if (totalMonths !== 0) {
    const day = result.getUTCDate();
    result.setUTCDate(1);
    result.setUTCMonth(result.getUTCMonth() + totalMonths);
    const lastDay = new Date(Date.UTC(result.getUTCFullYear(), result.getUTCMonth() + 1, 0)).getUTCDate();
    result.setUTCDate(Math.min(day, lastDay));
  }
  const ms =
    ((duration.weeks * 7 + duration.days) * 86_400 +
      duration.hours * 3_600 +
      duration.minutes * 60 +
      duration.seconds) *
    1000;
  return new Date(result.getTime() + sign * ms);
}
