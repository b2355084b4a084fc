// The DocumentFiles port over Azure Blob Storage (@azure/storage-blob): in Azure the documents account with the
// app's managed identity (DefaultAzureCredential, no keys), locally Azurite. Files are written create-only
// (If-None-Match: *), so a document, once stored, is never overwritten; a container that does not exist yet
// (Azurite starts empty) is created on the first write.
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import type { Settings } from '../../config/settings';
import type { BlobContainerName } from '../../config/blobContainers';
import type { DocumentFile, DocumentFiles } from '../../ports/documentFiles';
import { azureCredential } from '../azureCredential';
import { transientAsUnavailable } from '../transientFailure';

/**
 * The blob service documents are kept in: in Azure the account at DOCUMENTS_BLOB_SERVICE_URI (by default the
 * app's storage account), with the managed identity; locally Azurite. The SDK is loaded on first use.
 */
export async function createDocumentsBlobService(settings: Settings): Promise<BlobServiceClient> {
  const { BlobServiceClient } = await import('@azure/storage-blob');
  if (settings.mode === 'azure') {
    const uri = settings.documentsBlobServiceUri ?? settings.storage.blobServiceUri;
    return new BlobServiceClient(uri, await azureCredential(settings));
  }
  return BlobServiceClient.fromConnectionString(settings.storage.connectionString);
}

function statusOf(error: unknown): { status: number | undefined; code: string | undefined } {
  const e = error as { statusCode?: unknown; code?: unknown; details?: { errorCode?: unknown } };
  return {
    status: typeof e?.statusCode === 'number' ? e.statusCode : undefined,
    code:
      typeof e?.code === 'string'
        ? e.code
        : typeof e?.details?.errorCode === 'string'
          ? e.details.errorCode
          : undefined,
  };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export function blobDocumentFiles(service: () => Promise<BlobServiceClient>): DocumentFiles {
  const container = async (name: BlobContainerName): Promise<ContainerClient> =>
    (await service()).getContainerClient(name);

  async function upload(client: ContainerClient, name: string, body: Buffer, contentType: string): Promise<boolean> {
    try {
      await client.getBlockBlobClient(name).upload(body, body.length, {
        blobHTTPHeaders: { blobContentType: contentType },
        conditions: { ifNoneMatch: '*' },
      });
      return true;
    } catch (error) {
      const { status, code } = statusOf(error);
      if (status === 409 || status === 412 || code === 'BlobAlreadyExists') return false;
      throw error;
    }
  }

  const files: DocumentFiles = {
    async create(containerName, name, file) {
      const client = await container(containerName);
      const body = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content;
      try {
        return await upload(client, name, body, file.contentType);
      } catch (error) {
        const { status, code } = statusOf(error);
        if (status !== 404 && code !== 'ContainerNotFound') throw error;
        // The container does not exist (yet, or any more: Azurite starts empty, an operator may delete one):
        // create it (idempotent) and upload again. Not remembered: a container that was there may be gone later.
        await client.createIfNotExists();
        return upload(client, name, body, file.contentType);
      }
    },
    async read(containerName, name): Promise<DocumentFile | undefined> {
      const client = await container(containerName);
      try {
        const download = await client.getBlobClient(name).download();
        const content = download.readableStreamBody ? await readAll(download.readableStreamBody) : Buffer.alloc(0);
        return { content, contentType: download.contentType ?? 'application/octet-stream' };
      } catch (error) {
        const { status } = statusOf(error);
        if (status === 404) return undefined;
        throw error;
      }
    },
  };
  // A file store that cannot be reached (or says it is busy) fails the call with ServiceUnavailableError (503).
  return {
    create: (containerName, name, file) =>
      transientAsUnavailable('file store', () => files.create(containerName, name, file)),
    read: (containerName, name) => transientAsUnavailable('file store', () => files.read(containerName, name)),
  };
}
