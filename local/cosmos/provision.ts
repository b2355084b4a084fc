import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { CosmosClient } from '@azure/cosmos';
import { cosmosContainers, indexingPolicyOf } from '../../shared/config/cosmosContainers';

/** Creates the database and the containers the code declares, if they are not there yet. */
export async function provisionCosmos(opts: {
  endpoint: string;
  key: string;
  caFile: string;
  databaseName: string;
}): Promise<void> {
  const agent = new Agent({ ca: readFileSync(opts.caFile) });
  const client = new CosmosClient({
    endpoint: opts.endpoint,
    key: opts.key,
    agent,
    connectionPolicy: { enableEndpointDiscovery: false },
  });
  try {
    const { database } = await client.databases.createIfNotExists({ id: opts.databaseName });
    for (const container of cosmosContainers) {
      await database.containers.createIfNotExists({
        id: container.name,
        partitionKey: { paths: [container.partitionKey] },
        indexingPolicy: indexingPolicyOf(container),
      });
    }
  } finally {
    client.dispose();
    agent.destroy();
  }
}
