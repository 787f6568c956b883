/**
 * A read-through, write-through view of one readwrite transaction. Reads remember what they
 * found, so a batch can fetch everything it will need in a few parallel rounds (IndexedDB
 * answers requests issued together far faster than the same requests awaited one by one),
 * and later events of the batch see what earlier ones wrote without asking again.
 */
import { promisifyRequest } from 'idb-keyval';
import type { StoreName } from './database';

export interface TxView {
  get<T>(store: StoreName, key: IDBValidKey): Promise<T | undefined>;
  /** Reads every key not yet known, all requests issued at once. */
  prefetch(store: StoreName, keys: Iterable<IDBValidKey>): Promise<void>;
  put(store: StoreName, key: IDBValidKey, value: unknown): void;
  delete(store: StoreName, key: IDBValidKey): void;
}

export function viewOf(tx: IDBTransaction): TxView {
  const known = new Map<StoreName, Map<IDBValidKey, unknown>>();
  const memory = (store: StoreName) => {
    let values = known.get(store);
    if (!values) known.set(store, (values = new Map()));
    return values;
  };
  const view: TxView = {
    async get<T>(store: StoreName, key: IDBValidKey) {
      const values = memory(store);
      if (values.has(key)) return values.get(key) as T | undefined;
      const value = await promisifyRequest(tx.objectStore(store).get(key));
      if (!values.has(key)) values.set(key, value); // a write made meanwhile is newer
      return values.get(key) as T | undefined;
    },
    async prefetch(store, keys) {
      await Promise.all([...new Set(keys)].map((key) => view.get(store, key)));
    },
    put(store, key, value) {
      tx.objectStore(store).put(value, key);
      memory(store).set(key, value);
    },
    delete(store, key) {
      tx.objectStore(store).delete(key);
      memory(store).set(key, undefined);
    },
  };
  return view;
}
