// `npm run bench [-- <name>…] [--runs <n>]`: runs the benchmarks, prints a table and writes
// bench/results.json. With names, runs only those and merges their figures into the existing file.
// Also the child process of the cold-load benchmark (`bench.js --child <side> <arg>`).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type, arch } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { coldLoad, loadAppChild, requireSdksChild } from './coldLoad';
import { killLiveGroups } from './platform';
import { health, start } from './platformBenches';
import { formatTable, mergeResults, round, type Figures, type MachineInfo } from './results';

// dist/local/bench.js → the repository root.
const repoRoot = resolve(__dirname, '..', '..');
const resultsFile = join(repoRoot, 'bench', 'results.json');

interface BenchContext {
  repoRoot: string;
  benchScript: string;
  runs: number;
  /** Cycles of the timeline benchmark (its default when absent). */
  cycles: number | undefined;
  note: (line: string) => void;
}

const benchmarks: Record<string, (context: BenchContext) => Promise<Figures>> = {
  'cold-load': coldLoad,
  start,
  health,
  api: async (context) => (await import('./apiBench')).api(context),
  'self-assessment': async (context) => (await import('./selfAssessmentBench')).selfAssessment(context),
  timeline: async (context) => (await import('./timelineBench')).timeline(context),
  transmission: async (context) => (await import('./transmissionBench')).transmission(context),
};

const say = (line = '') => process.stdout.write(`${line}\n`);

function machine(): MachineInfo {
  const cpuList = cpus();
  return {
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memory_gb: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    os: `${type()} ${release()} ${arch()}`,
    date: new Date().toISOString(),
    load_average_1m: round(loadavg()[0] ?? 0, 2),
  };
}

function readExisting(): unknown {
  if (!existsSync(resultsFile)) return undefined;
  try {
    return JSON.parse(readFileSync(resultsFile, 'utf8')) as unknown;
  } catch {
    say(`note: ${resultsFile} is not valid JSON; starting a new one`);
    return undefined;
  }
}

function usage(): string {
  return `usage: npm run bench [-- <benchmark>…] [--runs <n>] [--cycles <n>]\n  benchmarks: ${Object.keys(benchmarks).join(', ')} (all when none is named)\n  --runs: cold-load runs per side (default 9)\n  --cycles: cycles of the timeline benchmark (default 1000)`;
}

const parseCli = (args: string[]) =>
  parseArgs({
    args,
    options: { runs: { type: 'string' }, cycles: { type: 'string' }, help: { type: 'boolean' } },
    allowPositionals: true,
  });

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(process.argv.slice(2));
  } catch (error) {
    say(`${(error as Error).message}\n${usage()}`);
    return 2;
  }
  if (parsed.values.help) {
    say(usage());
    return 0;
  }
  const runs = Number(parsed.values.runs ?? 9);
  const cycles = parsed.values.cycles === undefined ? undefined : Number(parsed.values.cycles);
  const unknown = parsed.positionals.filter((name) => !(name in benchmarks));
  const badCycles = cycles !== undefined && (!Number.isInteger(cycles) || cycles < 1);
  if (unknown.length > 0 || !Number.isInteger(runs) || runs < 1 || badCycles) {
    const problem =
      unknown.length > 0 ? `unknown benchmark: ${unknown.join(', ')}` : badCycles ? 'bad --cycles' : 'bad --runs';
    say(`${problem}\n${usage()}`);
    return 2;
  }
  const selected = parsed.positionals.length > 0 ? [...new Set(parsed.positionals)] : Object.keys(benchmarks);
  const info = machine();
  say(
    `machine: ${info.cpu}, ${info.cores} cores, ${info.memory_gb} GB, node ${info.node}, load ${info.load_average_1m}`
  );

  const startedAt = Date.now();
  const figures: Figures = {};
  const failures: string[] = [];
  for (const name of selected) {
    say(`\n== ${name}`);
    const benchStarted = Date.now();
    try {
      const result = await benchmarks[name]!({
        repoRoot,
        benchScript: __filename,
        runs,
        cycles,
        note: (line) => say(`   ${line}`),
      });
      Object.assign(figures, result);
      say(`   done in ${((Date.now() - benchStarted) / 1000).toFixed(1)} s`);
    } catch (error) {
      failures.push(name);
      say(`   FAILED: ${(error as Error).message.trimEnd().split('\n').join('\n   ')}`);
    }
  }

  say('');
  if (Object.keys(figures).length > 0) say(formatTable(figures));
  const mode = parsed.positionals.length > 0 ? 'merge' : 'replace';
  const took = `${((Date.now() - startedAt) / 1000).toFixed(1)} s total`;
  if (Object.keys(figures).length > 0) {
    const results = mergeResults(mode === 'merge' ? readExisting() : undefined, figures, info, mode);
    writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
    say(`\nwrote ${resultsFile} (${mode === 'merge' ? 'merged' : 'replaced'}); ${took}`);
  } else {
    say(`nothing measured, ${resultsFile} left as it was; ${took}`);
  }
  if (failures.length > 0) {
    say(`could not run: ${failures.join(', ')}`);
    return 1;
  }
  return 0;
}

function abort(signal: NodeJS.Signals): void {
  say(`\n${signal}: stopping what the benchmark started`);
  killLiveGroups();
  process.exit(130);
}

async function childSide(side: string | undefined, arg: string | undefined): Promise<void> {
  if (!arg) throw new Error('usage: bench.js --child <side> <arg>');
  if (side === 'load-app') return loadAppChild(arg);
  if (side === 'require-sdks') return requireSdksChild(arg);
  throw new Error(`unknown child side ${side}`);
}

if (process.argv[2] === '--child') {
  childSide(process.argv[3], process.argv[4]).catch((error: unknown) => {
    process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  });
} else {
  process.on('SIGINT', () => abort('SIGINT'));
  process.on('SIGTERM', () => abort('SIGTERM'));
  process.on('exit', () => killLiveGroups());
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      say(`bench failed: ${(error as Error)?.stack ?? String(error)}`);
      killLiveGroups();
      process.exitCode = 1;
    }
  );
}
