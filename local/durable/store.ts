// Where the local durable engine keeps its instances. The engine keeps every instance in memory and
// writes each change through (one conditional write per change), so the store only needs to load
// everything at start, write one document with its ETag, and delete one.

import type { InstanceDoc } from './instance';

export interface StoredInstance {
  doc: InstanceDoc;
  etag: string;
}

export interface InstanceStore {
  /** One line for the banner and the logs. */
  readonly description: string;
  /** Creates what the store needs (the container). */
  init(): Promise<void>;
  /** Every instance of the task hub. */
  loadAll(taskHub: string): Promise<StoredInstance[]>;
  read(instanceId: string): Promise<StoredInstance | undefined>;
  /**
   * Writes the instance: `etag` undefined means it must not exist yet, otherwise it must still have that
   * ETag. Resolves with the new ETag once the write is durable; a conflict throws StoreConflictError.
   */
  write(doc: InstanceDoc, etag: string | undefined): Promise<string>;
  remove(instanceId: string): Promise<void>;
  close(): Promise<void>;
}

export class StoreConflictError extends Error {
  override name = 'StoreConflictError';
}

/** Keeps instances in this process only: for tests and for a host started without a durable store. */
export class MemoryInstanceStore implements InstanceStore {
  readonly description = 'in memory (lost when the host stops)';
  private readonly docs = new Map<string, { json: string; etag: string }>();
  private counter = 0;
  writes = 0;

  async init(): Promise<void> {}

  async loadAll(taskHub: string): Promise<StoredInstance[]> {
    return [...this.docs.values()]
      .map((entry) => ({ doc: JSON.parse(entry.json) as InstanceDoc, etag: entry.etag }))
      .filter((entry) => entry.doc.taskHub === taskHub);
  }

  async read(instanceId: string): Promise<StoredInstance | undefined> {
    const entry = this.docs.get(instanceId);
    return entry ? { doc: JSON.parse(entry.json) as InstanceDoc, etag: entry.etag } : undefined;
  }

  async write(doc: InstanceDoc, etag: string | undefined): Promise<string> {
    const current = this.docs.get(doc.instanceId);
    if ((etag === undefined && current) || (etag !== undefined && current?.etag !== etag)) {
      throw new StoreConflictError(`instance ${doc.instanceId} changed under the engine`);
    }
    const next = `"${++this.counter}"`;
    this.docs.set(doc.instanceId, { json: JSON.stringify(doc), etag: next });
    this.writes++;
    return next;
  }

  async remove(instanceId: string): Promise<void> {
    this.docs.delete(instanceId);
  }

  async close(): Promise<void> {}
}
