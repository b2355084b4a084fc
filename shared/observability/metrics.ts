// The process's metrics: counted in memory until (in Azure, with Application Insights configured) the
// OpenTelemetry meter takes over (shared/observability/azureMonitor.ts calls useMetrics at app start).
import { memoryMetrics, type MemoryMetrics } from '../adapters/metrics/memoryMetrics';
import type { Metrics } from '../ports/metrics';

/** What the local platform counted (also readable in tests of the whole process). */
export const localMetrics: MemoryMetrics = memoryMetrics();

let target: Metrics = localMetrics;

/** Sends the process's metrics to `metrics` from now on. */
export function useMetrics(metrics: Metrics): void {
  target = metrics;
}

/** The Metrics port of the platform: forwards to the current target and never lets a metric fail a use case. */
export const processMetrics: Metrics = {
  add(name, attributes, value) {
    try {
      target.add(name, attributes, value);
    } catch {
      // A metric is never worth a failed invocation.
    }
  },
};
