// The figures of the `transmission` benchmark (bench/transmissionFigures.ts): exactly once counted from both
// sides (BW's records and what the Gateway holds), and the timings.
import { allSettled, transmissionFigures, type TransmissionSample } from '../../bench/transmissionFigures';

const t0 = Date.parse('2030-03-01T08:00:00.000Z');
const at = (ms: number) => new Date(t0 + ms).toISOString();

function sample(n: number, fields: Partial<TransmissionSample> = {}): TransmissionSample {
  return {
    transmissionId: `TX-${n}`,
    status: 'accepted',
    queuedAt: at(n * 10),
    acceptedAt: at(n * 10 + 100 * n),
    submissionId: `SUB-${n}`,
    payloadBytes: 2048,
    deliveries: 1,
    attempts: 1,
    ...fields,
  };
}

describe('transmission benchmark figures', () => {
  it('counts each transmission the Gateway holds once under its key and the record names as accepted; times queueing to acceptance', () => {
    const records = [1, 2, 3, 4].map((n) =>
      sample(n, n === 4 ? { deliveries: 3, attempts: 7, payloadBytes: 4096 } : {})
    );
    const figures = transmissionFigures({
      queued: records.map((r) => r.transmissionId),
      records,
      held: [
        ...records.map((r) => ({ key: r.transmissionId, submissionId: r.submissionId! })),
        { key: 'other', submissionId: 'X' },
      ],
      gatewayDuplicates: 0,
    });
    expect(figures).toMatchObject({ queued: 4, accepted: 4, duplicates: 0, lost: 0, unrecorded: 0 });
    expect(figures.statuses).toEqual({ accepted: 4 });
    // Latencies 100, 200, 300, 400 ms: nearest rank.
    expect([figures.p50Ms, figures.p99Ms, figures.maxMs]).toEqual([200, 400, 400]);
    // From the first queueing (t0 + 10 ms) to the last acceptance (t0 + 440 ms): 4 in 0.43 s.
    expect(figures.perSecond).toBeCloseTo(4 / 0.43, 6);
    expect(figures.payloadKb).toBeCloseTo(2.5, 6);
    expect(figures.maxPayloadKb).toBe(4);
    expect([figures.deliveries, figures.attempts, figures.maxDeliveries]).toEqual([6, 10, 3]);
  });

  it('finds duplicates, lost and unrecorded transmissions', () => {
    const records = [
      sample(1),
      // Two submissions under one key.
      sample(2),
      // The record names another submission than the one held.
      sample(3, { submissionId: 'SUB-other' }),
      // Never reached the Gateway: dead-lettered.
      sample(4, { status: 'deadLettered', acceptedAt: null, submissionId: null }),
      // The Gateway has it, the record does not know (its answer was lost).
      sample(5, { status: 'failed', acceptedAt: null, submissionId: null }),
    ];
    const figures = transmissionFigures({
      queued: [...records.map((r) => r.transmissionId), 'TX-6'],
      records,
      held: [
        { key: 'TX-1', submissionId: 'SUB-1' },
        { key: 'TX-2', submissionId: 'SUB-2' },
        { key: 'TX-2', submissionId: 'SUB-2b' },
        { key: 'TX-3', submissionId: 'SUB-3' },
        { key: 'TX-5', submissionId: 'SUB-5' },
      ],
      gatewayDuplicates: 2,
    });
    expect(figures).toMatchObject({ queued: 6, accepted: 1, duplicates: 2 + 1 + 1, lost: 2, unrecorded: 1 });
    expect(figures.statuses).toEqual({ accepted: 3, deadLettered: 1, failed: 1, missing: 1 });
  });

  it('has no timings without an acceptance, and is settled only when nothing is queued or failed', () => {
    const figures = transmissionFigures({
      queued: ['TX-1'],
      records: [sample(1, { status: 'queued', acceptedAt: null, submissionId: null })],
      held: [],
      gatewayDuplicates: 0,
    });
    expect(figures).toMatchObject({ accepted: 0, lost: 1, perSecond: 0, p50Ms: 0, p99Ms: 0 });
    expect(allSettled(['accepted', 'deadLettered', 'rejected'])).toBe(true);
    expect(allSettled(['accepted', 'failed'])).toBe(false);
    expect(allSettled(['queued'])).toBe(false);
  });
});
