import { formatTable, formatValue, median, meetsTarget, mergeResults, type MachineInfo } from '../../bench/results';
import { parseStat } from '../../bench/procTree';

const machine: MachineInfo = {
  cpu: 'test cpu',
  cores: 2,
  memory_gb: 4,
  node: 'v20.0.0',
  os: 'Linux',
  date: '2026-01-01T00:00:00.000Z',
  load_average_1m: 0,
};

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones, whatever the order', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(() => median([])).toThrow();
  });
});

describe('meetsTarget', () => {
  it('reads comparison targets and leaves the others undecided', () => {
    expect(meetsTarget(0.5, '<= 0.5')).toBe(true);
    expect(meetsTarget(0.51, '<= 0.5')).toBe(false);
    expect(meetsTarget(601, '<= 600')).toBe(false);
    expect(meetsTarget(0, '== 0')).toBe(true);
    expect(meetsTarget(2, '> 1')).toBe(true);
    expect(meetsTarget(2, 'informational')).toBeUndefined();
  });
});

describe('mergeResults', () => {
  const existing = {
    machine: { ...machine, cpu: 'old cpu' },
    cold_load_ratio: { value: 0.2, unit: 'ratio', target: '<= 0.5' },
    idle_rss_mb: { value: 300, unit: 'MB', target: '<= 600' },
    junk: 'not a figure',
  };
  const figures = { idle_rss_mb: { value: 350, unit: 'MB', target: '<= 600' } };

  it('keeps the figures of the other benchmarks and replaces the ones measured now', () => {
    expect(mergeResults(existing, figures, machine, 'merge')).toEqual({
      machine,
      cold_load_ratio: existing.cold_load_ratio,
      idle_rss_mb: figures.idle_rss_mb,
    });
  });

  it('starts afresh on a full run or when there is no valid file', () => {
    expect(mergeResults(existing, figures, machine, 'replace')).toEqual({ machine, ...figures });
    expect(mergeResults(undefined, figures, machine, 'merge')).toEqual({ machine, ...figures });
    expect(mergeResults([1, 2], figures, machine, 'merge')).toEqual({ machine, ...figures });
  });
});

describe('formatTable', () => {
  it('prints one aligned row per figure with whether its target is met', () => {
    const table = formatTable({
      cold_load_ratio: { value: 0.1234, unit: 'ratio', target: '<= 0.5' },
      idle_rss_mb: { value: 612.5, unit: 'MB', target: '<= 600' },
      health_rps: { value: 437, unit: 'req/s', target: 'informational' },
    });
    expect(table.split('\n')).toEqual([
      'name             value  unit   target         met?',
      '---------------  -----  -----  -------------  ----',
      'cold_load_ratio  0.123  ratio  <= 0.5         yes',
      'idle_rss_mb      612.5  MB     <= 600         no',
      'health_rps         437  req/s  informational  -',
    ]);
  });

  it('shows values with a precision that suits their size', () => {
    expect(formatValue(2.5678)).toBe('2.57');
    expect(formatValue(0.05)).toBe('0.050');
    expect(formatValue(123.45)).toBe('123.5');
  });
});

describe('parseStat', () => {
  it('reads ppid, process group and start time even when the command name holds spaces and parentheses', () => {
    const line = '4242 (node (x) y) S 4200 4100 4100 0 -1 4194560 1 0 0 0 5 6 0 0 20 0 11 0 987654 1000 200';
    expect(parseStat(line)).toEqual({
      pid: 4242,
      ppid: 4200,
      pgid: 4100,
      startTime: '987654',
      state: 'S',
      comm: 'node (x) y',
    });
  });
});
