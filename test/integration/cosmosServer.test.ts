import { CosmosClient, type Container, type Database, type OperationInput } from '@azure/cosmos';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { startCosmosServer, type CosmosServer } from '../../local/cosmos/server';

const KEY = Buffer.from('local-cosmos-test-key').toString('base64');
const SYSTEM = new Set(['_rid', '_self', '_etag', '_ts', '_attachments']);

interface Doc {
  id: string;
  pk: string;
  [key: string]: unknown;
}

let dataDir: string;
let server: CosmosServer | undefined;
const logs: string[] = [];

function connect(s: CosmosServer): { client: CosmosClient; database: Database; container: Container } {
  const client = new CosmosClient({
    endpoint: s.endpoint,
    key: KEY,
    agent: new https.Agent({ ca: s.caPem }),
    connectionPolicy: { enableEndpointDiscovery: false },
  });
  const database = client.database('appdb');
  return { client, database, container: database.container('things') };
}

async function start(): Promise<CosmosServer> {
  server = await startCosmosServer({ port: 0, dataDir, log: (line) => logs.push(line) });
  return server;
}

async function restart(): Promise<CosmosServer> {
  await server?.close();
  server = undefined;
  return start();
}

function strip(resource: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(resource).filter(([key]) => !SYSTEM.has(key)));
}

/** Everything a client can observe, minus the system properties regenerated on replay. */
async function snapshot(client: CosmosClient) {
  const state: Record<string, unknown> = {};
  const { resources: databases } = await client.databases.readAll().fetchAll();
  for (const db of databases) {
    const { resources: containers } = await client.database(db.id).containers.readAll().fetchAll();
    for (const def of containers) {
      const container = client.database(db.id).container(def.id);
      const { resource } = await container.read();
      const { resources: docs } = await container.items.readAll().fetchAll();
      const { resources: udfs } = await container.scripts.userDefinedFunctions.readAll().fetchAll();
      state[`${db.id}/${def.id}`] = {
        partitionKey: resource?.partitionKey,
        indexingPolicy: resource?.indexingPolicy,
        uniqueKeyPolicy: resource?.uniqueKeyPolicy,
        defaultTtl: resource?.defaultTtl,
        docs: docs.map((d) => strip(d)),
        udfs: udfs.map((u) => ({ id: u.id, body: u.body })),
      };
    }
  }
  return state;
}

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'cosmos-server-test-'));
  logs.length = 0;
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

describe('local cosmos server', () => {
  it('serves the real SDK and keeps every acknowledged write across restarts', async () => {
    const first = await start();
    expect(first.endpoint).toBe(`https://127.0.0.1:${first.port}`);
    const { client, database, container } = connect(first);

    await client.databases.create({ id: 'appdb' });
    const indexingPolicy = {
      indexingMode: 'consistent' as const,
      automatic: true,
      includedPaths: [{ path: '/*' }],
      excludedPaths: [{ path: '/big/?' }],
      compositeIndexes: [
        [
          { path: '/pk', order: 'ascending' as const },
          { path: '/n', order: 'descending' as const },
        ],
      ],
    };
    await database.containers.create({ id: 'things', partitionKey: { paths: ['/pk'] }, indexingPolicy });
    await database.containers.create({ id: 'other', partitionKey: { paths: ['/tenant/id'] } });

    // create / read
    for (let n = 0; n < 6; n += 1) {
      const created = await container.items.create<Doc>({ id: `doc${n}`, pk: n % 2 ? 'odd' : 'even', n, tags: [n] });
      expect(created.statusCode).toBe(201);
    }
    const { resource: doc0 } = await container.item('doc0', 'even').read<Doc>();
    expect(doc0).toMatchObject({ id: 'doc0', pk: 'even', n: 0 });

    // replace, upsert (update + insert), delete
    await container.item('doc1', 'odd').replace({ id: 'doc1', pk: 'odd', n: 1, replaced: true });
    await container.items.upsert({ id: 'doc2', pk: 'even', n: 2, upserted: 'update' });
    await container.items.upsert({ id: 'doc9', pk: 'odd', n: 9, upserted: 'insert' });
    const deleted = await container.item('doc3', 'odd').delete();
    expect(deleted.statusCode).toBe(204);
    await expect(container.item('doc3', 'odd').read()).resolves.toMatchObject({ statusCode: 404 });

    // parameterised query
    const { resources: odd } = await container.items
      .query<Doc>({
        query: 'SELECT * FROM c WHERE c.pk = @pk AND c.n >= @min',
        parameters: [
          { name: '@pk', value: 'odd' },
          { name: '@min', value: 1 },
        ],
      })
      .fetchAll();
    expect(odd.map((d) => d.id).sort()).toEqual(['doc1', 'doc5', 'doc9']);

    // ETag conditions: a stale ETag fails with 412 and changes nothing; the current one succeeds
    const { resource: doc4 } = await container.item('doc4', 'even').read<Doc>();
    const etag = doc4?._etag as string;
    await container
      .item('doc4', 'even')
      .replace({ id: 'doc4', pk: 'even', n: 4, v: 2 }, { accessCondition: { type: 'IfMatch', condition: etag } });
    await expect(
      container
        .item('doc4', 'even')
        .replace(
          { id: 'doc4', pk: 'even', n: 4, v: 'stale' },
          { accessCondition: { type: 'IfMatch', condition: etag } }
        )
    ).rejects.toMatchObject({ code: 412 });
    await expect(
      container.item('doc4', 'even').delete({ accessCondition: { type: 'IfMatch', condition: etag } })
    ).rejects.toMatchObject({ code: 412 });

    // patch
    const patched = await container.item('doc5', 'odd').patch<Doc>([
      { op: 'add', path: '/added', value: { deep: true } },
      { op: 'incr', path: '/n', value: 10 },
      { op: 'remove', path: '/tags' },
    ]);
    expect(patched.resource).toMatchObject({ id: 'doc5', n: 15, added: { deep: true } });
    expect(patched.resource?.tags).toBeUndefined();

    // transactional batch (partition key given once, as with real Cosmos)
    const { resource: doc0Now } = await container.item('doc0', 'even').read<Doc>();
    const operations: OperationInput[] = [
      { operationType: 'Create', resourceBody: { id: 'b1', pk: 'even', n: 100 } },
      { operationType: 'Upsert', resourceBody: { id: 'doc2', pk: 'even', n: 2, viaBatch: true } },
      {
        operationType: 'Replace',
        id: 'doc0',
        resourceBody: { id: 'doc0', pk: 'even', n: 0, viaBatch: true },
        ifMatch: doc0Now?._etag,
      },
      { operationType: 'Read', id: 'doc4' },
      { operationType: 'Delete', id: 'b1' },
      { operationType: 'Create', resourceBody: { id: 'b2', pk: 'even', n: 200 } },
    ];
    const batch = await container.items.batch(operations, 'even');
    expect(batch.result?.map((r) => r.statusCode)).toEqual([201, 200, 200, 200, 204, 201]);

    // a batch whose second operation fails is rolled back as a whole, as by Azure Cosmos DB (207,
    // the failing operation's status, 424 for the others), and nothing of it is journaled.
    const failing = await container.items
      .batch(
        [
          { operationType: 'Create', resourceBody: { id: 'b3', pk: 'even', n: 300 } },
          { operationType: 'Replace', id: 'b2', resourceBody: { id: 'b2', pk: 'even', n: -1 }, ifMatch: 'stale-etag' },
          { operationType: 'Create', resourceBody: { id: 'b4', pk: 'even', n: 400 } },
        ],
        'even'
      )
      .then(
        (r) => r.result?.map((x) => x.statusCode),
        (e: { code?: number }) => e.code
      );
    expect(failing).toEqual([424, 412, 424]);

    // a document in a nested partition key path, and a user-defined function
    const other = database.container('other');
    await other.items.create({ id: 'o1', tenant: { id: 't1' }, payload: 'x'.repeat(1000) });
    await other.scripts.userDefinedFunctions.create({ id: 'double', body: 'function (x) { return x * 2; }' });

    const before = await snapshot(client);
    expect(Object.keys(before).sort()).toEqual(['appdb/other', 'appdb/things']);
    const things = before['appdb/things'] as { docs: Doc[]; indexingPolicy: unknown; partitionKey: unknown };
    expect(things.partitionKey).toMatchObject({ paths: ['/pk'] });
    expect(things.indexingPolicy).toMatchObject({
      excludedPaths: [{ path: '/big/?' }],
      compositeIndexes: indexingPolicy.compositeIndexes,
    });
    expect(things.docs.map((d) => d.id).sort()).toEqual(['b2', 'doc0', 'doc1', 'doc2', 'doc4', 'doc5', 'doc9'].sort());
    expect(things.docs.find((d) => d.id === 'doc4')).toMatchObject({ v: 2 });
    expect(things.docs.find((d) => d.id === 'b2')).toMatchObject({ n: 200 });

    // the live journal: only successful writes, without credentials, dates or preconditions
    const live = readFileSync(join(dataDir, 'journal.jsonl'), 'utf8').trimEnd().split('\n');
    expect(live.length).toBeGreaterThan(15);
    for (const line of live) {
      const entry = JSON.parse(line) as { method: string; headers: Record<string, string> };
      expect(['POST', 'PUT', 'PATCH', 'DELETE']).toContain(entry.method);
      for (const header of ['if-match', 'if-none-match', 'authorization', 'x-ms-date']) {
        expect(entry.headers).not.toHaveProperty([header]);
      }
      expect(entry.headers['x-ms-documentdb-isquery']).toBeUndefined();
    }
    expect(live.filter((l) => l.includes('stale'))).toEqual([]);

    // restart: replay + compaction
    const second = await restart();
    const afterFirst = await snapshot(connect(second).client);
    expect(afterFirst).toEqual(before);
    const compacted = readFileSync(join(dataDir, 'journal.jsonl'), 'utf8');
    // 1 database + 2 containers + 1 udf + 8 documents
    expect(compacted.trimEnd().split('\n')).toHaveLength(12);
    for (const line of compacted.trimEnd().split('\n')) {
      const entry = JSON.parse(line) as { headers: Record<string, string>; body: string };
      for (const header of ['if-match', 'if-none-match', 'authorization', 'x-ms-date']) {
        expect(entry.headers).not.toHaveProperty([header]);
      }
      for (const key of SYSTEM) expect(JSON.parse(entry.body)).not.toHaveProperty(key);
    }
    expect(compacted).toContain('"x-ms-documentdb-partitionkey":"[\\"t1\\"]"');

    // the UDF works after replay
    const { resources: doubled } = await connect(second)
      .database.container('other')
      .items.query({ query: 'SELECT VALUE udf.double(2) FROM c' })
      .fetchAll();
    expect(doubled).toEqual([4]);

    // second restart: compaction is idempotent
    const third = await restart();
    expect(await snapshot(connect(third).client)).toEqual(before);
    expect(readFileSync(join(dataDir, 'journal.jsonl'), 'utf8')).toBe(compacted);

    // writes after a restart are journaled too, and conditional writes still work on new ETags
    const c3 = connect(third).container;
    const { resource: fresh } = await c3.item('doc9', 'odd').read<Doc>();
    await c3
      .item('doc9', 'odd')
      .replace(
        { id: 'doc9', pk: 'odd', n: 99 },
        { accessCondition: { type: 'IfMatch', condition: fresh?._etag as string } }
      );
    await c3.items.create({ id: 'late', pk: 'odd', n: 1000 });
    const expected = await snapshot(connect(third).client);
    const fourth = await restart();
    expect(await snapshot(connect(fourth).client)).toEqual(expected);
  });

  it('container replaces and deletes of containers and databases survive a restart', async () => {
    const s = await start();
    const { client } = connect(s);
    await client.databases.create({ id: 'keep' });
    await client.databases.create({ id: 'drop' });
    await client.database('keep').containers.create({ id: 'a', partitionKey: { paths: ['/pk'] } });
    await client.database('keep').containers.create({ id: 'b', partitionKey: { paths: ['/pk'] } });
    await client.database('keep').container('a').items.create({ id: 'x', pk: 'p' });
    await client.database('keep').container('b').delete();
    await client.database('drop').delete();
    await client
      .database('keep')
      .container('a')
      .replace({
        id: 'a',
        partitionKey: { paths: ['/pk'] },
        indexingPolicy: { indexingMode: 'consistent', excludedPaths: [{ path: '/blob/?' }] },
        defaultTtl: 3600,
      });
    const before = await snapshot(client);
    expect(before['keep/a']).toMatchObject({
      defaultTtl: 3600,
      indexingPolicy: { excludedPaths: [{ path: '/blob/?' }] },
    });
    const s2 = await restart();
    const { resources: dbs } = await connect(s2).client.databases.readAll().fetchAll();
    expect(dbs.map((d) => d.id)).toEqual(['keep']);
    expect(await snapshot(connect(s2).client)).toEqual(before);
  });

  it('uses its own TLS certificate (localhost + 127.0.0.1, key mode 0600) and renews it before expiry', async () => {
    const s = await start();
    const certPem = readFileSync(join(dataDir, 'cert.pem'), 'utf8');
    expect(s.caPem).toBe(certPem);
    const cert = new X509Certificate(certPem);
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now() + 300 * 24 * 3600 * 1000);
    expect(statSync(join(dataDir, 'key.pem')).mode & 0o777).toBe(0o600);

    // An unpinned client must be refused (TLS verification stays on).
    const unpinned = new CosmosClient({
      endpoint: s.endpoint,
      key: KEY,
      connectionPolicy: { enableEndpointDiscovery: false },
    });
    await expect(unpinned.databases.readAll().fetchAll()).rejects.toThrow(/self[- ]signed|certificate/i);

    // The same certificate is reused on restart...
    const s2 = await restart();
    expect(s2.caPem).toBe(certPem);

    // ...and replaced when it expires within 7 days.
    await server?.close();
    server = undefined;
    const expiring = await generate([{ name: 'commonName', value: 'localhost' }], {
      notBeforeDate: new Date(Date.now() - 24 * 3600 * 1000),
      notAfterDate: new Date(Date.now() + 3 * 24 * 3600 * 1000),
      extensions: [
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
          ],
        },
      ],
    });
    writeFileSync(join(dataDir, 'cert.pem'), expiring.cert);
    writeFileSync(join(dataDir, 'key.pem'), expiring.private);
    const s3 = await start();
    expect(s3.caPem).not.toBe(expiring.cert);
    expect(new Date(new X509Certificate(s3.caPem).validTo).getTime()).toBeGreaterThan(
      Date.now() + 300 * 24 * 3600 * 1000
    );
    await expect(connect(s3).client.databases.readAll().fetchAll()).resolves.toBeDefined();
  });

  it('refuses a port that is in use with a one-line message', async () => {
    const s = await start();
    const otherDir = mkdtempSync(join(tmpdir(), 'cosmos-port-'));
    const error = await startCosmosServer({ port: s.port, dataDir: otherDir }).then(
      () => undefined,
      (e: unknown) => e as Error
    );
    rmSync(otherDir, { recursive: true, force: true });
    expect(error?.message).toMatch(new RegExp(`port ${s.port}.*--cosmos-port.*LOCAL_COSMOS_PORT`));
    expect(error?.message).not.toContain('\n');
  });
});
