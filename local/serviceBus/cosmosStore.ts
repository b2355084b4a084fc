// The local Service Bus queue's messages in the same Cosmos-compatible server as the app's data, through the
// real @azure/cosmos SDK, one document per message, partitioned by queue. In Azure the messages live in the
// Service Bus namespace; this database exists only locally, so it is not declared in
// shared/config/cosmosContainers.ts and the queue creates it.

import type { Container, CosmosClient, JSONObject, OperationInput } from '@azure/cosmos';
import type { MessageDoc } from './model';
import { MessageStoreConflictError, type MessageStore, type StoreOperation, type StoredMessage } from './store';

export const serviceBusContainerName = 'messages';

/** Next to the app's database, not in it (e.g. `slcp-servicebus`), as the durable engine's is. */
export function serviceBusDatabaseName(appDatabaseName: string): string {
  return `${appDatabaseName}-servicebus`;
}

const systemProperties = ['_rid', '_self', '_etag', '_ts', '_attachments', '_lsn'];

function statusOf(error: unknown): number | undefined {
  const code =
    (error as { code?: unknown; statusCode?: unknown })?.code ?? (error as { statusCode?: unknown })?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

function strip(resource: Record<string, unknown>): MessageDoc {
  const doc: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) if (!systemProperties.includes(key)) doc[key] = value;
  return doc as unknown as MessageDoc;
}

const conflictStatuses = new Set([404, 409, 412]);

export interface CosmosMessageStoreOptions {
  /** Called once, at init; the store disposes the client when it closes. */
  connect: () => Promise<CosmosClient>;
  databaseName: string;
  containerName?: string;
}

export class CosmosMessageStore implements MessageStore {
  private client: CosmosClient | undefined;
  private container: Container | undefined;

  constructor(private readonly options: CosmosMessageStoreOptions) {}

  get description(): string {
    return `Cosmos container ${this.options.databaseName}/${this.options.containerName ?? serviceBusContainerName}`;
  }

  async init(): Promise<void> {
    this.client = await this.options.connect();
    const { database } = await this.client.databases.createIfNotExists({ id: this.options.databaseName });
    const { container } = await database.containers.createIfNotExists({
      id: this.options.containerName ?? serviceBusContainerName,
      partitionKey: { paths: ['/queue'] },
    });
    this.container = container;
  }

  private get items(): Container {
    if (!this.container) throw new Error('the message store is not initialised');
    return this.container;
  }

  async loadAll(): Promise<StoredMessage[]> {
    const { resources } = await this.items.items
      .query<Record<string, unknown>>({
        query: 'SELECT * FROM c WHERE c.type = @type',
        parameters: [{ name: '@type', value: 'serviceBusMessage' }],
      })
      .fetchAll();
    return resources.map((resource) => ({ doc: strip(resource), etag: String(resource['_etag']) }));
  }

  async apply(queue: string, operations: readonly StoreOperation[]): Promise<(string | undefined)[]> {
    if (operations.length === 0) return [];
    const what = (op: StoreOperation) => `message ${op.kind === 'delete' ? op.id : op.doc.id} of ${queue}`;
    if (operations.length === 1) {
      const op = operations[0]!;
      try {
        switch (op.kind) {
          case 'create':
            return [(await this.items.items.create(op.doc, { disableAutomaticIdGeneration: true })).etag];
          case 'replace':
            return [
              (
                await this.items
                  .item(op.doc.id, queue)
                  .replace(op.doc, { accessCondition: { type: 'IfMatch', condition: op.etag } })
              ).etag,
            ];
          case 'delete':
            await this.items.item(op.id, queue).delete({ accessCondition: { type: 'IfMatch', condition: op.etag } });
            return [undefined];
        }
      } catch (error) {
        const status = statusOf(error);
        if (status !== undefined && conflictStatuses.has(status)) {
          throw new MessageStoreConflictError(`${what(op)} changed under the queue (HTTP ${status})`);
        }
        throw error;
      }
    }
    const json = (doc: MessageDoc) => doc as unknown as JSONObject;
    const batch = operations.map((op): OperationInput => {
      switch (op.kind) {
        case 'create':
          return { operationType: 'Create', resourceBody: json(op.doc) };
        case 'replace':
          return { operationType: 'Replace', id: op.doc.id, resourceBody: json(op.doc), ifMatch: op.etag };
        case 'delete':
          // The SDK's batch delete takes no ETag; the queue deletes only what it holds (one writer).
          return { operationType: 'Delete', id: op.id };
      }
    });
    const response = await this.items.items.batch(batch, queue);
    const results = response.result ?? [];
    const failed = results.findIndex((r) => r.statusCode >= 400 && r.statusCode !== 424);
    if (failed >= 0 || results.length !== operations.length) {
      const status = results[failed]?.statusCode;
      const message = `${failed >= 0 ? what(operations[failed]!) : 'a batch'} was refused (HTTP ${status ?? response.code})`;
      if (status !== undefined && conflictStatuses.has(status)) throw new MessageStoreConflictError(message);
      throw new Error(message);
    }
    return results.map((r, i) => (operations[i]!.kind === 'delete' ? undefined : r.eTag));
  }

  async close(): Promise<void> {
    this.client?.dispose();
    this.client = undefined;
    this.container = undefined;
  }
}
