/** The public facade: wires transport, ledger, drain and loop together behind one object. */
import mitt, { type Handler } from 'mitt';
import type { AxiosInstance } from 'axios';
import { AuthError, GetUpdatesError, HttpError, InvalidArgumentError, StorageError } from '../errors';
import { drain, type PollReport } from '../poll/drain';
import { createPollLoop } from '../poll/loop';
import { nextPoll, type CadenceOptions } from '../schedule/cadence';
import type { Clock } from '../schedule/clock';
import { delay, raceAbort } from '../schedule/delay';
import { openOrderStatusChannel, type OrderStatusUpdate, type OrderStatusChannel, type OrderStatusOptions } from '../push/order-status';
import { openDatabase } from '../store/database';
import { createInventory, type EventRecord, type Inventory, type Order } from '../store/inventory';
import { createTransport } from '../transport/http';
import { bindToOnePlayer } from '../transport/player';
import { createTokenSource, readJwtClaims, type TokenInput } from '../transport/token';
import { openTabChannel, type TabChannel } from '../tabs/broadcast';
import { createLeaderElection, pageLocks, type LeaderElection } from '../tabs/leader';
import type { Retention } from '../ledger/retention';
import { browserSignals, type EnvironmentSignals } from '../schedule/signals';
import { emissionsFor, SHARED_EVENT_SHAPES, type ClientEvents, type SharedEvents } from './events';
import { readOrderId, resolveOptions } from './options';

export interface GetUpdatesClientOptions {
  /** Your Xsolla project id. */
  projectId: number | string;
  /** The player's JWT, or a (async) function returning it; the function is called again after a 401. */
  token: TokenInput;
  /** Defaults to Xsolla's `https://getupdate.xsolla.com`; the emulator's URL in development. */
  baseUrl?: string;
  /** Scopes the local database; defaults to the JWT's `sub`. */
  userId?: string;
  /** Your own axios instance (adapters, interceptors). */
  http?: AxiosInstance;
  /** The IndexedDB factory; defaults to `globalThis.indexedDB` (pass fake-indexeddb in Node). */
  indexedDB?: IDBFactory;
  cadence?: CadenceOptions;
  /** Prefix of the database name; the full name adds project and user. */
  dbName?: string;
  /** Retries of one GET after its first failure (default 3, at most 10); an ack is retried by the next drain. */
  retries?: number;
  /** How long to wait for the token function before giving up with an AuthError (default 60 s). */
  tokenTimeoutMs?: number;
  /** Visibility, online and focus signals; the page's own by default (see `manualSignals`). */
  signals?: EnvironmentSignals;
  /** Web Locks used to elect one polling tab; `navigator.locks` by default, `null` to let every tab poll. */
  locks?: LockManager | null;
  /** How long the ledger keeps acked event records and closed orders (see the README). */
  retention?: Partial<Retention>;
  /** The loop's time; the real clock by default (a simulated one in benchmarks and tests). */
  clock?: Clock;
  /**
   * Listen to Xsolla's order-status WebSocket while started: a `paid` or `done` status drains
   * at once, so the reward lands one round trip after payment while polling stays slow.
   * `true` for Xsolla's URL; `{ url }` for the emulator's.
   */
  orderStatus?: boolean | OrderStatusOptions;
}

/** Reads and the one write a game makes on the local inventory. */
export type InventoryApi = Pick<Inventory, 'balance' | 'balances' | 'order' | 'orders' | 'event' | 'consume'>;

export interface GetUpdatesClient {
  on<K extends keyof ClientEvents>(type: K, handler: Handler<ClientEvents[K]>): void;
  off<K extends keyof ClientEvents>(type: K, handler?: Handler<ClientEvents[K]>): void;
  /** Starts the polling loop (a no-op when running). After an auth pause, starts it again. */
  start(): void;
  /** Replaces the token (or token function), and resumes a loop that an AuthError paused. */
  setToken(token: TokenInput): void;
  stop(): void;
  /** One full drain now; concurrent calls share a drain, and one more runs after it if needed. */
  pollNow(options?: { signal?: AbortSignal }): Promise<PollReport>;
  /**
   * Resolves with the order once it is granted, revoked or voided. Meanwhile the poller (this
   * tab's loop or another tab's) uses the watch cadence, or this call polls at it if none runs.
   */
  watchOrder(orderId: string | number, options?: { signal?: AbortSignal }): Promise<Order>;
  readonly inventory: InventoryApi;
  /** Whether the browser promised to keep this origin's storage, and how full it is. */
  storage(): Promise<{ persisted?: boolean; usageBytes?: number; quotaBytes?: number }>;
  /** Stops polling and closes the database. */
  close(): Promise<void>;
}

const SETTLED: ReadonlySet<Order['status']> = new Set(['granted', 'revoked', 'voided']);
/** How long one watch hint keeps the polling tab fast; a watching tab renews it every watch interval. */
const WATCH_HINT_MS = 5_000;
/** No hint from another tab keeps this one fast for longer than this (it may be renewed). */
const MAX_REMOTE_WATCH_MS = 60_000;
/** Xsolla: after 5 minutes without news on the socket, short-poll. */
const PUSH_SILENCE_MS = 5 * 60_000;
/** After a `paid`/`done` status, poll at the watch cadence this long, in case the event lags. */
const AFTER_PAID_WATCH_MS = 10_000;

export function createGetUpdatesClient(options: GetUpdatesClientOptions): GetUpdatesClient {
  const { projectId, baseUrl, retries, cadence, retention, clock, tokenTimeoutMs } = resolveOptions(options);
  const emitter = mitt<ClientEvents>();
  const guard = createHandlerGuard((error) => emitter.emit('error', { error, phase: 'handler' }));
  const tokens = bindToOnePlayer(createTokenSource(options.token, { clock, timeoutMs: tokenTimeoutMs }));
  const transport = createTransport({ baseUrl, projectId, tokens, http: options.http, retries });

  let opening: Promise<{ userId: string; store: Inventory; tabs: TabChannel; election: LeaderElection }> | undefined;
  const open = () => {
    if (closed) return Promise.reject(closedError());
    return (opening ??= openInventory().catch((error: unknown) => {
      opening = undefined; // a later call tries again (token fetched, storage back)
      throw error;
    }));
  };
  const inventory = async () => (await open()).store;

  async function openInventory() {
    const userId = options.userId ?? readJwtClaims(await tokens.get(lifetime.signal)).sub;
    if (!userId) throw new InvalidArgumentError('userId is required when the token is not a JWT with a "sub"');
    const factory = options.indexedDB ?? globalThis.indexedDB;
    if (!factory) throw new StorageError('IndexedDB is not available here: pass the indexedDB option', { reason: 'unavailable' });
    const name = `${options.dbName ?? 'xsolla-getupdates'}:${projectId}:${userId}`;
    const tabs = openTabChannel<SharedEvents>(name, {
      shared: SHARED_EVENT_SHAPES,
      emission: ([type, payload]) => emitter.emit(type, (type === 'changed' ? { ...payload, source: 'other-tab' } : payload) as never),
      watchHint(until) {
        const wasWatching = isWatching();
        // A hint is bounded: no message, however odd, pins this tab to fast polling.
        remoteWatchUntil = Math.max(remoteWatchUntil, Math.min(until, clock.now() + MAX_REMOTE_WATCH_MS));
        if (!wasWatching) loop.wake();
      },
    });
    const election = createLeaderElection(name, options.locks === undefined ? pageLocks() : options.locks);
    // Ask the browser not to evict the ledger under storage pressure; refusal is not an error.
    void globalThis.navigator?.storage?.persist?.().catch(() => undefined);
    return { userId, store: createInventory(openDatabase(factory, name)), tabs, election };
  }

  /** Fires committed changes here and in the player's other tabs. */
  function announce(emissions: ReadonlyArray<readonly [keyof ClientEvents, unknown]>, tabs: TabChannel) {
    for (const [type, payload] of emissions) emitter.emit(type, payload as never);
    tabs.share(emissions);
  }

  async function runDrain(signal?: AbortSignal): Promise<PollReport> {
    try {
      const { store, tabs } = await open();
      const report = await drain(
        {
          transport,
          inventory: store,
          projectId,
          now: () => clock.now(),
          onApplied: (applied) => announce(emissionsFor(applied), tabs),
          onUnreadable: (detail) => emitter.emit('ignored', { reason: 'unreadable-event', quarantined: false, detail }),
          onAckError: (error) => emitter.emit('error', { error, phase: 'ack' }),
        },
        signal,
      );
      if (!compacted) {
        // Once a session is plenty (the ledger grows by a few records per purchase); a failed
        // compaction is tried again after the next drain.
        await store.compact(clock.now(), retention).then(
          () => (compacted = true),
          (error: unknown) => emitter.emit('error', { error, phase: 'poll' }),
        );
      }
      return report;
    } catch (error) {
      if (!signal?.aborted) emitter.emit('error', { error, phase: 'poll' });
      throw error;
    }
  }
  let compacted = false;

  // Concurrent callers share the drain in flight; a call made during it gets one more drain
  // after it, so an event paid mid-drain is not missed.
  let inflight: Promise<PollReport> | undefined;
  let queued: Promise<PollReport> | undefined;
  function sharedDrain(): Promise<PollReport> {
    if (closed) return Promise.reject(closedError());
    if (!inflight) {
      inflight = runDrain(lifetime.signal).finally(() => (inflight = undefined));
      return inflight;
    }
    queued ??= inflight.catch(() => undefined).then(() => {
      queued = undefined;
      return sharedDrain();
    });
    return queued;
  }

  // Orders watched here, and until when another tab asked the polling tab to watch for it.
  let watchers = 0;
  let remoteWatchUntil = 0;
  // A healthy order-status channel tells when to look, so a watch needs no fast polling; after
  // a dropped socket or 5 minutes of silence (Xsolla's own advice) polling takes over again.
  let push: OrderStatusChannel | undefined;
  const pushCovers = () => push !== undefined && push.healthy && clock.now() - push.lastHeardAt < PUSH_SILENCE_MS;
  const isWatching = () => (watchers > 0 && !pushCovers()) || clock.now() < remoteWatchUntil;
  let closed = false;
  const lifetime = new AbortController();
  let tokenVersion = 0;
  const loop = createPollLoop({
    async drain() {
      const version = tokenVersion;
      try {
        return await sharedDrain();
      } catch (error) {
        // setToken() was called while this drain failed: its token has not been tried yet.
        if (error instanceof AuthError && version !== tokenVersion) return sharedDrain();
        throw error;
      }
    },
    cadence,
    signals: options.signals ?? browserSignals(),
    election: async () => (await open()).election,
    isWatching,
    clock,
    onStatus: (status) => {
      pausedForAuth = status.status === 'paused' && status.reason === 'auth';
      // With no usable token the socket would only keep asking for one: it reopens on resume.
      if (pausedForAuth) closePush();
      emitter.emit('status', status);
    },
    onError: (error) => emitter.emit('error', { error, phase: 'poll' }),
    onReturnWhileFollowing: () =>
      void open()
        .then(({ tabs }) => tabs.hintWatch(clock.now() + cadence.returnWatchMs))
        .catch(() => undefined),
  });
  let pausedForAuth = false;

  async function watchOrder(orderId: string | number, { signal }: { signal?: AbortSignal } = {}): Promise<Order> {
    const id = readOrderId(orderId);
    const stop = signal ? AbortSignal.any([signal, lifetime.signal]) : lifetime.signal;
    const { store, tabs, election } = await open();
    const settled = async () => {
      const order = await store.order(id);
      return order && SETTLED.has(order.status) ? order : undefined;
    };
    watchers++;
    loop.wake();
    let consecutiveErrors = 0;
    let retryAfterMs: number | undefined;
    try {
      for (;;) {
        stop.throwIfAborted();
        const before = await settled();
        if (before) return before;
        if (loop.leading || (await election.otherLeads())) {
          // A poller runs (this tab's loop, fast while watched, or another tab's after a hint):
          // it owns pacing and backoff; this only looks in the shared ledger when it reports news.
          if (!loop.leading) tabs.hintWatch(clock.now() + WATCH_HINT_MS);
          await nextChange(cadence.watchIntervalMs, stop);
          continue;
        }
        try {
          await raceAbort(sharedDrain(), stop);
          consecutiveErrors = 0;
          retryAfterMs = undefined;
        } catch (error) {
          if (error instanceof AuthError || stop.aborted) throw error;
          consecutiveErrors++;
          retryAfterMs = error instanceof HttpError ? error.retryAfterMs : undefined;
        }
        const after = await settled();
        if (after) return after;
        // Nobody else polls: pace this watch like the loop would, backoff and Retry-After included.
        const decision = nextPoll({ visible: true, online: true, watching: true, consecutiveErrors, retryAfterMs }, cadence);
        await delay(decision.status === 'paused' ? cadence.watchIntervalMs : decision.delayMs, { signal: stop, clock });
      }
    } finally {
      watchers--;
    }
  }

  /** Resolves on the next `changed` (here or from another tab) or after `ms`; rejects on abort. */
  function nextChange(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clock.clearTimeout(timer);
        emitter.off('changed', done);
        signal.removeEventListener('abort', aborted);
        resolve();
      };
      const aborted = () => {
        done();
        reject(signal.reason);
      };
      const timer = clock.setTimeout(done, ms);
      emitter.on('changed', done);
      signal.addEventListener('abort', aborted, { once: true });
      if (signal.aborted) aborted();
    });
  }

  /** A `paid`/`done` status: drain now here, or have the polling tab do it. */
  function onOrderStatus(status: OrderStatusUpdate) {
    emitter.emit('orderStatus', status);
    if (status.status !== 'paid' && status.status !== 'done') return;
    // GetUpdates may list the event a moment after the status: poll fast for a little while.
    remoteWatchUntil = Math.max(remoteWatchUntil, clock.now() + AFTER_PAID_WATCH_MS);
    void open()
      .then(async ({ tabs, election }) => {
        if (!loop.leading && (await election.otherLeads())) tabs.hintWatch(clock.now() + WATCH_HINT_MS);
        else await sharedDrain();
      })
      .catch(() => undefined); // reported through the error event by the drain
  }

  // Each open gets a generation; a stop, close or newer open supersedes it, and a superseded
  // channel is closed as soon as it exists, so start/stop races never leave a socket behind.
  let pushGeneration = 0;
  async function openPush() {
    if (!options.orderStatus || push) return;
    const generation = ++pushGeneration;
    const { userId } = await open();
    if (generation !== pushGeneration || closed || !loop.running) return;
    const channel = await openOrderStatusChannel(options.orderStatus === true ? {} : options.orderStatus, {
      projectId,
      userId,
      token: () => tokens.get(),
      now: () => clock.now(),
      onStatus: onOrderStatus,
      onHealthChange: (healthy) => healthy || loop.wake(), // lost: a watched order needs polling again
    });
    if (generation !== pushGeneration || closed || !loop.running) channel.close();
    else push = channel;
  }
  function closePush() {
    pushGeneration++;
    push?.close();
    push = undefined;
  }

  const withInventory =
    <A extends unknown[], R>(read: (store: Inventory, ...args: A) => Promise<R>) =>
    (...args: A) =>
      typed(inventory().then((store) => read(store, ...args)), undefined, StorageError);

  /** Starts (or resumes) polling; a closed client stays closed. */
  function start() {
    if (closed) return;
    if (pausedForAuth) tokens.retry(); // the game says: try the token function again
    loop.start();
    openPush().catch((error: unknown) => emitter.emit('error', { error, phase: 'poll' }));
  }

  return {
    on: (type, handler) => emitter.on(type, guard(handler)),
    off: (type, handler) => emitter.off(type, handler && guard(handler)),
    start,
    setToken(token) {
      if (typeof token !== 'function' && (typeof token !== 'string' || token.length === 0)) {
        throw new InvalidArgumentError('setToken needs a non-empty string or a function that returns one');
      }
      tokenVersion++;
      tokens.replace(token);
      if (pausedForAuth) start();
    },
    stop() {
      pausedForAuth = false; // a stopped loop stays stopped, whatever token comes next
      loop.stop();
      closePush();
    },
    pollNow: ({ signal } = {}) => typed(raceAbort(sharedDrain(), signal), signal),
    watchOrder: (orderId, { signal } = {}) => typed(watchOrder(orderId, { signal }), signal),
    inventory: {
      balance: withInventory((store, sku: string) => store.balance(sku)),
      balances: withInventory((store) => store.balances()),
      order: withInventory((store, id: string | number) => store.order(id)),
      orders: withInventory((store) => store.orders()),
      event: withInventory((store, id: number) => store.event(id)),
      consume: (sku: string, quantity: number) =>
        typed(
          (async () => {
            if (typeof sku !== 'string' || sku.length === 0) throw new InvalidArgumentError('consume() needs a non-empty SKU string');
            const { store, tabs } = await open();
            const left = await store.consume(sku, quantity);
            announce([['changed', { skus: [sku], source: 'consume' }]], tabs);
            return left;
          })(),
          undefined,
          StorageError,
        ),
    },
    async storage() {
      const manager = globalThis.navigator?.storage;
      if (!manager) return {};
      const [persisted, estimate] = await Promise.all([manager.persisted?.().catch(() => undefined), manager.estimate?.().catch(() => undefined)]);
      return { persisted, usageBytes: estimate?.usage, quotaBytes: estimate?.quota };
    },
    async close() {
      closed = true;
      loop.stop();
      closePush();
      lifetime.abort(closedError());
      queued = undefined;
      await inflight?.catch(() => undefined);
      const opened = await opening?.catch(() => undefined);
      opened?.tabs.close();
      await opened?.store.close().catch(() => undefined);
      opening = undefined;
    },
  };
}

/**
 * Wraps each game handler so that one that throws cannot stop the drain, the loop or the
 * handlers after it: its error is reported as an `error` event (phase `handler`). An `error`
 * handler that throws while reporting is rethrown on its own task, as an uncaught error.
 */
function createHandlerGuard(report: (error: unknown) => void) {
  const guarded = new WeakMap<object, (...args: unknown[]) => void>();
  let reporting = false;
  return <H extends (...args: never[]) => void>(handler: H): H => {
    let safe = guarded.get(handler);
    if (!safe) {
      safe = (...args: unknown[]) => {
        try {
          (handler as unknown as (...args: unknown[]) => void)(...args);
        } catch (error) {
          if (reporting) return void setTimeout(() => { throw error; });
          reporting = true;
          try {
            report(error);
          } finally {
            reporting = false;
          }
        }
      };
      guarded.set(handler, safe);
    }
    return safe as unknown as H;
  };
}

const closedError = () => new GetUpdatesError('this client is closed');

/**
 * Every rejection of a public method is a GetUpdatesError (or the caller's own abort reason):
 * a failure this library did not foresee is wrapped, its original kept as `cause`.
 */
function typed<T>(
  promise: Promise<T>,
  signal?: AbortSignal,
  Wrapper: new (message: string, options: { cause: unknown }) => GetUpdatesError = GetUpdatesError,
): Promise<T> {
  return promise.catch((error: unknown) => {
    if (error instanceof GetUpdatesError || (signal?.aborted && error === signal.reason)) throw error;
    throw new Wrapper(`unexpected failure: ${error instanceof Error ? error.name : typeof error}`, { cause: error });
  });
}
