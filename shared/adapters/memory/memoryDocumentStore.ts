import { randomUUID } from 'node:crypto';
import cosmosQuery from '@zeit/cosmosdb-query';
import { cosmosContainers, type ContainerName } from '../../config/cosmosContainers';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../../domain/errors';
import {
  bindPartition,
  type DocumentStore,
  type Page,
  type QuerySpec,
  type StoredDocument,
  type WriteOperation,
} from '../../ports/documentStore';
import { bytesOfWrite, countCosmosRoundTrip, countCosmosWrite } from '../requestMetrics';

interface Entry {
  doc: StoredDocument;
  etag: string;
  /** A resource id in insertion order, as Cosmos keeps one: the query engine pages by it. */
  rid: string;
}

/**
 * An in-memory DocumentStore for unit tests: the same contract as Cosmos DB (ETags, atomic batches,
 * partitions, Cosmos SQL through @zeit/cosmosdb-query). The contract test runs it beside the real one.
 */
export function memoryDocumentStore(): DocumentStore & { size(): number } {
  const partitions = new Map<string, Map<string, Entry>>();
  const keyPath = (container: ContainerName) =>
    cosmosContainers.find((c) => c.name === container)!.partitionKey.slice(1);
  const partition = (container: ContainerName, pk: string) => {
    const key = `${container}\u0000${pk}`;
    let map = partitions.get(key);
    if (!map) partitions.set(key, (map = new Map()));
    return map;
  };
  const clone = <T>(value: T): T => structuredClone(value);
  let nextRid = 0;
  const withRid = (entry: Entry) => ({ ...clone(entry.doc), _rid: entry.rid });
  const withoutRid = <T>(doc: T): T => {
    const { _rid: _ignored, ...rest } = doc as Record<string, unknown>;
    return rest as T;
  };

  return {
    size: () => [...partitions.values()].reduce((n, p) => n + p.size, 0),

    async read<T extends StoredDocument>(container: ContainerName, pk: string, id: string) {
      countCosmosRoundTrip();
      const entry = partition(container, pk).get(id);
      return entry ? { doc: clone(entry.doc) as T, etag: entry.etag } : undefined;
    },

    async write(container: ContainerName, pk: string, operations: WriteOperation[]) {
      if (operations.length === 0) return [];
      countCosmosWrite(bytesOfWrite(operations));
      const live = partition(container, pk);
      const staged = new Map(live);
      const etags: string[] = [];
      const path = keyPath(container);
      for (const op of operations) {
        const id = op.kind === 'delete' ? op.id : op.doc.id;
        const what = `${container} document ${id}`;
        if (op.kind !== 'delete' && String(op.doc[path]) !== pk) {
          throw new Error(`${what}: its ${path} is not the partition key ${pk}`);
        }
        const existing = staged.get(id);
        if (op.kind === 'create' && existing) throw new ConflictError(`${what} already exists.`);
        if ((op.kind === 'replace' || op.kind === 'delete') && !existing)
          throw new NotFoundError(`${what} was not found.`);
        if ((op.kind === 'replace' || op.kind === 'delete') && op.ifMatch && existing!.etag !== op.ifMatch) {
          throw new PreconditionFailedError(`${what} was changed by someone else; read it again and retry.`);
        }
        if (op.kind === 'delete') {
          staged.delete(id);
          etags.push('');
        } else {
          const etag = `"${randomUUID()}"`;
          staged.set(id, { doc: clone(op.doc), etag, rid: existing?.rid ?? String(++nextRid).padStart(12, '0') });
          etags.push(etag);
        }
      }
      live.clear();
      for (const [id, entry] of staged) live.set(id, entry);
      return etags;
    },

    async query<T extends StoredDocument>(
      container: ContainerName,
      pk: string,
      spec: QuerySpec,
      page: { maxItems?: number; continuation?: string } = {}
    ): Promise<Page<T>> {
      countCosmosRoundTrip();
      const docs = [...partition(container, pk).values()].map(withRid);
      const bound = bindPartition(spec, pk);
      const { result, continuation } = cosmosQuery(bound.query).exec(docs, {
        parameters: bound.parameters ?? [],
        maxItemCount: page.maxItems ?? 100,
        ...(page.continuation ? { continuation: { token: page.continuation } } : {}),
      }) as { result: T[]; continuation: { token: string } | null };
      return { items: result.map(withoutRid), continuation: continuation?.token ?? undefined };
    },

    async queryAcrossPartitions<T extends StoredDocument>(container: ContainerName, spec: QuerySpec): Promise<T[]> {
      countCosmosRoundTrip(true);
      const docs = [...partitions.entries()]
        .filter(([key]) => key.startsWith(`${container}\u0000`))
        .flatMap(([, p]) => [...p.values()].map(withRid));
      return (cosmosQuery(spec.query).exec(docs, { parameters: spec.parameters ?? [] }) as { result: T[] }).result.map(
        withoutRid
      );
    },
  };
}
