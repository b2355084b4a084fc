// start and health: the whole local platform (`npm start`) as a developer runs it.
import { round, type Figures } from './results';
import { describe, processTree, rssKb } from './procTree';
import { sleep, stopTimeoutMs, withPlatform, type StopReport } from './platform';

const stopTimeoutS = stopTimeoutMs / 1000;

export interface PlatformBenchOptions {
  repoRoot: string;
  note: (line: string) => void;
}

const idleMs = 5_000;

export function noteStop(stop: StopReport, note: (line: string) => void): void {
  note(`stopped with SIGINT to the process group in ${(stop.stopMs / 1000).toFixed(2)} s`);
  if (stop.killed) {
    note(
      `WARNING: ${stop.leftover.length} process(es) still running ${stopTimeoutS} s after SIGINT, killed with SIGKILL: ` +
        stop.leftover.map((p) => `${p.pid} ${p.comm}`).join(', ')
    );
  }
}

export async function start({ repoRoot, note }: PlatformBenchOptions): Promise<Figures> {
  const { result, stop } = await withPlatform(repoRoot, async (platform) => {
    await sleep(idleMs);
    const tree = processTree(platform.pid);
    const parts = tree.map((p) => ({ pid: p.pid, what: describe(p.pid), kb: rssKb(p.pid) }));
    const totalKb = parts.reduce((sum, p) => sum + p.kb, 0);
    note(`npm start (build included) healthy after ${(platform.startToHealthyMs / 1000).toFixed(2)} s`);
    note(`idle RSS by process after ${idleMs / 1000} s:`);
    for (const p of parts) note(`  ${(p.kb / 1024).toFixed(1).padStart(7)} MB  ${p.pid}  ${p.what}`);
    return { startToHealthyMs: platform.startToHealthyMs, totalKb };
  });
  noteStop(stop, note);
  return {
    start_to_healthy_s: { value: round(result.startToHealthyMs / 1000, 2), unit: 's', target: 'informational' },
    idle_rss_mb: { value: round(result.totalKb / 1024, 1), unit: 'MB', target: '<= 600' },
    stop_s: { value: round(stop.stopMs / 1000, 2), unit: 's', target: 'informational' },
    stop_leftover_processes: { value: stop.leftover.length, unit: 'count', target: '== 0' },
  };
}

interface CannonResult {
  requests: { average: number; total: number };
  duration: number;
  latency: { p50: number; p99: number; average: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
}

async function cannon(url: string, durationS: number, connections: number): Promise<CannonResult> {
  const { default: autocannon } = await import('autocannon');
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url, connections, duration: durationS }, (error, result) => {
      clearTimeout(guard);
      if (error) reject(error);
      else resolve(result as CannonResult);
    });
    // autocannon stops on its own after durationS; this only bounds a stuck run.
    const guard = setTimeout(() => instance.stop(), (durationS + 30) * 1000);
  });
}

export async function health({ repoRoot, note }: PlatformBenchOptions): Promise<Figures> {
  const connections = 10;
  const { result, stop } = await withPlatform(repoRoot, async (platform) => {
    await cannon(platform.healthUrl, 2, connections);
    return cannon(platform.healthUrl, 10, connections);
  });
  const codes = Object.entries(result.statusCodeStats)
    .map(([code, s]) => `${code}: ${s.count}`)
    .join(', ');
  note(
    `${result.requests.total} requests in ${result.duration} s over ${connections} connections (${codes}); ` +
      `latency mean ${result.latency.average} ms, max ${result.latency.max} ms; ` +
      `${result.errors} errors, ${result.timeouts} timeouts`
  );
  noteStop(stop, note);
  return {
    health_rps: { value: round(result.requests.average, 1), unit: 'req/s', target: 'informational' },
    health_p50_ms: { value: result.latency.p50, unit: 'ms', target: 'informational' },
    health_p99_ms: { value: result.latency.p99, unit: 'ms', target: 'informational' },
    health_non2xx: { value: result.non2xx, unit: 'count', target: '== 0' },
    health_errors: { value: result.errors, unit: 'count', target: '== 0' },
  };
}
