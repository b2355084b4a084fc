// Documents kept as files (blob storage): released assessment reports. A file is written once and never
// changed; reading one that is not there answers undefined.
import type { BlobContainerName } from '../config/blobContainers';

export interface DocumentFile {
  content: Buffer;
  contentType: string;
}

export interface DocumentFiles {
  /**
   * Stores a file under a name that is not taken yet (create-only: a file is never overwritten). False when a
   * file already is there (nothing is written).
   */
  create(
    container: BlobContainerName,
    name: string,
    file: { content: Buffer | string; contentType: string }
  ): Promise<boolean>;
  read(container: BlobContainerName, name: string): Promise<DocumentFile | undefined>;
}
