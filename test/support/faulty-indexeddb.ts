/**
 * A real engine's IndexedDB with a lost connection on demand, passed to the client through its
 * `indexedDB` option. Every request still goes to the engine: the wrapper only decides when the
 * connection is lost, and the engine answers with its own errors, in its own order. What iOS
 * does after the app was backgrounded (WebKit bugs 197050, 201483, 277615), and Chromium when the
 * player clears site data with the game open, is struck at a chosen moment of a drain (see
 * `Moment`), as a request's success arrives: between two of the engine's own tasks.
 */

/** The ways a connection is lost. */
export type ConnectionFault =
  /** The page transaction aborts with `UnknownError: Connection to Indexed Database server lost`; the connection stays. */
  | 'abort'
  /** The connection is closed under the client: its transactions abort with that error, then `close` fires. */
  | 'close'
  /** The connection closes without a word: the running transaction still commits, the next `transaction()` throws InvalidStateError. */
  | 'closing';

/** What the engine said on the way, for the test to assert on. */
export interface FaultLog {
  /** Set once the fault has struck. */
  struck: boolean;
  /**
   * What the connections went through, in order: each transaction's abort and its error, each
   * `transaction()` that threw, each `close` event, each open that failed.
   */
  seen: string[];
  /** Connections opened through this factory. */
  connections: number;
}

/**
 * When a fault strikes: while the `page`-th ledger page transaction is writing (its first
 * pending-ack write has succeeded, more are pending), or as the first request of the
 * `transaction`-th transaction of any kind succeeds (counted from `arm()`).
 */
export type Moment = { page: number } | { transaction: number };

export interface FaultyIndexedDB {
  factory: IDBFactory;
  log: FaultLog;
  /** Strikes `fault` (or runs the test's own, given the connection and its running transaction) at `moment`. */
  arm(fault: ConnectionFault | ((db: IDBDatabase, tx: IDBTransaction) => void), moment: Moment): void;
}

/** WebKit's words for it (Safari on iOS, in production reports and its source). */
export const SERVER_LOST = 'Connection to Indexed Database server lost';

const describe = (error: unknown) => (error instanceof DOMException ? `${error.name}: ${error.message}` : String(error));

/** A ledger page: the one readwrite transaction that writes balances and event records together. */
const isPage = (stores: string | string[], mode?: IDBTransactionMode) =>
  mode === 'readwrite' && [stores].flat().includes('balances') && [stores].flat().includes('events');

export function faultyIndexedDB(real: IDBFactory = indexedDB): FaultyIndexedDB {
  const log: FaultLog = { struck: false, seen: [], connections: 0 };
  let armed: { strike: Strike; moment: Moment } | undefined;
  const counted = { pages: 0, transactions: 0 };

  function instrument(db: IDBDatabase) {
    log.connections++;
    db.addEventListener('close', () => log.seen.push('close event'));
    const running = new Set<IDBTransaction>();
    const transaction = db.transaction.bind(db);
    db.transaction = ((stores: string | string[], mode?: IDBTransactionMode, options?: IDBTransactionOptions) => {
      let tx: IDBTransaction;
      try {
        tx = transaction(stores, mode, options);
      } catch (error) {
        log.seen.push(`transaction(): ${describe(error)}`);
        throw error;
      }
      running.add(tx);
      const done = () => running.delete(tx);
      tx.addEventListener('complete', done);
      tx.addEventListener('abort', () => {
        done();
        log.seen.push(`abort: ${describe(tx.error)}`);
      });
      const page = isPage(stores, mode);
      if (page) counted.pages++;
      counted.transactions++;
      if (
        armed &&
        ('page' in armed.moment ? page && counted.pages === armed.moment.page : counted.transactions === armed.moment.transaction)
      ) {
        const { strike } = armed;
        // In a page, the first pending-ack write: its first event is applied, the rest are pending.
        const counts = page ? (store: string, method: string) => store === 'acks' && method === 'put' : () => true;
        onFirstRequest(tx, counts, () => {
          if (log.struck) return;
          log.struck = true;
          armed = undefined;
          strike(db, running, tx);
        });
      }
      return tx;
    }) as IDBDatabase['transaction'];
  }

  const strikes: Record<ConnectionFault, Strike> = {
    abort: (_db, _running, tx) => abortLost(tx),
    close(db, running) {
      // As WebKit does on losing its server: every transaction aborts (one already committing
      // completes), the connection closes, and `close` comes as a task of its own once they are through.
      const ended = [...running].map((tx) => new Promise((end) => ['abort', 'complete'].forEach((type) => tx.addEventListener(type, end))));
      running.forEach(abortLost);
      db.close();
      void Promise.all(ended).then(() => setTimeout(() => db.dispatchEvent(new Event('close'))));
    },
    closing: (db) => db.close(),
  };

  return {
    factory: {
      open(name: string, version?: number) {
        const request = real.open(name, version);
        // Registered before the client's own handler, so the client only ever sees the instrumented connection.
        request.addEventListener('success', () => instrument(request.result));
        request.addEventListener('error', () => log.seen.push(`open: ${describe(request.error)}`));
        return request;
      },
      deleteDatabase: (name: string) => real.deleteDatabase(name),
      cmp: (first: unknown, second: unknown) => real.cmp(first, second),
      databases: () => real.databases(),
    },
    log,
    arm(fault, moment) {
      Object.assign(counted, { pages: 0, transactions: 0 });
      armed = { strike: typeof fault === 'function' ? (db, _running, tx) => fault(db, tx) : strikes[fault], moment };
    },
  };
}

type Strike = (db: IDBDatabase, running: Set<IDBTransaction>, tx: IDBTransaction) => void;

/** The object store methods that make a request. */
const REQUESTS = ['get', 'getAll', 'getAllKeys', 'put', 'add', 'delete', 'openCursor', 'count'] as const;

/** Calls `then` as the first request of `tx` that `counts` succeeds (in the engine's own task). */
function onFirstRequest(tx: IDBTransaction, counts: (store: string, method: string) => boolean, then: () => void) {
  const objectStore = tx.objectStore.bind(tx);
  let first = true;
  tx.objectStore = (name: string) => {
    const store = objectStore(name);
    for (const method of REQUESTS) {
      if (!first || !counts(name, method) || Object.hasOwn(store, method)) continue;
      const request = (store[method] as (...args: unknown[]) => IDBRequest).bind(store);
      Object.assign(store, {
        [method]: (...args: unknown[]) => {
          const made = request(...args);
          if (first) made.addEventListener('success', then);
          first = false;
          return made;
        },
      });
    }
    return store;
  };
}

/** Aborts `tx` as a lost connection does: its error is WebKit's UnknownError, not the AbortError of `abort()`. */
function abortLost(tx: IDBTransaction) {
  Object.defineProperty(tx, 'error', { value: new DOMException(SERVER_LOST, 'UnknownError') });
  try {
    tx.abort();
  } catch {
    // it finished meanwhile
  }
}
