import type { ContainerName } from '../config/cosmosContainers';

/** Every stored document: its id, its partition key value under the container's key path, and its kind. */
export interface StoredDocument {
  id: string;
  type: string;
  [field: string]: unknown;
}

export interface Versioned<T> {
  doc: T;
  /** Pass back as `ifMatch` to write only if nobody changed it since (no lost updates). */
  etag: string;
}

export type WriteOperation<T extends StoredDocument = StoredDocument> =
  | { kind: 'create'; doc: T }
  | { kind: 'replace'; doc: T; ifMatch: string | undefined }
  | { kind: 'upsert'; doc: T }
  | { kind: 'delete'; id: string; ifMatch: string | undefined };

export interface QuerySpec {
  query: string;
  parameters?: { name: string; value: string | number | boolean | null }[];
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass it back to get the next page. Absent on the last page. */
  continuation: string | undefined;
}

/**
 * The document database (Cosmos DB) as the use cases see it. Every factory-scoped call names its
 * partition; only background jobs query across partitions, and they say so.
 * Errors: a `create` of an existing id is a ConflictError, a stale `ifMatch` a PreconditionFailedError,
 * a `replace`/`delete` of a missing document a NotFoundError.
 */
export interface DocumentStore {
  read<T extends StoredDocument>(
    container: ContainerName,
    partitionKey: string,
    id: string
  ): Promise<Versioned<T> | undefined>;
  /** All writes of one call land together or not at all (a transactional batch when more than one). */
  write(container: ContainerName, partitionKey: string, operations: WriteOperation[]): Promise<string[]>;
  /**
   * A query inside one partition. The query must filter on the partition key with the parameter `@pk`
   * (e.g. `WHERE c.countryCode = @pk AND ...`), which the store binds to `partitionKey`: Cosmos then
   * serves it from that partition alone, and the local server, which ignores the partition header, too.
   */
  query<T extends StoredDocument>(
    container: ContainerName,
    partitionKey: string,
    spec: QuerySpec,
    page?: { maxItems?: number; continuation?: string }
  ): Promise<Page<T>>;
  queryAcrossPartitions<T extends StoredDocument>(container: ContainerName, spec: QuerySpec): Promise<T[]>;
}

export class PartitionFilterMissingError extends Error {
  override name = 'PartitionFilterMissingError';
  constructor(query: string) {
    super(`A partition query must filter on the partition key with @pk: ${query}`);
  }
}

/** Binds `@pk` and checks the query uses it (see DocumentStore.query). */
export function bindPartition(spec: QuerySpec, partitionKey: string): QuerySpec {
  if (!/@pk\b/.test(spec.query)) throw new PartitionFilterMissingError(spec.query);
  return { query: spec.query, parameters: [...(spec.parameters ?? []), { name: '@pk', value: partitionKey }] };
}
