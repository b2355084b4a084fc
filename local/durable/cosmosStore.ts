// The local durable engine's instances in the same Cosmos-compatible server as the app's data, through the
// real @azure/cosmos SDK, in a container of its own. In Azure the task hub lives in the Storage account
// (Durable Functions' Azure Storage provider); this container exists only locally, so it is not declared
// in shared/config/cosmosContainers.ts and the engine creates it.

import type { Container, CosmosClient } from '@azure/cosmos';
import type { InstanceDoc } from './instance';
import { StoreConflictError, type InstanceStore, type StoredInstance } from './store';

export const durableContainerName = 'durableTaskHub';

/**
 * The engine's database: next to the app's, not in it, so the app's database holds exactly the containers
 * shared/config/cosmosContainers.ts declares (as in Azure).
 */
export function durableDatabaseName(appDatabaseName: string): string {
  return `${appDatabaseName}-durable`;
}

const systemProperties = ['_rid', '_self', '_etag', '_ts', '_attachments', '_lsn'];

function statusOf(error: unknown): number | undefined {
  const code =
    (error as { code?: unknown; statusCode?: unknown })?.code ?? (error as { statusCode?: unknown })?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

function strip(resource: Record<string, unknown>): InstanceDoc {
  const doc: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) if (!systemProperties.includes(key)) doc[key] = value;
  return doc as unknown as InstanceDoc;
}

export interface CosmosInstanceStoreOptions {
  /** Called once, at init; the store disposes the client when it closes. */
  connect: () => Promise<CosmosClient>;
  databaseName: string;
  containerName?: string;
}

export class CosmosInstanceStore implements InstanceStore {
  private client: CosmosClient | undefined;
  private container: Container | undefined;

  constructor(private readonly options: CosmosInstanceStoreOptions) {}

  get description(): string {
    return `Cosmos container ${this.options.databaseName}/${this.options.containerName ?? durableContainerName}`;
  }

  async init(): Promise<void> {
    this.client = await this.options.connect();
    const { database } = await this.client.databases.createIfNotExists({ id: this.options.databaseName });
    const { container } = await database.containers.createIfNotExists({
      id: this.options.containerName ?? durableContainerName,
      partitionKey: { paths: ['/instanceId'] },
    });
    this.container = container;
  }

  private get items(): Container {
    if (!this.container) throw new Error('the durable store is not initialised');
    return this.container;
  }

  async loadAll(taskHub: string): Promise<StoredInstance[]> {
    const { resources } = await this.items.items
      .query<Record<string, unknown>>({
        query: 'SELECT * FROM c WHERE c.type = @type AND c.taskHub = @hub',
        parameters: [
          { name: '@type', value: 'durableInstance' },
          { name: '@hub', value: taskHub },
        ],
      })
      .fetchAll();
    return resources.map((resource) => ({ doc: strip(resource), etag: String(resource['_etag']) }));
  }

  async read(instanceId: string): Promise<StoredInstance | undefined> {
    try {
      const { resource, etag } = await this.items.item(instanceId, instanceId).read<Record<string, unknown>>();
      return resource ? { doc: strip(resource), etag: etag ?? String(resource['_etag']) } : undefined;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async write(doc: InstanceDoc, etag: string | undefined): Promise<string> {
    try {
      if (etag === undefined) {
        const created = await this.items.items.create(doc, { disableAutomaticIdGeneration: true });
        return created.etag;
      }
      const replaced = await this.items
        .item(doc.id, doc.instanceId)
        .replace(doc, { accessCondition: { type: 'IfMatch', condition: etag } });
      return replaced.etag;
    } catch (error) {
      const status = statusOf(error);
      if (status === 409 || status === 412 || status === 404) {
        throw new StoreConflictError(`instance ${doc.instanceId} changed under the engine (HTTP ${status})`);
      }
      throw error;
    }
  }

  async remove(instanceId: string): Promise<void> {
    try {
      await this.items.item(instanceId, instanceId).delete();
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }

  async close(): Promise<void> {
    this.client?.dispose();
    this.client = undefined;
    this.container = undefined;
  }
}
