import { addIsoDuration, parseIsoDuration, subtractIsoDuration } from '../../shared/domain/isoDuration';

describe('ISO 8601 durations on the UTC calendar', () => {
  const add = (from: string, duration: string) =>
    addIsoDuration(new Date(from), parseIsoDuration(duration)!).toISOString();

  it('adds days, weeks and times exactly', () => {
    expect(add('2026-01-01T00:00:00Z', 'P30D')).toBe('2026-01-31T00:00:00.000Z');
    expect(add('2026-01-01T00:00:00Z', 'P2W')).toBe('2026-01-15T00:00:00.000Z');
    expect(add('2026-01-01T00:00:00Z', 'PT36H30M15.5S')).toBe('2026-01-02T12:30:15.500Z');
  });

  it('adds months and years on the calendar, clamping to the month end', () => {
    expect(add('2026-01-31T10:00:00Z', 'P1M')).toBe('2026-02-28T10:00:00.000Z');
    expect(add('2028-01-31T10:00:00Z', 'P1M')).toBe('2028-02-29T10:00:00.000Z');
    expect(add('2026-11-30T00:00:00Z', 'P1Y2M')).toBe('2028-01-30T00:00:00.000Z');
  });

  it('subtracts months on the calendar, clamping to the month end, then the exact part', () => {
    const subtract = (from: string, duration: string) =>
      subtractIsoDuration(new Date(from), parseIsoDuration(duration)!).toISOString();
    expect(subtract('2026-03-31T00:00:00Z', 'P2M')).toBe('2026-01-31T00:00:00.000Z');
    expect(subtract('2026-04-30T00:00:00Z', 'P2M')).toBe('2026-02-28T00:00:00.000Z');
    expect(subtract('2028-04-30T00:00:00Z', 'P2M')).toBe('2028-02-29T00:00:00.000Z');
    expect(subtract('2027-01-15T06:00:00Z', 'P2M')).toBe('2026-11-15T06:00:00.000Z');
    expect(subtract('2026-01-01T00:00:00Z', 'P1DT1H')).toBe('2025-12-30T23:00:00.000Z');
  });

  it('refuses what is not a duration', () => {
    for (const text of ['P', 'PT', '30D', 'P1.5D', 'P-1D', 'PT1X', '', 'P1DT']) {
      expect(parseIsoDuration(text)).toBeUndefined();
    }
  });
});
