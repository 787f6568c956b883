/**
 * The one IndexedDB seam. idb-keyval's `createStore` opens the global `indexedDB` with a single
 * object store; we need an injected factory (fake-indexeddb in Node, a sandboxed one in tests)
 * and transactions that span several stores, so a grant, its order record, its event record and
 * its pending ack commit together or not at all. Single-store reads reuse idb-keyval through
 * the same `UseStore` shape.
 */
import { promisifyRequest, type UseStore } from 'idb-keyval';
import { GetUpdatesError, StorageError, StorageFullError } from '../errors';

/**
 * Object stores by the schema version that added them: version 2 added restored units and the
 * ledger's metadata (its change counter, the save's player). A new metadata key needs no new
 * version: a save without it is one that has not recorded it yet.
 */
const STORES_BY_VERSION = [
  ['balances', 'orders', 'links', 'events', 'acks'],
  ['restored', 'meta'],
] as const;
export const STORE_NAMES = STORES_BY_VERSION.flat();
export type StoreName = (typeof STORES_BY_VERSION)[number][number];

const SCHEMA_VERSION = STORES_BY_VERSION.length;

export interface Database {
  /**
   * Runs `work` in ONE transaction over `stores` and resolves with its result only after the
   * transaction has committed. If `work` throws, the transaction is aborted and nothing of it
   * persists; the rejection is a StorageError, or the library error `work` threw (a verdict
   * such as InsufficientBalanceError). `work` may await requests of this transaction only: awaiting anything else lets
   * IndexedDB commit early.
   */
  transact<T>(mode: IDBTransactionMode, stores: readonly StoreName[], work: (tx: IDBTransaction) => Promise<T>): Promise<T>;
  /** idb-keyval's seam over one store, for its `get`, `entries`, `values`, `keys`. */
  useStore(name: StoreName): UseStore;
  close(): Promise<void>;
}

/**
 * Opens (creating or upgrading) the database `name` through `factory`, reconnecting when needed.
 * Fails with StorageError reason `unavailable` when there is no usable factory, `versionchange`
 * once another tab has upgraded the database to a newer schema (only a reload can use it), and
 * `locked` when the factory refuses a directory that another process owns.
 */
export function openDatabase(factory: IDBFactory, name: string): Database {
  let connection: Promise<IDBDatabase> | undefined;
  const running = new Set<IDBTransaction>();
  // The browser may close a connection (storage pressure, another tab upgrading the schema):
  // the next transaction opens a new one. After an upgrade that open fails with VersionError,
  // reported as `versionchange` on every call until the page reloads.
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

  async function transact<T>(mode: IDBTransactionMode, stores: readonly StoreName[], work: (tx: IDBTransaction) => Promise<T>): Promise<T> {
    const tx = await begin(mode, stores);
    const committed = promisifyRequest(tx);
    committed.catch(() => {});
    running.add(tx);
    let result: T;
    try {
      result = await work(tx);
    } catch (error) {
      abort(tx);
      throw asStorageError(error);
    } finally {
      running.delete(tx);
    }
    try {
      await committed;
    } catch (cause) {
      throw asStorageError(tx.error ?? cause);
    }
    return result;
  }

  // Leaving the page ends what runs. WebKit keeps a page in its back/forward cache with its
  // transactions frozen half-way, and a readwrite one left there blocks every later one of the
  // origin: the next page's drain would wait forever. An aborted write persists nothing (its
  // events come back and are deduplicated); the next transaction, on returning, reconnects.
  const leave = () => {
    running.forEach(abort);
    void close();
  };
  globalThis.addEventListener?.('pagehide', leave);

  async function close() {
    const open = connection;
    connection = undefined;
    (await open?.catch(() => undefined))?.close();
  }

  return {
    transact,
    useStore: (store) => (mode, callback) => transact(mode, [store], async (tx) => callback(tx.objectStore(store))),
    async close() {
      globalThis.removeEventListener?.('pagehide', leave);
      await close();
    },
  };
}

function abort(tx: IDBTransaction) {
  try {
    tx.abort();
  } catch {
    // already finished, or aborted by a failed request
  }
}

const errorName = (error: unknown) => String((error as { name?: unknown } | null)?.name ?? typeof error);

/**
 * Any failure inside a transaction as a StorageError: IndexedDB's own, and whatever else a
 * write throws (structured clone of data nested too deep throws a RangeError from `put`).
 * The library's own errors pass through: they are verdicts, not storage failures.
 */
function asStorageError(error: unknown): GetUpdatesError {
  if (error instanceof GetUpdatesError) return error;
  const name = errorName(error);
  if (name === 'QuotaExceededError') return new StorageFullError('the browser refused to store more (quota exceeded)', { cause: error });
  if (name === 'VersionError') return newerVersionError(error);
  return new StorageError(`IndexedDB transaction failed: ${name}`, { cause: error });
}

function newerVersionError(cause: unknown): StorageError {
  return new StorageError('another tab runs a newer version of this library and upgraded the local database: reload this page', {
    cause,
    reason: 'versionchange',
  });
}

function openWithSchema(factory: IDBFactory, name: string, onClosed: () => void): Promise<IDBDatabase> {
  let request: IDBOpenDBRequest;
  try {
    request = factory.open(name, SCHEMA_VERSION);
  } catch (cause) {
    return Promise.reject(new StorageError('IndexedDB is not available', { cause, reason: 'unavailable' }));
  }
  // Each version's stores are created when upgrading from below it; existing records stay as they are.
  request.onupgradeneeded = ({ oldVersion }) => {
    STORES_BY_VERSION.slice(oldVersion).forEach((stores) => stores.forEach((store) => request.result.createObjectStore(store)));
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
      if (errorName(cause) === 'VersionError') throw newerVersionError(cause);
      // xsolla-getupdates/node refuses a save directory that another process owns, with its own copy of StorageError.
      if (errorName(cause) === 'StorageError' && (cause as StorageError).reason === 'locked')
        throw new StorageError((cause as StorageError).message, { cause, reason: 'locked' });
      // Aborted, not refused: Chromium aborts an open that meets its force-close of the origin's
      // connections (the player cleared site data with the game open), and iOS fails one with
      // UnknownError while its IndexedDB server is gone after the app was backgrounded. The next try opens anew.
      if (errorName(cause) === 'AbortError' || errorName(cause) === 'UnknownError') {
        throw new StorageError(`opening IndexedDB database "${name}" failed (${errorName(cause)}): the next try opens it anew`, { cause });
      }
      throw new StorageError(`could not open IndexedDB database "${name}"`, { cause, reason: 'unavailable' });
    },
  );
}
