// An in-memory DocumentFiles for unit tests: the same contract as the blob adapter (create-only, undefined for
// a missing file). The API tests run the blob adapter against a real Azurite.
import type { DocumentFile, DocumentFiles } from '../../ports/documentFiles';

export function memoryDocumentFiles(): DocumentFiles & { names(): string[] } {
  const files = new Map<string, DocumentFile>();
  return {
    async create(container, name, file) {
      const key = `${container}/${name}`;
      if (files.has(key)) return false;
      const content = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : Buffer.from(file.content);
      files.set(key, { content, contentType: file.contentType });
      return true;
    },
    async read(container, name) {
      const found = files.get(`${container}/${name}`);
      return found ? { content: Buffer.from(found.content), contentType: found.contentType } : undefined;
    },
    names: () => [...files.keys()].sort(),
  };
}
