import type { Clock } from '../ports/clock';
import type { HealthProbe } from '../ports/health';

export interface DependencyHealth {
  name: string;
  status: 'up' | 'down';
  latencyMs: number;
  detail?: string;
}

export interface HealthReport {
  status: 'healthy' | 'unhealthy';
  checkedAt: string;
  dependencies: DependencyHealth[];
}

export const healthProbeTimeoutMs = 3_000;

async function runProbe(probe: HealthProbe, timeoutMs: number): Promise<DependencyHealth> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name: probe.name, status: 'up', latencyMs: elapsed(started) };
  } catch (error) {
    return { name: probe.name, status: 'down', latencyMs: elapsed(started), detail: summarise(error) };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

/** Only the kind of failure: messages of SDK errors can carry URLs and ids that do not belong in an answer. */
function summarise(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.message === 'string' && e.message.startsWith('no answer within')) return e.message;
  return typeof e?.name === 'string' ? e.name : 'unavailable';
}

/** Checks every dependency at once; the platform is healthy only when all are up. */
export async function checkHealth(
  probes: readonly HealthProbe[],
  clock: Clock,
  timeoutMs = healthProbeTimeoutMs
): Promise<HealthReport> {
  const dependencies = await Promise.all(probes.map((probe) => runProbe(probe, timeoutMs)));
  return {
    status: dependencies.every((d) => d.status === 'up') ? 'healthy' : 'unhealthy',
    checkedAt: clock.now().toISOString(),
    dependencies,
  };
}
