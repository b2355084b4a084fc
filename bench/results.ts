// Pure helpers of the benchmark runner: statistics, targets, the results file and the printed table.

/** One measured figure, as stored in bench/results.json. */
export interface Figure {
  value: number;
  unit: string;
  target: string;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memory_gb: number;
  node: string;
  os: string;
  date: string;
  /** 1-minute load average when the run started: other work on the machine skews the figures. */
  load_average_1m: number;
}

export type Figures = Record<string, Figure>;
export type ResultsFile = Record<string, Figure | MachineInfo>;

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Rounds for storage: three decimals are well below the noise of any figure here. */
export function round(value: number, decimals = 3): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

const comparison = /^\s*(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

/** Whether a value meets a target such as "<= 0.5"; undefined for targets that are not comparisons ("informational"). */
export function meetsTarget(value: number, target: string): boolean | undefined {
  const match = comparison.exec(target);
  if (!match) return undefined;
  const bound = Number(match[2]);
  switch (match[1]) {
    case '<=':
      return value <= bound;
    case '>=':
      return value >= bound;
    case '<':
      return value < bound;
    case '>':
      return value > bound;
    default:
      return value === bound;
  }
}

/**
 * The results file after a run: a full run replaces it; a run of chosen benchmarks keeps the figures of
 * the others from the existing file. The machine entry always describes the latest run.
 */
export function mergeResults(
  existing: unknown,
  figures: Figures,
  machine: MachineInfo,
  mode: 'replace' | 'merge'
): ResultsFile {
  const kept: ResultsFile = {};
  if (mode === 'merge' && isRecord(existing)) {
    for (const [name, entry] of Object.entries(existing)) {
      if (name !== 'machine' && isFigure(entry)) kept[name] = entry;
    }
  }
  return { machine, ...kept, ...figures };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFigure(value: unknown): value is Figure {
  return (
    isRecord(value) &&
    typeof value.value === 'number' &&
    typeof value.unit === 'string' &&
    typeof value.target === 'string'
  );
}

export function formatValue(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  return value.toFixed(magnitude >= 100 ? 1 : magnitude >= 1 ? 2 : 3);
}

/** A plain-text table: name, value, unit, target, met? (yes / no / - for informational targets). */
export function formatTable(figures: Figures): string {
  const header = ['name', 'value', 'unit', 'target', 'met?'];
  const rows = Object.entries(figures).map(([name, f]) => {
    const met = meetsTarget(f.value, f.target);
    return [name, formatValue(f.value), f.unit, f.target, met === undefined ? '-' : met ? 'yes' : 'no'];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 1 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
