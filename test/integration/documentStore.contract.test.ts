// The DocumentStore contract, run against the in-memory store the unit tests use and against the real
// Cosmos DB SDK talking to the local Cosmos server: both must behave alike.
import { CosmosClient } from '@azure/cosmos';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cosmosDocumentStore } from '../../shared/adapters/cosmos/cosmosDocumentStore';
import { memoryDocumentStore } from '../../shared/adapters/memory/memoryDocumentStore';
import { withRequestMetrics } from '../../shared/adapters/requestMetrics';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../../shared/domain/errors';
import type { DocumentStore, StoredDocument } from '../../shared/ports/documentStore';
import { startCosmosServer, type CosmosServer } from '../../local/cosmos/server';
import { provisionCosmos } from '../../local/cosmos/provision';

interface Thing extends StoredDocument {
  type: 'thing';
  countryCode: string;
  n: number;
}
const thing = (id: string, n: number, countryCode = 'BD'): Thing => ({ id, type: 'thing', countryCode, n });

let server: CosmosServer;
let client: CosmosClient;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'store-contract-'));
  server = await startCosmosServer({ port: 0, dataDir: dir });
  const key = Buffer.from('contract-test').toString('base64');
  const caFile = join(dir, 'cert.pem');
  await provisionCosmos({ endpoint: server.endpoint, key, caFile, databaseName: 'contract' });
  client = new CosmosClient({
    endpoint: server.endpoint,
    key,
    agent: new Agent({ ca: server.caPem }),
    connectionPolicy: { enableEndpointDiscovery: false },
  });
});

afterAll(async () => {
  client.dispose();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const implementations: [string, () => DocumentStore][] = [
  ['memory', () => memoryDocumentStore()],
  ['cosmos', () => cosmosDocumentStore(async () => client, 'contract')],
];

describe.each(implementations)('DocumentStore contract: %s', (_name, makeStore) => {
  let store: DocumentStore;
  let pk: string;
  beforeEach(() => {
    store = makeStore();
    pk = `P${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
  });

  it('creates and reads back with an ETag; a second create of the same id conflicts', async () => {
    const [etag] = await store.write('factories', pk, [{ kind: 'create', doc: thing('a', 1, pk) }]);
    const read = await store.read<Thing>('factories', pk, 'a');
    expect(read?.doc).toEqual(thing('a', 1, pk));
    expect(read?.etag).toBe(etag);
    await expect(store.write('factories', pk, [{ kind: 'create', doc: thing('a', 2, pk) }])).rejects.toBeInstanceOf(
      ConflictError
    );
    expect(await store.read('factories', pk, 'missing')).toBeUndefined();
  });

  it('never loses an update: a replace with a stale ETag is refused', async () => {
    const [first] = await store.write('factories', pk, [{ kind: 'create', doc: thing('b', 1, pk) }]);
    const [second] = await store.write('factories', pk, [{ kind: 'replace', doc: thing('b', 2, pk), ifMatch: first }]);
    expect(second).not.toBe(first);
    await expect(
      store.write('factories', pk, [{ kind: 'replace', doc: thing('b', 3, pk), ifMatch: first }])
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await store.read<Thing>('factories', pk, 'b'))?.doc.n).toBe(2);
    await expect(
      store.write('factories', pk, [{ kind: 'replace', doc: thing('nope', 1, pk), ifMatch: undefined }])
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it('writes a batch all or nothing', async () => {
    const [etag] = await store.write('factories', pk, [{ kind: 'create', doc: thing('c', 1, pk) }]);
    await store.write('factories', pk, [{ kind: 'replace', doc: thing('c', 2, pk), ifMatch: etag }]);
    await expect(
      store.write('factories', pk, [
        { kind: 'create', doc: thing('d', 1, pk) },
        { kind: 'replace', doc: thing('c', 3, pk), ifMatch: etag },
      ])
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(await store.read('factories', pk, 'd')).toBeUndefined();
    expect((await store.read<Thing>('factories', pk, 'c'))?.doc.n).toBe(2);
    const etags = await store.write('factories', pk, [
      { kind: 'create', doc: thing('d', 1, pk) },
      { kind: 'upsert', doc: thing('e', 1, pk) },
    ]);
    expect(etags).toHaveLength(2);
    expect((await store.read<Thing>('factories', pk, 'e'))?.doc.n).toBe(1);
  });

  it('pages a partition with continuation tokens, and counts its round trips', async () => {
    await store.write(
      'factories',
      pk,
      Array.from({ length: 25 }, (_, i) => ({
        kind: 'create' as const,
        doc: thing(`q${String(i).padStart(2, '0')}`, i, pk),
      }))
    );
    const seen: number[] = [];
    let continuation: string | undefined;
    let pages = 0;
    await withRequestMetrics(async (metrics) => {
      do {
        const page = await store.query<Thing>(
          'factories',
          pk,
          {
            query: 'SELECT * FROM c WHERE c.countryCode = @pk AND c.type = @type ORDER BY c.n',
            parameters: [{ name: '@type', value: 'thing' }],
          },
          { maxItems: 10, ...(continuation ? { continuation } : {}) }
        );
        seen.push(...page.items.map((t) => t.n));
        continuation = page.continuation;
        pages++;
      } while (continuation && pages < 10);
      expect(metrics.cosmosRoundTrips).toBe(pages);
      expect(metrics.crossPartitionQueries).toBe(0);
    });
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(pages).toBe(3);
  });

  it('queries across partitions only when asked, and says so in the metrics', async () => {
    await store.write('factories', pk, [{ kind: 'create', doc: thing('x', 7, pk) }]);
    await store.write('factories', `${pk}2`, [{ kind: 'create', doc: thing('y', 7, `${pk}2`) }]);
    await withRequestMetrics(async (metrics) => {
      const found = await store.queryAcrossPartitions<Thing>('factories', {
        query: 'SELECT * FROM c WHERE c.n = 7 AND STARTSWITH(c.countryCode, @pk)',
        parameters: [{ name: '@pk', value: pk }],
      });
      expect(found.map((t) => t.id).sort()).toEqual(['x', 'y']);
      expect(metrics.crossPartitionQueries).toBe(1);
    });
  });

  it('refuses a partition query that does not filter on its partition key', async () => {
    await expect(store.query('factories', pk, { query: 'SELECT * FROM c' })).rejects.toThrow(/@pk/);
  });

  it('deletes, conditionally', async () => {
    const [etag] = await store.write('factories', pk, [{ kind: 'create', doc: thing('z', 1, pk) }]);
    await store.write('factories', pk, [{ kind: 'upsert', doc: thing('z', 2, pk) }]);
    await expect(store.write('factories', pk, [{ kind: 'delete', id: 'z', ifMatch: etag }])).rejects.toBeInstanceOf(
      PreconditionFailedError
    );
    await store.write('factories', pk, [{ kind: 'delete', id: 'z', ifMatch: undefined }]);
    expect(await store.read('factories', pk, 'z')).toBeUndefined();
  });
});
