import type { BlobServiceClient } from '@azure/storage-blob';
import type { Settings } from '../../config/settings';
import { azureCredential } from '../azureCredential';
import type { HealthProbe } from '../../ports/health';

/** The blob service of the app's storage account (Azurite locally); the SDK is loaded on first use only. */
export async function createBlobServiceClient(settings: Settings): Promise<BlobServiceClient> {
  const { BlobServiceClient } = await import('@azure/storage-blob');
  if (settings.mode === 'azure') {
    return new BlobServiceClient(settings.storage.blobServiceUri, await azureCredential(settings));
  }
  return BlobServiceClient.fromConnectionString(settings.storage.connectionString);
}

export function storageHealthProbe(client: () => Promise<BlobServiceClient>): HealthProbe {
  return {
    name: 'storage',
    async check() {
      // Listing one container needs only data-plane read rights, which the app's identity has.
      await (await client()).listContainers().byPage({ maxPageSize: 1 }).next();
    },
  };
}
