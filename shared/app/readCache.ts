import type { DocumentStore } from '../ports/documentStore';

/**
 * A short-lived, per-process cache of documents that change rarely and are read on almost every request
 * (the caller's directory entry, the country programmes). Entries belong to one store, expire after a
 * fixed real time whatever the project clock says, and are dropped at once when this process changes
 * them; another instance sees a change within the time to live.
 */
export class ReadCache<T> {
  private readonly entries = new WeakMap<DocumentStore, Map<string, { value: T; expiresAt: number }>>();

  constructor(private readonly timeToLiveMs: number) {}

  async get(store: DocumentStore, key: string, load: () => Promise<T>): Promise<T> {
    let perStore = this.entries.get(store);
    if (!perStore) this.entries.set(store, (perStore = new Map()));
    const hit = perStore.get(key);
    if (hit && hit.expiresAt > performance.now()) return hit.value;
    const value = await load();
    perStore.set(key, { value, expiresAt: performance.now() + this.timeToLiveMs });
    return value;
  }

  forget(store: DocumentStore, key: string): void {
    this.entries.get(store)?.delete(key);
  }
}
