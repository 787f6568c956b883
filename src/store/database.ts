/**
 * The one IndexedDB seam. idb-keyval's `createStore` opens the global `indexedDB` with a single
 * object store; we need an injected factory (fake-indexeddb in Node, a sandboxed one in tests)
 * and transactions that span several stores, so a grant, its order record, its event record and
 * its pending ack commit together or not at all. Single-store reads reuse idb-keyval through
 * the same `UseStore` shape.
 */
import { promisifyRequest, type UseStore } from 'idb-keyval';
import { StorageError, StorageFullError } from '../errors';

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

/** Opens (creating or upgrading) the database `name` through `factory`, reconnecting when needed. */
export function openDatabase(factory: IDBFactory, name: string): Database {
  let connection: Promise<IDBDatabase> | undefined;
  // The browser may close a connection (another tab upgrading the schema, storage pressure):
  // the next transaction then opens a new one instead of failing for the rest of the session.
  const connect = () => {
    if (connection) return connection;
    const opening = openWithSchema(factory, name, () => {
      if (connection === opening) connection = undefined;
    });
    connection = opening;
    opening.catch(() => connection === opening && (connection = undefined));
    return opening;
  };

  async function begin(mode: IDBTransactionMode, stores: readonly StoreName[]): Promise<IDBTransaction> {
    for (let attempt = 0; ; attempt++) {
      const db = await connect();
      try {
        // 'strict' asks the browser to flush to disk before `complete`, so an ack sent after
        // commit can never outlive the grant it confirms (Chromium defaults to 'relaxed').
        return db.transaction([...stores], mode, { durability: 'strict' });
      } catch (cause) {
        if (attempt === 0 && (cause as { name?: string })?.name === 'InvalidStateError') {
          connection = undefined; // closed under us: reconnect once
          continue;
        }
        throw new StorageError('could not start an IndexedDB transaction', { cause });
      }
    }
  }

  async function transact<T>(
    mode: IDBTransactionMode,
    stores: readonly StoreName[],
    work: (tx: IDBTransaction) => Promise<T>,
  ): Promise<T> {
    const tx = await begin(mode, stores);
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
      throw asStorageError(error) ?? error;
    }
    try {
      await committed;
    } catch (cause) {
      throw asStorageError(tx.error ?? cause) ?? new StorageError('IndexedDB transaction did not commit', { cause });
    }
    return result;
  }

  return {
    transact,
    useStore: (store) => (mode, callback) => transact(mode, [store], async (tx) => callback(tx.objectStore(store))),
    close: async () => {
      const open = connection;
      connection = undefined;
      (await open?.catch(() => undefined))?.close();
    },
  };
}

/** IndexedDB's own failures as this library's typed errors; anything else is left as it is. */
function asStorageError(error: unknown): StorageError | undefined {
  if (error instanceof StorageError) return error;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'QuotaExceededError') return new StorageFullError('the browser refused to store more (quota exceeded)', { cause: error });
  if (typeof DOMException !== 'undefined' && error instanceof DOMException) return new StorageError(`IndexedDB failed: ${error.name}`, { cause: error });
  return undefined;
}

function openWithSchema(factory: IDBFactory, name: string, onClosed: () => void): Promise<IDBDatabase> {
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
      db.onversionchange = () => {
        db.close();
        onClosed();
      };
      db.onclose = onClosed;
      return db;
    },
    (cause) => {
      throw new StorageError(`could not open IndexedDB database "${name}"`, { cause });
    },
  );
}
