/**
 * The one IndexedDB seam. idb-keyval's `createStore` opens the global `indexedDB` with a single
 * object store; we need an injected factory (fake-indexeddb in Node, a sandboxed one in tests)
 * and transactions that span several stores, so a grant, its order record, its event record and
 * its pending ack commit together or not at all. Single-store reads reuse idb-keyval through
 * the same `UseStore` shape.
 */
import { promisifyRequest, type UseStore } from 'idb-keyval';
import { StorageError } from '../errors';

export const STORE_NAMES = ['balances', 'orders', 'links', 'events', 'acks'] as const;
export type StoreName = (typeof STORE_NAMES)[number];

const SCHEMA_VERSION = 1;

export interface Database {
  /**
   * Runs `work` in ONE transaction over `stores` and resolves with its result only after the
   * transaction has committed. If `work` throws, the transaction is aborted and nothing of it
   * persists. `work` may await requests of this transaction only: awaiting anything else lets
   * IndexedDB commit early.
   */
  transact<T>(mode: IDBTransactionMode, stores: readonly StoreName[], work: (tx: IDBTransaction) => Promise<T>): Promise<T>;
  /** idb-keyval's seam over one store, for its `get`, `entries`, `values`, `keys`. */
  useStore(name: StoreName): UseStore;
  close(): Promise<void>;
}

/** Opens (creating or upgrading) the database `name` through `factory`. */
export function openDatabase(factory: IDBFactory, name: string): Database {
  const opened = openWithSchema(factory, name);
  opened.catch(() => {}); // reported by the first transact() instead of as an unhandled rejection

  async function transact<T>(
    mode: IDBTransactionMode,
    stores: readonly StoreName[],
    work: (tx: IDBTransaction) => Promise<T>,
  ): Promise<T> {
    const db = await opened;
    let tx: IDBTransaction;
    try {
      // 'strict' asks the browser to flush to disk before `complete`, so an ack sent after
      // commit can never outlive the grant it confirms (Chromium defaults to 'relaxed').
      tx = db.transaction([...stores], mode, { durability: 'strict' });
    } catch (cause) {
      throw new StorageError('could not start an IndexedDB transaction', { cause });
    }
    const committed = promisifyRequest(tx);
    committed.catch(() => {});
    let result: T;
    try {
      result = await work(tx);
    } catch (error) {
      try {
        tx.abort();
      } catch {
        // already finished or aborted by the failed request itself
      }
      throw error;
    }
    try {
      await committed;
    } catch (cause) {
      throw new StorageError('IndexedDB transaction did not commit', { cause: tx.error ?? cause });
    }
    return result;
  }

  return {
    transact,
    useStore: (name) => (mode, callback) => transact(mode, [name], async (tx) => callback(tx.objectStore(name))),
    close: async () => (await opened).close(),
  };
}

function openWithSchema(factory: IDBFactory, name: string): Promise<IDBDatabase> {
  let request: IDBOpenDBRequest;
  try {
    request = factory.open(name, SCHEMA_VERSION);
  } catch (cause) {
    return Promise.reject(new StorageError('IndexedDB is not available', { cause }));
  }
  request.onupgradeneeded = () => {
    for (const store of STORE_NAMES) {
      if (!request.result.objectStoreNames.contains(store)) request.result.createObjectStore(store);
    }
  };
  return promisifyRequest(request).then(
    (db) => {
      // Another tab upgrading the schema must not be blocked by this connection.
      db.onversionchange = () => db.close();
      return db;
    },
    (cause) => {
      throw new StorageError(`could not open IndexedDB database "${name}"`, { cause });
    },
  );
}
