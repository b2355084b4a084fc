import { readFileSync } from 'node:fs';
import type { CosmosClient } from '@azure/cosmos';
import type { Settings } from '../../config/settings';
import { azureCredential } from '../azureCredential';
import type { HealthProbe } from '../../ports/health';

/**
 * Builds the Cosmos DB client; the SDK is loaded on first use only. In Azure it authenticates with the
 * managed identity; locally it talks to the Cosmos-compatible server and trusts only its own certificate.
 */
export async function createCosmosClient(settings: Settings): Promise<CosmosClient> {
  const { CosmosClient } = await import('@azure/cosmos');
  if (settings.mode === 'azure') {
    return new CosmosClient({ endpoint: settings.cosmos.endpoint, aadCredentials: await azureCredential(settings) });
  }
  const { Agent } = await import('node:https');
  const ca = settings.cosmos.caFile ? readFileSync(settings.cosmos.caFile) : undefined;
  return new CosmosClient({
    endpoint: settings.cosmos.endpoint,
    key: settings.cosmos.key,
    ...(ca ? { agent: new Agent({ ca, keepAlive: true }) } : {}),
    connectionPolicy: { enableEndpointDiscovery: false },
  });
}

export function cosmosHealthProbe(client: () => Promise<CosmosClient>, databaseName: string): HealthProbe {
  return {
    name: 'cosmos',
    async check() {
      await (await client()).database(databaseName).read();
    },
  };
}
