import { AsyncLocalStorage } from 'node:async_hooks';

/** What one request cost: counted by the adapters, reported by the HTTP layer and the benchmarks. */
export interface RequestMetrics {
  cosmosRoundTrips: number;
  crossPartitionQueries: number;
  /** Round trips that wrote (a single write or one transactional batch). */
  cosmosWrites: number;
  /** The JSON size of the documents those writes sent (deletes count 0). */
  cosmosBytesWritten: number;
}

const storage = new AsyncLocalStorage<RequestMetrics>();

export function withRequestMetrics<T>(work: (metrics: RequestMetrics) => Promise<T>): Promise<T> {
  const metrics: RequestMetrics = {
    cosmosRoundTrips: 0,
    crossPartitionQueries: 0,
    cosmosWrites: 0,
    cosmosBytesWritten: 0,
  };
  return storage.run(metrics, () => work(metrics));
}

export function countCosmosRoundTrip(crossPartition = false): void {
  const metrics = storage.getStore();
  if (!metrics) return;
  metrics.cosmosRoundTrips++;
  if (crossPartition) metrics.crossPartitionQueries++;
}

/** A write round trip (counted as a round trip too) and the bytes of the documents it sent. */
export function countCosmosWrite(bytes: number): void {
  countCosmosRoundTrip();
  const metrics = storage.getStore();
  if (!metrics) return;
  metrics.cosmosWrites++;
  metrics.cosmosBytesWritten += bytes;
}

/** The JSON size of the documents of a write (what the database receives for them). */
export function bytesOfWrite(operations: readonly { kind: string; doc?: unknown }[]): number {
  let bytes = 0;
  for (const op of operations) if (op.kind !== 'delete') bytes += Buffer.byteLength(JSON.stringify(op.doc), 'utf8');
  return bytes;
}
