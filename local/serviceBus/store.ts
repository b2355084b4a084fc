// Where the local Service Bus queue keeps its messages. The queue keeps every message in memory and writes
// each change through before it acts on it (a send is acknowledged, a delivery starts, only once written),
// so the store loads everything at start and applies batches of conditional operations, all or nothing.

import type { MessageDoc } from './model';

export type StoreOperation =
  | { kind: 'create'; doc: MessageDoc }
  | { kind: 'replace'; doc: MessageDoc; etag: string }
  | { kind: 'delete'; id: string; etag: string };

export interface StoredMessage {
  doc: MessageDoc;
  etag: string;
}

export interface MessageStore {
  /** One line for the banner and the logs. */
  readonly description: string;
  init(): Promise<void>;
  loadAll(): Promise<StoredMessage[]>;
  /**
   * Applies the operations of one queue (one partition) atomically, each conditional: create only when the
   * id is new, replace and delete only with the given ETag. Resolves with the new ETag of each operation
   * (undefined for a delete) once durable; a conflict throws MessageStoreConflictError and changes nothing.
   */
  apply(queue: string, operations: readonly StoreOperation[]): Promise<(string | undefined)[]>;
  close(): Promise<void>;
}

export class MessageStoreConflictError extends Error {
  override name = 'MessageStoreConflictError';
}

/** Keeps messages in this process only: for unit tests and a host started without a store. */
export class MemoryMessageStore implements MessageStore {
  readonly description = 'in memory (lost when the host stops)';
  private readonly docs = new Map<string, { json: string; etag: string }>();
  private counter = 0;
  writes = 0;
  /** Tests: make the next `apply` calls fail as a store that is down would. */
  failNext = 0;

  async init(): Promise<void> {}

  async loadAll(): Promise<StoredMessage[]> {
    return [...this.docs.values()].map((entry) => ({ doc: JSON.parse(entry.json) as MessageDoc, etag: entry.etag }));
  }

  async apply(queue: string, operations: readonly StoreOperation[]): Promise<(string | undefined)[]> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('the message store is unavailable');
    }
    const key = (id: string) => `${queue}\u0000${id}`;
    for (const op of operations) {
      const current = this.docs.get(key(op.kind === 'delete' ? op.id : op.doc.id));
      if (op.kind === 'create' ? current !== undefined : current?.etag !== op.etag) {
        throw new MessageStoreConflictError(`message ${op.kind === 'delete' ? op.id : op.doc.id} changed`);
      }
    }
    return operations.map((op) => {
      this.writes++;
      if (op.kind === 'delete') {
        this.docs.delete(key(op.id));
        return undefined;
      }
      const etag = `"${++this.counter}"`;
      this.docs.set(key(op.doc.id), { json: JSON.stringify(op.doc), etag });
      return etag;
    });
  }

  async close(): Promise<void> {}
}
