/**
 * xsolla-getupdates/node: IndexedDB that survives restarts and crashes, for Node and Electron's
 * main process, in pure JS (no native module to rebuild for Electron).
 *
 * It is fake-indexeddb (memory only) with every committed transaction written to a journal in
 * the save directory and flushed with fsync BEFORE the transaction's `complete` event goes out.
 * The client acks a purchase to Xsolla only after `complete`, so a purchase the server has
 * forgotten is always on disk. Opening a database replays its snapshot and journal.
 *
 * One owner at a time per save directory: two would each keep their own copy in memory and
 * overwrite each other's files. While any connection from one factory is open, the directory is
 * locked (the file `owner.lock`), and an open from another factory or process fails with
 * StorageError reason `locked`, whose message names the directory (a client's loop pauses for
 * `storage`). The lock goes when the last connection closes (a client's `close()`), so a restart,
 * or a logout and login in one process, opens the save again; a lock left by a crashed process is
 * taken over. In Electron, `app.requestSingleInstanceLock()` keeps a second copy of the app from
 * starting at all. A load that fails (the disk full for a moment) fails its open, and the next
 * open tries again.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  IDBFactory as MemoryIDBFactory,
  IDBKeyRange as MemoryIDBKeyRange,
  IDBOpenDBRequest as MemoryIDBOpenDBRequest,
  IDBVersionChangeEvent as MemoryIDBVersionChangeEvent,
} from 'fake-indexeddb';
import { InvalidArgumentError } from '../errors';
import { savedDatabases, saveFiles, type Change, type SaveFiles, type Snapshot } from './journal';
import { directoryOwner } from './lock';

export interface NodeIndexedDBOptions {
  /** The save directory, created when missing. */
  directory: string;
  /**
   * A database's journal is folded into a new snapshot once it is longer than this (default
   * 1 MiB; a positive number). Opening a database folds it too.
   */
  compactAfterBytes?: number;
}

// The inside of fake-indexeddb 6 that this hooks into: the raw database, its object stores and
// transactions. They are not its public API, hence the pinned version.
interface RawRecord {
  key: IDBValidKey;
  value: unknown;
}
interface RawStore {
  name: string;
  deleted: boolean;
  keyPath: string | string[] | null;
  autoIncrement: boolean;
  keyGenerator: { num: number } | null;
  records: { values(range?: IDBKeyRange): Iterable<RawRecord> };
  rawIndexes: Map<string, { name: string; keyPath: string | string[]; unique: boolean; multiEntry: boolean; deleted: boolean }>;
  // Each write gets the transaction's rollback log; the undo of a write gets none.
  storeRecord(record: RawRecord, noOverwrite: boolean, rollbackLog?: unknown[]): IDBValidKey;
  deleteRecord(query: IDBValidKey | IDBKeyRange, rollbackLog?: unknown[]): void;
  clear(rollbackLog?: unknown[]): void;
}
interface RawTransaction extends EventTarget {
  mode: IDBTransactionMode;
  db: IDBDatabase;
  error: DOMException | null;
  _started: boolean;
  _state: string;
  _scope: Set<string>;
  _rollbackLog: unknown[];
  /** Undoes the transaction's writes in memory and queues its `abort` event. */
  _abort(errorName: string): void;
}
interface RawDatabase {
  name: string;
  version: number;
  transactions: RawTransaction[];
  rawObjectStores: Map<string, RawStore>;
  processTransactions(): void;
}

interface Save {
  files: SaveFiles;
  /** The number of the last commit written. */
  seq: number;
  /** Resolves once the database is loaded from disk into memory. */
  loaded: Promise<void>;
  /**
   * Why loading failed: the opens waiting for it fail too (an upgrade would start from an empty
   * database and overwrite the files), and the next open loads again.
   */
  failed?: unknown;
}

const base = MemoryIDBFactory.prototype;
// fake-indexeddb's own Event class, which its event targets need: the parent of its IDBVersionChangeEvent.
const MemoryEvent = Object.getPrototypeOf(MemoryIDBVersionChangeEvent) as typeof Event;

/**
 * An IDBFactory whose databases live in `directory`: a readwrite transaction's writes are on
 * disk (written and fsynced) before its `complete` event, and a crash at any moment loses at most
 * the transaction that had not completed yet. Values are stored with node:v8's serialisation.
 * Throws InvalidArgumentError when `compactAfterBytes` is not a positive number.
 */
export function nodeIndexedDB(options: NodeIndexedDBOptions): IDBFactory {
  const directory = resolve(options.directory);
  const compactAfterBytes = options.compactAfterBytes ?? 1 << 20;
  if (!(Number.isFinite(compactAfterBytes) && compactAfterBytes > 0))
    throw new InvalidArgumentError(`compactAfterBytes must be a positive number of bytes, not ${String(compactAfterBytes)}`);
  mkdirSync(directory, { recursive: true });
  const memory = new MemoryIDBFactory();
  const saves = new Map<string, Save>();
  /** The databases in memory: every one fake-indexeddb creates goes through this map, watched from birth. */
  const inMemory = new (class extends Map<string, RawDatabase> {
    override set(name: string, raw: RawDatabase) {
      watchDatabase(raw);
      return super.set(name, raw);
    }
  })();
  (memory as unknown as { _databases: Map<string, RawDatabase> })._databases = inMemory;
  /** The writes of each open readwrite transaction, by its rollback log (what a store's writes receive). */
  const writes = new WeakMap<unknown[], Change[]>();
  const watched = new WeakSet<object>();
  // Once the lock is let go another process may change the files: what is in memory is dropped,
  // and the next open loads them again.
  const owner = directoryOwner(directory, () => {
    for (const save of saves.values()) save.files.close();
    saves.clear();
    inMemory.clear();
  });

  /** Reads a database's files once (again after a failed load), and queues its replay ahead of any open of it. */
  function load(name: string): Save {
    let save = saves.get(name);
    if (save && !save.failed) return save;
    save?.files.close();
    const files = saveFiles(directory, name);
    const { snapshot, commits } = files.read();
    save = { files, seq: commits.at(-1)?.seq ?? snapshot?.seq ?? 0, loaded: Promise.resolve() };
    saves.set(name, save);
    if (snapshot)
      save.loaded = replay(
        name,
        snapshot,
        commits.flatMap((commit) => commit.changes),
        save,
      );
    return save;
  }

  /**
   * Rebuilds the database in memory with one upgrade transaction, opened before the caller's
   * open so that fake-indexeddb's per-name queue runs it first. When that transaction commits,
   * its snapshot replaces the files: loading is also compaction.
   */
  function replay(name: string, snapshot: Snapshot, changes: Change[], save: Save): Promise<void> {
    const letGo = owner.hold(); // held already by the caller: this keeps it until the replay is over
    const request = base.open.call(memory, name, snapshot.version);
    let upgrade: IDBTransaction | null = null;
    request.onupgradeneeded = () => {
      upgrade = request.transaction;
      try {
        rebuild(request.result, upgrade!, snapshot, changes);
      } catch (error) {
        save.failed = error; // the reason, rather than the open's bare AbortError
        throw error;
      }
    };
    return new Promise<void>((done) => {
      request.onsuccess = () => done(request.result.close());
      // A failed compaction's reason is its transaction's error.
      request.onerror = () => done(void (save.failed ??= upgrade?.error ?? request.error));
    }).finally(letGo);
  }

  /**
   * Ties an open to the directory's lock and to the save it loaded: the lock is held until the
   * open fails or its connection closes. An upgrade over a save that failed to load is refused
   * before anyone hears of it (it would start from an empty database), and a failed open tells why.
   */
  function watchOpen(request: IDBOpenDBRequest, save: Save, letGo: () => void) {
    let upgrade: IDBTransaction | null = null;
    interceptEvent(
      request,
      'upgradeneeded',
      () => {
        upgrade = request.transaction;
        if (save.failed) throw save.failed;
      },
      () => void upgrade!.abort(),
    );
    request.addEventListener('success', () => whenClosed(request.result, letGo));
    request.addEventListener('error', () => {
      Object.assign(request, { error: save.failed ?? upgrade?.error ?? request.error });
      letGo();
    });
  }

  function watchDatabase(raw: RawDatabase) {
    const processTransactions = raw.processTransactions;
    // fake-indexeddb calls this right after creating each transaction, before it can run.
    raw.processTransactions = () => {
      for (const tx of raw.transactions) watchTransaction(raw, tx);
      processTransactions();
    };
  }

  function watchTransaction(raw: RawDatabase, tx: RawTransaction) {
    if (tx.mode === 'readonly' || watched.has(tx)) return;
    watched.add(tx);
    const changes: Change[] = [];
    if (tx.mode === 'readwrite') {
      writes.set(tx._rollbackLog, changes);
      for (const name of tx._scope) watchStore(raw.rawObjectStores.get(name)!);
    }
    // No listener hears `complete` (the library's, idb-keyval's, fake-indexeddb's own) before the
    // commit is on disk; when it cannot be written the transaction aborts instead.
    interceptEvent(
      tx,
      'complete',
      () => persist(raw, tx, changes),
      (cause) => {
        const name = diskFull(cause) ? 'QuotaExceededError' : 'UnknownError';
        tx._abort(name);
        tx.error = new DOMException(`could not save to ${directory}: ${describe(cause)}`, name);
        // fake-indexeddb leaves the connection of an upgrade aborted this late open: every later
        // open of the database would wait for it for ever.
        if (tx.mode === 'versionchange') tx.db.close();
        return undefined; // `_abort` has queued the `abort` event
      },
    );
  }

  /** Records the writes made inside readwrite transactions (an upgrade is saved whole instead). */
  function watchStore(store: RawStore) {
    if (watched.has(store)) return;
    watched.add(store);
    const { storeRecord, deleteRecord, clear } = store;
    const changesOf = (log: unknown[] | undefined) => (log ? writes.get(log) : undefined);
    store.storeRecord = (record, noOverwrite, log) => {
      const key = storeRecord.call(store, record, noOverwrite, log);
      changesOf(log)?.push(['put', store.name, key, record.value]);
      return key;
    };
    store.deleteRecord = (query, log) => {
      const changes = changesOf(log);
      const range = query instanceof MemoryIDBKeyRange ? query : MemoryIDBKeyRange.only(query);
      if (changes) for (const { key } of [...store.records.values(range)]) changes.push(['delete', store.name, key]);
      deleteRecord.call(store, query, log);
    };
    store.clear = (log) => {
      changesOf(log)?.push(['clear', store.name]);
      clear.call(store, log);
    };
  }

  /** Puts a committing transaction on disk; throws when it cannot. */
  function persist(raw: RawDatabase, tx: RawTransaction, changes: Change[]) {
    const save = saves.get(String(raw.name))!;
    if (tx.mode === 'versionchange') return save.files.compact(snapshotOf(raw, save.seq));
    if (changes.length === 0) return;
    save.files.append({ seq: ++save.seq, changes });
    // A snapshot of memory is only a committed state when no other transaction is halfway
    // through its writes (fake-indexeddb writes in place and undoes on abort).
    const quiet = raw.transactions.every(
      (other) => other === tx || other.mode === 'readonly' || !other._started || other._state === 'finished',
    );
    if (save.files.journalBytes() > compactAfterBytes && quiet) {
      try {
        save.files.compact(snapshotOf(raw, save.seq));
      } catch {
        // The commit is in the journal already; a later commit tries to compact again.
      }
    }
  }

  /** Holds the directory and loads `name` for an open; holds nothing when either fails. */
  function holdAndLoad(name: string) {
    const letGo = owner.hold();
    try {
      return { save: load(name), letGo };
    } catch (error) {
      letGo();
      throw error;
    }
  }

  return Object.assign(memory, {
    open(...args: [name: string, version?: number]) {
      let opening: ReturnType<typeof holdAndLoad>;
      try {
        opening = holdAndLoad(String(args[0]));
      } catch (error) {
        return refused(error); // another owner's directory (StorageError `locked`) or unreadable files
      }
      let request: IDBOpenDBRequest;
      try {
        // fake-indexeddb tells a missing version from an undefined one: pass the arguments on as given.
        request = base.open.apply(memory, args as [string, number]);
      } catch (error) {
        opening.letGo(); // invalid arguments
        throw error;
      }
      watchOpen(request, opening.save, opening.letGo);
      return request;
    },
    deleteDatabase(name: string) {
      let letGo: () => void;
      try {
        letGo = owner.hold();
      } catch (error) {
        return refused(error);
      }
      const request = base.deleteDatabase.call(memory, name);
      request.addEventListener('success', letGo);
      request.addEventListener('error', letGo);
      // The files go before `success` is heard; when they cannot, the caller hears `error`.
      interceptEvent(
        request,
        'success',
        () => {
          (saves.get(String(name))?.files ?? saveFiles(directory, String(name))).remove();
          saves.delete(String(name));
        },
        (cause, success) => {
          Object.assign(request, { error: new DOMException(`could not delete from ${directory}: ${describe(cause)}`, 'UnknownError') });
          return new (success.constructor as typeof Event)('error');
        },
      );
      return request;
    },
    /** Every database in memory or on disk (loading the latter). */
    async databases() {
      const letGo = owner.hold();
      try {
        await Promise.all(savedDatabases(directory).map((name) => load(name).loaded));
        return await base.databases.call(memory);
      } finally {
        letGo();
      }
    },
  });
}

/** Calls `closed` once `connection` has closed: after `close()`, when its last transaction has finished. */
function whenClosed(connection: IDBDatabase, closed: () => void) {
  // fake-indexeddb marks the moment with this flag, and tells no one.
  let flag = false;
  Object.defineProperty(connection, '_closed', {
    get: () => flag,
    set(value: boolean) {
      flag = value;
      if (value) closed();
    },
  });
}

/** A request that fails with `error`, a moment later as IndexedDB's own do. */
function refused(error: unknown): IDBOpenDBRequest {
  const request = new MemoryIDBOpenDBRequest() as unknown as IDBOpenDBRequest;
  setImmediate(() => {
    Object.assign(request, { readyState: 'done', error });
    request.dispatchEvent(new MemoryEvent('error', { bubbles: true, cancelable: true }));
  });
  return request;
}

/** Fills a database being created (in its upgrade transaction) with a snapshot and the changes since. */
function rebuild(db: IDBDatabase, tx: IDBTransaction, snapshot: Snapshot, changes: Change[]) {
  for (const image of snapshot.stores) {
    const store = db.createObjectStore(image.name, image);
    for (const index of image.indexes) store.createIndex(index.name, index.keyPath, index);
    for (const [key, value] of image.records) putInto(store, key, value);
    const rawStore = (store as unknown as { _rawObjectStore: RawStore })._rawObjectStore;
    if (rawStore.keyGenerator && image.keyGenerator !== null) rawStore.keyGenerator.num = image.keyGenerator;
  }
  for (const change of changes) {
    const store = tx.objectStore(change[1]);
    if (change[0] === 'put') putInto(store, change[2], change[3]);
    else if (change[0] === 'delete') store.delete(change[2]);
    else store.clear();
  }
}

function putInto(store: IDBObjectStore, key: IDBValidKey, value: unknown) {
  if (store.keyPath === null) store.put(value, key);
  else store.put(value);
}

/** Collects a database's schema and committed records, for a snapshot. */
function snapshotOf(raw: RawDatabase, seq: number): Snapshot {
  const stores = [...raw.rawObjectStores.values()].filter((store) => !store.deleted);
  return {
    version: raw.version,
    seq,
    stores: stores.map((store) => ({
      name: store.name,
      keyPath: store.keyPath,
      autoIncrement: store.autoIncrement,
      keyGenerator: store.keyGenerator?.num ?? null,
      indexes: [...store.rawIndexes.values()]
        .filter((index) => !index.deleted)
        .map(({ name, keyPath, unique, multiEntry }) => ({ name, keyPath, unique, multiEntry })),
      records: Array.from(store.records.values(), (record) => [record.key, record.value] as [IDBValidKey, unknown]),
    })),
  };
}

/**
 * Runs `step` when `target` is about to dispatch an event of `type`, before any listener hears it.
 * When `step` throws, `refuse` gets the error and may give an event to dispatch instead.
 */
function interceptEvent(target: EventTarget, type: string, step: () => void, refuse: (cause: unknown, event: Event) => Event | undefined) {
  const dispatch = target.dispatchEvent;
  target.dispatchEvent = (event) => {
    if (event.type !== type) return dispatch.call(target, event);
    try {
      step();
    } catch (cause) {
      const instead = refuse(cause, event);
      return instead ? dispatch.call(target, instead) : false;
    }
    return dispatch.call(target, event);
  };
}

const diskFull = (cause: unknown) => ['ENOSPC', 'EDQUOT'].includes((cause as { code?: string } | null)?.code ?? '');
const describe = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause));
