// Pure part of the `transmission` benchmark: from what BW's records say at the end (one per queued
// transmission) and what the Gateway simulator holds (its submissions and its own duplicate counter), the
// exactly-once figures and the timings.
// - accepted: the record says the Gateway has it (accepted, or validated since) AND the Gateway holds exactly
//   one submission under its key, the one the record names;
// - duplicates: the simulator's own count (a cycle submitted under a second key) plus every extra submission
//   held under one key, plus every record naming another submission than the one held under its key;
// - lost: queued transmissions the Gateway does not hold at the end;
// - latency: from the record's `queuedAt` (the queueing batch) to its `acceptedAt` (the sender's record of the
//   Gateway's acceptance), over the accepted ones; throughput: accepted per second from the first queueing to
//   the last acceptance.
import { percentile } from './apiMetrics';

export interface TransmissionSample {
  transmissionId: string;
  status: string;
  queuedAt: string;
  acceptedAt: string | null;
  submissionId: string | null;
  payloadBytes: number | null;
  deliveries: number;
  attempts: number;
}

export interface HeldSubmission {
  key: string;
  submissionId: string;
}

export interface TransmissionFigureInput {
  /** The transmission ids the benchmark queued. */
  queued: readonly string[];
  /** Their records at the end (a missing record counts as not accepted). */
  records: readonly TransmissionSample[];
  /** Everything the Gateway holds (other keys are ignored). */
  held: readonly HeldSubmission[];
  /** The simulator's `stats.duplicates`. */
  gatewayDuplicates: number;
}

export interface TransmissionFigures {
  queued: number;
  accepted: number;
  duplicates: number;
  lost: number;
  /** Held by the Gateway, but the record does not say so (its answer was lost and never recovered). */
  unrecorded: number;
  /** Records by status. */
  statuses: Record<string, number>;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Mean payload size, KiB (1024 bytes). */
  payloadKb: number;
  maxPayloadKb: number;
  /** Deliveries of the messages (Service Bus) and Gateway attempts, over all records. */
  deliveries: number;
  attempts: number;
  maxDeliveries: number;
}

const submitted = new Set(['accepted', 'validated', 'validationFailed']);

export function transmissionFigures(input: TransmissionFigureInput): TransmissionFigures {
  const queued = new Set(input.queued);
  const heldByKey = new Map<string, string[]>();
  for (const h of input.held) {
    if (!queued.has(h.key)) continue;
    heldByKey.set(h.key, [...(heldByKey.get(h.key) ?? []), h.submissionId]);
  }
  const records = new Map(input.records.filter((r) => queued.has(r.transmissionId)).map((r) => [r.transmissionId, r]));

  let accepted = 0;
  let duplicates = input.gatewayDuplicates;
  let lost = 0;
  let unrecorded = 0;
  const latencies: number[] = [];
  let firstQueued = Number.POSITIVE_INFINITY;
  let lastAccepted = Number.NEGATIVE_INFINITY;
  const statuses: Record<string, number> = {};
  for (const id of queued) {
    const held = heldByKey.get(id) ?? [];
    const record = records.get(id);
    duplicates += Math.max(0, held.length - 1);
    if (held.length === 0) lost++;
    const status = record?.status ?? 'missing';
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (record) firstQueued = Math.min(firstQueued, Date.parse(record.queuedAt));
    const says = record !== undefined && submitted.has(record.status) && record.submissionId !== null;
    if (says && held.length > 0 && !held.includes(record.submissionId!)) duplicates++;
    if (held.length > 0 && !says) unrecorded++;
    if (says && held.length === 1 && held[0] === record.submissionId) {
      accepted++;
      if (record.acceptedAt) {
        const at = Date.parse(record.acceptedAt);
        latencies.push(Math.max(0, at - Date.parse(record.queuedAt)));
        lastAccepted = Math.max(lastAccepted, at);
      }
    }
  }
  const spanS = latencies.length > 0 ? Math.max(0.001, (lastAccepted - firstQueued) / 1000) : 0;
  const sizes = [...records.values()].map((r) => r.payloadBytes).filter((b): b is number => b !== null);
  const all = [...records.values()];
  return {
    queued: queued.size,
    accepted,
    duplicates,
    lost,
    unrecorded,
    statuses,
    perSecond: spanS > 0 ? accepted / spanS : 0,
    p50Ms: latencies.length > 0 ? percentile(latencies, 50) : 0,
    p99Ms: latencies.length > 0 ? percentile(latencies, 99) : 0,
    maxMs: latencies.length > 0 ? Math.max(...latencies) : 0,
    payloadKb: sizes.length > 0 ? sizes.reduce((a, b) => a + b, 0) / sizes.length / 1024 : 0,
    maxPayloadKb: sizes.length > 0 ? Math.max(...sizes) / 1024 : 0,
    deliveries: all.reduce((sum, r) => sum + r.deliveries, 0),
    attempts: all.reduce((sum, r) => sum + r.attempts, 0),
    maxDeliveries: all.reduce((max, r) => Math.max(max, r.deliveries), 0),
  };
}

/** Whether every queued transmission is settled: no record still queued or failed (Service Bus delivers those again). */
export function allSettled(statuses: readonly string[]): boolean {
  return statuses.every((s) => s !== 'queued' && s !== 'failed');
}
