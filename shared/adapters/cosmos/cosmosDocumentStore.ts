import type { CosmosClient, JSONObject, OperationInput } from '@azure/cosmos';
import type { ContainerName } from '../../config/cosmosContainers';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../../domain/errors';
import {
  bindPartition,
  type DocumentStore,
  type Page,
  type QuerySpec,
  type StoredDocument,
  type Versioned,
  type WriteOperation,
} from '../../ports/documentStore';
import { bytesOfWrite, countCosmosRoundTrip, countCosmosWrite } from '../requestMetrics';
import { transientAsUnavailable } from '../transientFailure';

const systemProperties = ['_rid', '_self', '_etag', '_ts', '_attachments', '_lsn'];

function strip<T extends StoredDocument>(resource: Record<string, unknown>): T {
  const doc: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) if (!systemProperties.includes(key)) doc[key] = value;
  return doc as T;
}

function statusOf(error: unknown): number | undefined {
  const code =
    (error as { code?: unknown; statusCode?: unknown })?.code ?? (error as { statusCode?: unknown })?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

function translate(error: unknown, what: string): never {
  switch (statusOf(error)) {
    case 409:
      throw new ConflictError(`${what} already exists.`);
    case 412:
      throw new PreconditionFailedError(`${what} was changed by someone else; read it again and retry.`);
    case 404:
      throw new NotFoundError(`${what} was not found.`);
    default:
      throw error;
  }
}

/**
 * The DocumentStore on Cosmos DB for NoSQL (Azure, or the local Cosmos-compatible server). A database that cannot
 * be reached (or says it is unavailable) fails the call with ServiceUnavailableError: a 503, not a 500.
 */
export function cosmosDocumentStore(client: () => Promise<CosmosClient>, databaseName: string): DocumentStore {
  const store = cosmosStore(client, databaseName);
  const guard = <T>(work: () => Promise<T>) => transientAsUnavailable('database', work);
  return {
    read: <T extends StoredDocument>(name: ContainerName, partitionKey: string, id: string) =>
      guard(() => store.read<T>(name, partitionKey, id)),
    write: (name, partitionKey, operations) => guard(() => store.write(name, partitionKey, operations)),
    query: <T extends StoredDocument>(
      name: ContainerName,
      partitionKey: string,
      spec: QuerySpec,
      page?: { maxItems?: number; continuation?: string }
    ) => guard(() => store.query<T>(name, partitionKey, spec, page)),
    queryAcrossPartitions: <T extends StoredDocument>(name: ContainerName, spec: QuerySpec) =>
      guard(() => store.queryAcrossPartitions<T>(name, spec)),
  };
}

function cosmosStore(client: () => Promise<CosmosClient>, databaseName: string): DocumentStore {
  const container = async (name: ContainerName) => (await client()).database(databaseName).container(name);

  return {
    async read<T extends StoredDocument>(name: ContainerName, partitionKey: string, id: string) {
      const c = await container(name);
      countCosmosRoundTrip();
      try {
        const { resource, etag } = await c.item(id, partitionKey).read<Record<string, unknown>>();
        return resource
          ? ({ doc: strip<T>(resource), etag: etag ?? String(resource._etag) } satisfies Versioned<T>)
          : undefined;
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    },

    async write(name: ContainerName, partitionKey: string, operations: WriteOperation[]) {
      const c = await container(name);
      if (operations.length === 0) return [];
      countCosmosWrite(bytesOfWrite(operations));
      if (operations.length === 1) {
        const op = operations[0]!;
        const what = `${name} document ${op.kind === 'delete' ? op.id : op.doc.id}`;
        try {
          switch (op.kind) {
            case 'create':
              return [(await c.items.create(op.doc, { disableAutomaticIdGeneration: true })).etag];
            case 'upsert':
              return [(await c.items.upsert(op.doc)).etag];
            case 'replace':
              return [
                (
                  await c
                    .item(op.doc.id, partitionKey)
                    .replace(op.doc, op.ifMatch ? { accessCondition: { type: 'IfMatch', condition: op.ifMatch } } : {})
                ).etag,
              ];
            case 'delete':
              await c
                .item(op.id, partitionKey)
                .delete(op.ifMatch ? { accessCondition: { type: 'IfMatch', condition: op.ifMatch } } : {});
              return [''];
          }
        } catch (error) {
          translate(error, what);
        }
      }
      const json = (doc: StoredDocument) => doc as unknown as JSONObject;
      const batch: OperationInput[] = operations.map((op): OperationInput => {
        switch (op.kind) {
          case 'create':
            return { operationType: 'Create', resourceBody: json(op.doc) };
          case 'upsert':
            return { operationType: 'Upsert', resourceBody: json(op.doc) };
          case 'replace':
            return {
              operationType: 'Replace',
              id: op.doc.id,
              resourceBody: json(op.doc),
              ...(op.ifMatch ? { ifMatch: op.ifMatch } : {}),
            };
          case 'delete':
            return { operationType: 'Delete', id: op.id, ...(op.ifMatch ? { ifMatch: op.ifMatch } : {}) };
        }
      });
      const response = await c.items.batch(batch, partitionKey);
      const results = response.result ?? [];
      const failed = results.findIndex((r) => r.statusCode >= 400 && r.statusCode !== 424);
      if (failed >= 0) {
        const op = operations[failed]!;
        translate(
          { code: results[failed]!.statusCode },
          `${name} document ${op.kind === 'delete' ? op.id : op.doc.id}`
        );
      }
      return results.map((r) => r.eTag ?? '');
    },

    async query<T extends StoredDocument>(
      name: ContainerName,
      partitionKey: string,
      spec: QuerySpec,
      page: { maxItems?: number; continuation?: string } = {}
    ): Promise<Page<T>> {
      const c = await container(name);
      countCosmosRoundTrip();
      const iterator = c.items.query<Record<string, unknown>>(bindPartition(spec, partitionKey), {
        partitionKey,
        maxItemCount: page.maxItems ?? 100,
        ...(page.continuation ? { continuationToken: page.continuation } : {}),
      });
      const response = await iterator.fetchNext();
      return {
        items: (response.resources ?? []).map((r) => strip<T>(r)),
        continuation: response.continuationToken ?? undefined,
      };
    },

    async queryAcrossPartitions<T extends StoredDocument>(name: ContainerName, spec: QuerySpec): Promise<T[]> {
      const c = await container(name);
      countCosmosRoundTrip(true);
      const { resources } = await c.items.query<Record<string, unknown>>(spec).fetchAll();
      return resources.map((r) => strip<T>(r));
    },
  };
}
