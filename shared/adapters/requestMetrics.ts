import { AsyncLocalStorage } from 'node:async_hooks';

/** What one request cost: counted by the adapters, reported by the HTTP layer and the benchmarks. */
export interface RequestMetrics {
  cosmosRoundTrips: number;
  crossPartitionQueries: number;
}

const storage = new AsyncLocalStorage<RequestMetrics>();

export function withRequestMetrics<T>(work: (metrics: RequestMetrics) => Promise<T>): Promise<T> {
  const metrics: RequestMetrics = { cosmosRoundTrips: 0, crossPartitionQueries: 0 };
  return storage.run(metrics, () => work(metrics));
}

export function countCosmosRoundTrip(crossPartition = false): void {
  const metrics = storage.getStore();
  if (!metrics) return;
  metrics.cosmosRoundTrips++;
  if (crossPartition) metrics.crossPartitionQueries++;
}
