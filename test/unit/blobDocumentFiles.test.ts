// The blob DocumentFiles adapter against a stand-in of the SDK's container client: a container that does not
// exist yet is created on the first write, also when two first writes race (each meets the missing container).
import type { BlobServiceClient } from '@azure/storage-blob';
import { blobDocumentFiles } from '../../shared/adapters/blob/blobDocumentFiles';

function fakeService() {
  const blobs = new Map<string, Buffer>();
  const state = { exists: false, creations: 0 };
  const containerClient = {
    getBlockBlobClient: (name: string) => ({
      upload: async (body: Buffer) => {
        // The service sees the container missing when the request arrives; the answer to a slow writer's
        // upload comes back only after the quick writer has created the container.
        const existed = state.exists;
        await new Promise((resolve) => setTimeout(resolve, name.startsWith('slow') ? 30 : 0));
        if (!existed) throw Object.assign(new Error('ContainerNotFound'), { statusCode: 404 });
        if (blobs.has(name)) throw Object.assign(new Error('BlobAlreadyExists'), { statusCode: 409 });
        blobs.set(name, body);
      },
    }),
    createIfNotExists: async () => {
      state.creations++;
      await new Promise((resolve) => setImmediate(resolve));
      state.exists = true;
    },
  };
  const service = { getContainerClient: () => containerClient } as unknown as BlobServiceClient;
  return { service, blobs, state };
}

describe('blob document files', () => {
  it('creates a missing container on the first write, and two racing first writes both land', async () => {
    const { service, blobs, state } = fakeService();
    const files = blobDocumentFiles(async () => service);
    const write = (name: string) =>
      files.create('transmissions', name, { content: `{"n":"${name}"}`, contentType: 'application/json' });
    await expect(Promise.all([write('quick.json'), write('slow.json')])).resolves.toEqual([true, true]);
    expect([...blobs.keys()].sort()).toEqual(['quick.json', 'slow.json']);
    expect(state.creations).toBeGreaterThanOrEqual(1);
    // Create-only: the same name again is not overwritten.
    await expect(write('quick.json')).resolves.toBe(false);
  });
});
