import {
  costHeaders,
  expandPath,
  formatCallTable,
  isFactoryScoped,
  openApiOperations,
  percentile,
  summariseCalls,
  unexercised,
  type CallRecord,
} from '../../bench/apiMetrics';
import { benchFactoryDocument, benchFactoryId, benchFactoryName } from '../../bench/benchFactories';
import { factoryIdPattern, newFactoryDocument } from '../../shared/domain/factory/factory';

const document = {
  openapi: '3.1.0',
  paths: {
    '/countries': { get: { operationId: 'listCountryProgrammes' } },
    '/factories/{factoryId}/subscriptions/{brandId}': {
      parameters: [],
      put: { operationId: 'subscribeBrand' },
      delete: { operationId: 'unsubscribeBrand' },
    },
  },
};

function call(overrides: Partial<CallRecord>): CallRecord {
  return {
    operationId: 'getFactory',
    variant: undefined,
    method: 'GET',
    path: '/factories/{factoryId}',
    caller: 'registration-bd',
    status: 200,
    roundTrips: 2,
    crossPartitionQueries: 0,
    ...overrides,
  };
}

describe('openApiOperations', () => {
  it('lists every method of every path with its operationId, skipping path-level keys', () => {
    expect(openApiOperations(document)).toEqual([
      { operationId: 'listCountryProgrammes', method: 'GET', path: '/countries' },
      { operationId: 'subscribeBrand', method: 'PUT', path: '/factories/{factoryId}/subscriptions/{brandId}' },
      { operationId: 'unsubscribeBrand', method: 'DELETE', path: '/factories/{factoryId}/subscriptions/{brandId}' },
    ]);
  });

  it('refuses a document without paths or an operation without an operationId', () => {
    expect(() => openApiOperations({})).toThrow(/no paths/);
    expect(() => openApiOperations({ paths: { '/x': { get: {} } } })).toThrow(/GET \/x has no operationId/);
  });
});

describe('expandPath', () => {
  it('fills and encodes the parameters, and refuses a missing one', () => {
    expect(
      expandPath('/factories/{factoryId}/subscriptions/{brandId}', { factoryId: 'BD-7KQ2M9XA', brandId: 'a b' })
    ).toBe('/factories/BD-7KQ2M9XA/subscriptions/a%20b');
    expect(expandPath('/countries')).toBe('/countries');
    expect(() => expandPath('/factories/{factoryId}', {})).toThrow(/\{factoryId\}/);
  });

  it('knows factory-scoped routes by their {factoryId}', () => {
    expect(isFactoryScoped('/factories/{factoryId}/profile')).toBe(true);
    expect(isFactoryScoped('/countries/{countryCode}/factories')).toBe(false);
  });
});

describe('costHeaders', () => {
  it('reads both counts', () => {
    const headers = new Headers({ 'x-cosmos-round-trips': '3', 'x-cross-partition-queries': '0' });
    expect(costHeaders(headers)).toEqual({ roundTrips: 3, crossPartitionQueries: 0 });
  });

  it('refuses a missing or non-numeric header rather than counting it as zero', () => {
    expect(() => costHeaders(new Headers({ 'x-cosmos-round-trips': '3' }))).toThrow(/x-cross-partition-queries/);
    expect(() =>
      costHeaders(new Headers({ 'x-cosmos-round-trips': 'many', 'x-cross-partition-queries': '0' }))
    ).toThrow(/x-cosmos-round-trips/);
  });
});

describe('percentile', () => {
  it('is the nearest rank, whatever the order', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
  });

  it('refuses no values and percentiles out of range', () => {
    expect(() => percentile([], 50)).toThrow();
    expect(() => percentile([1], 0)).toThrow();
    expect(() => percentile([1], 101)).toThrow();
  });
});

describe('summariseCalls and unexercised', () => {
  const calls = [
    call({}),
    call({ operationId: 'listCountryProgrammes', path: '/countries', roundTrips: 11 }),
    call({ operationId: 'getDashboard', path: '/factories/{factoryId}/dashboard', crossPartitionQueries: 1 }),
    call({ operationId: 'listFactories', path: '/countries/{countryCode}/factories', crossPartitionQueries: 1 }),
  ];

  it('finds the most expensive calls and the factory-scoped ones that queried across partitions', () => {
    const summary = summariseCalls(calls);
    expect(summary.maxRoundTrips).toBe(11);
    expect(summary.maxRoundTripsCalls.map((c) => c.operationId)).toEqual(['listCountryProgrammes']);
    expect(summary.crossPartitionFactoryCalls.map((c) => c.operationId)).toEqual(['getDashboard']);
    expect(() => summariseCalls([])).toThrow();
  });

  it('names the operations no call exercised', () => {
    expect(unexercised(openApiOperations(document), calls).map((op) => op.operationId)).toEqual([
      'subscribeBrand',
      'unsubscribeBrand',
    ]);
  });

  it('prints one aligned line per call and marks those above the target', () => {
    const lines = formatCallTable([call({}), call({ variant: 'again', roundTrips: 5 })], 4);
    expect(lines).toHaveLength(4);
    expect(lines[2]).not.toMatch(/> 4/);
    expect(lines[3]).toMatch(/^getFactory \(again\) .* 5 .*> 4$/);
  });
});

describe('bench factories', () => {
  it('have valid, distinct ids and names', () => {
    const ids = new Set<string>();
    const names = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const id = benchFactoryId('BD', i);
      expect(id).toMatch(factoryIdPattern);
      ids.add(id);
      names.add(benchFactoryName(i));
    }
    expect(ids.size).toBe(10_000);
    expect(names.size).toBe(10_000);
    expect(() => benchFactoryId('BD', -1)).toThrow(RangeError);
  });

  it('have the shape the app writes: a new factory with its first, running cycle', () => {
    const now = new Date('2030-03-01T08:00:00Z');
    const doc = benchFactoryDocument('BD', 42, now);
    const plain = newFactoryDocument({
      factoryId: doc.factoryId,
      name: doc.name,
      address: doc.address,
      osHubId: undefined,
      now: now.toISOString(),
    });
    expect(Object.keys(doc).sort()).toEqual(Object.keys(plain).sort());
    expect(doc).toMatchObject({ id: 'BD-X0000016', type: 'factory', countryCode: 'BD', status: 'invited' });
    expect(doc.cycles).toHaveLength(1);
    expect(doc.currentCycleId).toBe(doc.cycles[0]!.cycleId);
    expect(doc.cycles[0]!.startsOn < '2030-03-01' && doc.cycles[0]!.endsOn > '2030-03-01').toBe(true);
  });
});
