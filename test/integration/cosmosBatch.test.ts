import { CosmosClient, type Container, type OperationInput, type OperationResponse } from '@azure/cosmos';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCosmosServer, type CosmosServer } from '../../local/cosmos/server';

// Transactional batches against the local Cosmos stand-in, through the real SDK: all or nothing,
// answered as Azure Cosmos DB answers (HTTP 207 for a failed batch, the failing operation's status,
// 424 Failed Dependency for every other one), and only successful batches reach the journal.

const KEY = Buffer.from('local-cosmos-test-key').toString('base64');
const SYSTEM = new Set(['_rid', '_self', '_etag', '_ts', '_attachments']);

interface Doc {
  id: string;
  pk: string;
  [key: string]: unknown;
}

let dataDir: string;
let server: CosmosServer | undefined;

async function start(): Promise<{ things: Container; nested: Container }> {
  server = await startCosmosServer({ port: 0, dataDir });
  const client = new CosmosClient({
    endpoint: server.endpoint,
    key: KEY,
    agent: new https.Agent({ ca: server.caPem }),
    connectionPolicy: { enableEndpointDiscovery: false },
  });
  const database = client.database('appdb');
  return { things: database.container('things'), nested: database.container('nested') };
}

async function restart(): Promise<{ things: Container; nested: Container }> {
  await server?.close();
  server = undefined;
  return start();
}

/** Creates appdb/things (partition key /pk) and appdb/nested (/tenant/id) with a few documents. */
async function seed(): Promise<{ things: Container; nested: Container }> {
  const containers = await start();
  const client = containers.things.database.client;
  await client.databases.create({ id: 'appdb' });
  await client.database('appdb').containers.create({ id: 'things', partitionKey: { paths: ['/pk'] } });
  await client.database('appdb').containers.create({ id: 'nested', partitionKey: { paths: ['/tenant/id'] } });
  for (const id of ['B', 'C', 'X']) await containers.things.items.create({ id, pk: 'p', v: 1 });
  await containers.nested.items.create({ id: 'N', tenant: { id: 't1' }, v: 1 });
  return containers;
}

function strip(resource: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(resource).filter(([key]) => !SYSTEM.has(key)));
}

/** The documents of a container without the system properties, by id. */
async function contents(container: Container): Promise<Record<string, unknown>> {
  const { resources } = await container.items.readAll().fetchAll();
  return Object.fromEntries(
    resources.map((d) => [d.id, strip(d)]).sort(([a], [b]) => String(a).localeCompare(String(b)))
  );
}

async function etagOf(container: Container, id: string, pk: unknown): Promise<string | undefined> {
  const { resource } = await container.item(id, pk as string).read<Doc>();
  return resource?._etag as string | undefined;
}

function journalLines(): string[] {
  return readFileSync(join(dataDir, 'journal.jsonl'), 'utf8').trimEnd().split('\n').filter(Boolean);
}

const statuses = (results: OperationResponse[] | undefined) => results?.map((r) => r.statusCode);

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'cosmos-batch-test-'));
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

describe('local cosmos server: transactional batches', () => {
  it('[create A, replace B with a stale ifMatch]: nothing applied, 412 on the replace, 424 on the create', async () => {
    const { things } = await seed();
    const before = await contents(things);
    const etagB = await etagOf(things, 'B', 'p');
    const journalBefore = journalLines();

    const response = await things.items.batch(
      [
        { operationType: 'Create', resourceBody: { id: 'A', pk: 'p', v: 1 } },
        { operationType: 'Replace', id: 'B', resourceBody: { id: 'B', pk: 'p', v: 2 }, ifMatch: 'stale-etag' },
      ],
      'p'
    );

    expect(response.code).toBe(207);
    expect(statuses(response.result)).toEqual([424, 412]);
    expect(response.result?.[0]?.resourceBody).toBeUndefined();
    await expect(things.item('A', 'p').read()).resolves.toMatchObject({ statusCode: 404 });
    expect(await contents(things)).toEqual(before);
    // B was never changed, so it keeps its ETag and a write conditional on it still succeeds.
    expect(await etagOf(things, 'B', 'p')).toBe(etagB);
    expect(journalLines()).toEqual(journalBefore);
  });

  it('[upsert C, delete missing D]: C as it was before, 404 on the delete', async () => {
    const { things } = await seed();
    const before = await contents(things);
    const journalBefore = journalLines();

    const response = await things.items.batch(
      [
        { operationType: 'Upsert', resourceBody: { id: 'C', pk: 'p', v: 'upserted' } },
        { operationType: 'Delete', id: 'D' },
      ],
      'p'
    );

    expect(response.code).toBe(207);
    expect(statuses(response.result)).toEqual([424, 404]);
    const { resource: c } = await things.item('C', 'p').read<Doc>();
    expect(c).toMatchObject({ id: 'C', pk: 'p', v: 1 });
    expect(await contents(things)).toEqual(before);
    expect(journalLines()).toEqual(journalBefore);
  });

  it('undoes creates, replaces, upserts and deletes that ran before the failing operation', async () => {
    const { things } = await seed();
    const before = await contents(things);
    const etagX = await etagOf(things, 'X', 'p');

    const operations: OperationInput[] = [
      { operationType: 'Create', resourceBody: { id: 'A', pk: 'p', v: 1 } },
      { operationType: 'Replace', id: 'B', resourceBody: { id: 'B', pk: 'p', v: 'replaced' } },
      { operationType: 'Delete', id: 'C' },
      { operationType: 'Upsert', resourceBody: { id: 'E', pk: 'p', v: 'new' } },
      { operationType: 'Read', id: 'X' },
      { operationType: 'Create', resourceBody: { id: 'X', pk: 'p', v: 'conflict' } },
      { operationType: 'Delete', id: 'B' },
    ];
    const response = await things.items.batch(operations, 'p');

    expect(response.code).toBe(207);
    expect(statuses(response.result)).toEqual([424, 424, 424, 424, 424, 409, 424]);
    // what the app's document store looks for: the one failure that is not a failed dependency
    expect(response.result?.findIndex((r) => r.statusCode >= 400 && r.statusCode !== 424)).toBe(5);
    expect(await contents(things)).toEqual(before);
    expect(await etagOf(things, 'X', 'p')).toBe(etagX);
  });

  it('rolls back in a container with a nested partition key path', async () => {
    const { nested } = await seed();
    const before = await contents(nested);

    const response = await nested.items.batch(
      [
        { operationType: 'Replace', id: 'N', resourceBody: { id: 'N', tenant: { id: 't1' }, v: 2 } },
        { operationType: 'Create', resourceBody: { id: 'M', tenant: { id: 't1' }, v: 1 } },
        { operationType: 'Delete', id: 'missing' },
      ],
      't1'
    );

    expect(statuses(response.result)).toEqual([424, 424, 404]);
    expect(await contents(nested)).toEqual(before);
  });

  it('undoes the operations applied before a batch refused as a whole', async () => {
    const { things } = await seed();
    const before = await contents(things);
    const journalBefore = journalLines();

    // cosmosdb-server refuses Patch in a batch with 400 after running the operations before it.
    const error = await things.items
      .batch(
        [
          { operationType: 'Create', resourceBody: { id: 'A', pk: 'p', v: 1 } },
          { operationType: 'Patch', id: 'B', resourceBody: { operations: [{ op: 'set', path: '/v', value: 3 }] } },
        ],
        'p'
      )
      .then(
        () => undefined,
        (e: unknown) => e as Error
      );

    expect(error?.message).toMatch(/Batch request error/);
    expect(await contents(things)).toEqual(before);
    expect(journalLines()).toEqual(journalBefore);
  });

  it('applies a successful batch completely and keeps it across a restart', async () => {
    const { things } = await seed();
    const etagB = await etagOf(things, 'B', 'p');

    const response = await things.items.batch(
      [
        { operationType: 'Create', resourceBody: { id: 'A', pk: 'p', v: 1 } },
        { operationType: 'Replace', id: 'B', resourceBody: { id: 'B', pk: 'p', v: 2 }, ifMatch: etagB },
        { operationType: 'Upsert', resourceBody: { id: 'C', pk: 'p', v: 2 } },
        { operationType: 'Delete', id: 'X' },
        { operationType: 'Read', id: 'A' },
      ],
      'p'
    );

    expect(response.code).toBe(200);
    expect(statuses(response.result)).toEqual([201, 200, 200, 204, 200]);
    const expected = {
      A: { id: 'A', pk: 'p', v: 1 },
      B: { id: 'B', pk: 'p', v: 2 },
      C: { id: 'C', pk: 'p', v: 2 },
    };
    expect(await contents(things)).toEqual(expected);

    const { things: afterRestart } = await restart();
    expect(await contents(afterRestart)).toEqual(expected);
  });

  it('after a failed batch and a restart, the state is the one before the batch', async () => {
    const { things, nested } = await seed();
    const before = { things: await contents(things), nested: await contents(nested) };

    const failed = await things.items.batch(
      [
        { operationType: 'Create', resourceBody: { id: 'A', pk: 'p', v: 1 } },
        { operationType: 'Replace', id: 'B', resourceBody: { id: 'B', pk: 'p', v: 2 } },
        { operationType: 'Delete', id: 'C' },
        { operationType: 'Replace', id: 'X', resourceBody: { id: 'X', pk: 'p', v: 2 }, ifMatch: 'stale-etag' },
      ],
      'p'
    );
    expect(statuses(failed.result)).toEqual([424, 424, 424, 412]);
    expect(journalLines().filter((line) => line.includes('stale-etag') || line.includes('"A"'))).toEqual([]);

    const after = await restart();
    expect({ things: await contents(after.things), nested: await contents(after.nested) }).toEqual(before);

    // and the restored documents take conditional writes on their current ETags
    const etagB = await etagOf(after.things, 'B', 'p');
    const ok = await after.things.items.batch(
      [{ operationType: 'Replace', id: 'B', resourceBody: { id: 'B', pk: 'p', v: 3 }, ifMatch: etagB }],
      'p'
    );
    expect(statuses(ok.result)).toEqual([200]);
  });
});
