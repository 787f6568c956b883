/**
 * The public facade: wires the transport, the session (ledger, tabs, election), the drain, the
 * loop, watches, order statuses, purchases and the lifecycle behind one object. It decides
 * nothing itself: each of those says what it does in its own module.
 */
import mitt, { type Handler } from 'mitt';
import { asGetUpdatesError, AuthError, StorageError, typed } from '../errors';
import { estimateStorage, persistStorage } from '../store/storage-manager';
import { createPollLoop } from '../poll/loop';
import { readCatalog } from '../purchase/catalog';
import { createPurchases } from '../purchase/purchase';
import { linkSignals, raceAbort } from '../schedule/delay';
import { browserSignals } from '../schedule/signals';
import type { TabChannel } from '../tabs/broadcast';
import { createTransport } from '../transport/http';
import { createStoreApi } from '../transport/store-api';
import { bindToOnePlayer } from '../transport/player';
import { createTokenSource, type TokenInput } from '../transport/token';
import type { GetUpdatesClient, GetUpdatesClientOptions } from './api';
import { createDrains } from './drains';
import { createHandlerGuard, type ClientEvents } from './events';
import { createInventoryApi } from './inventory-api';
import { INITIAL_LIFECYCLE, transition, type Effect, type LifecycleEvent } from './lifecycle';
import { checkToken, readOrderId, resolveOptions } from './options';
import { createOrderStatuses } from './order-statuses';
import { createRestorer } from './restore';
import { closedError, createSessionOpener } from './session';
import { createWatches } from './watch';

export type { GetUpdatesClient, GetUpdatesClientOptions, InventoryApi, RestoreOptions, RestoreReport, StorageReport } from './api';

export function createGetUpdatesClient(options: GetUpdatesClientOptions): GetUpdatesClient {
  const { projectId, baseUrl, storeUrl, autoRestore, getOrder, retries, cadence, retention, clock, tokenTimeoutMs } =
    resolveOptions(options);
  const emitter = mitt<ClientEvents>();
  /** Every `error` event goes out here, typed: see ClientEvents['error']. */
  const reportError = (phase: ClientEvents['error']['phase']) => (error: unknown) =>
    emitter.emit('error', { error: asGetUpdatesError(error), phase });
  const guard = createHandlerGuard(reportError('handler'));
  /** An internal subscription (unguarded); the returned function ends it. */
  const listen =
    <K extends keyof ClientEvents>(type: K) =>
    (listener: Handler<ClientEvents[K]>) => {
      emitter.on(type, listener);
      return () => emitter.off(type, listener);
    };
  const lifetime = new AbortController();
  const playerTokens = createTokenSource(options.token, { clock, timeoutMs: tokenTimeoutMs, signal: lifetime.signal });
  const tokens = bindToOnePlayer(playerTokens, options.userId, async (sub) => (await session.open()).recordPlayer(sub));
  const transport = createTransport({ baseUrl, projectId, tokens, http: options.http, retries });
  const storeApi = createStoreApi({ storeUrl, projectId, tokens, http: options.http, retries });
  let life = INITIAL_LIFECYCLE;
  // When the loop drains next (clock ms): Get order need not ask what that drain will answer.
  let nextDrainAt: number | undefined;

  const session = createSessionOpener({
    ...options,
    projectId,
    tokens: playerTokens,
    retention,
    clock,
    signal: lifetime.signal,
    fromOtherTabs: {
      emission: ([type, payload]) => emitter.emit(type, (type === 'changed' ? { ...payload, source: 'other-tab' } : payload) as never),
      watchHint: (until) => watches.hintFrom(until),
    },
  });

  /** Fires committed changes here and in the player's other tabs. */
  function announce(emissions: ReadonlyArray<readonly [keyof ClientEvents, unknown]>, tabs: TabChannel) {
    for (const [type, payload] of emissions) emitter.emit(type, payload as never);
    tabs.share(emissions);
  }

  const drains = createDrains({
    transport,
    projectId,
    clock,
    lifetime: lifetime.signal,
    session: () => session.open(),
    announce,
    onUnreadable: (detail) => emitter.emit('ignored', { reason: 'unreadable-event', quarantined: false, detail }),
    reportError,
    onDrained: () => loop.drainedElsewhere(), // a no-op when the drain was the loop's own
    onFailed: failed,
    afterDrain: () => autoRestore && restorer.afterDrain(lifetime.signal),
  });

  /**
   * Runs `work` until the caller's signal aborts or the client closes (the link ends with the
   * work); rejects with a GetUpdatesError or the caller's abort reason.
   */
  function untilClosed<T>(signal: AbortSignal | undefined, work: (stop: AbortSignal) => Promise<T>): Promise<T> {
    const stop = linkSignals(signal, lifetime.signal);
    return typed((async () => work(stop.signal))(), signal).finally(() => stop.unlink());
  }

  const restorer = createRestorer({
    storeApi,
    session: () => session.open(),
    clock,
    announce,
    onError: reportError('restore'),
  });

  const loop = createPollLoop({
    async drain(signal) {
      const version = life.tokenVersion;
      try {
        return await drains.run(signal);
      } catch (error) {
        // setToken() was called while this drain failed: its token has not been tried yet.
        if (error instanceof AuthError && version !== life.tokenVersion) return drains.run(signal);
        throw error;
      }
    },
    cadence,
    signals: options.signals ?? browserSignals(),
    election: async () => (await session.open()).election,
    isWatching: () => watches.isWatching(),
    pushHealthy: () => push.healthy(),
    clock,
    onStatus(status) {
      nextDrainAt = 'nextPollInMs' in status ? clock.now() + status.nextPollInMs : undefined;
      dispatch({ type: 'status', status });
      emitter.emit('status', status);
    },
    onError: failed,
    onReturnWhileFollowing: () =>
      void session
        .open()
        .then(({ tabs }) => tabs.hintWatch(clock.now() + cadence.returnWatchMs))
        .catch(() => undefined),
  });

  const { push, orderPoll } = createOrderStatuses({
    socket: options.orderStatus,
    projectId,
    userId: async () => (await session.open()).userId,
    tokens,
    storeApi,
    clock,
    cadence,
    loop,
    wanted: () => life.phase !== 'closed' && loop.running,
    lastDrainAt: drains.lastDrainAt,
    nextDrainAt: () => nextDrainAt,
    onStatus(status) {
      emitter.emit('orderStatus', status);
      if (status.status === 'paid' || status.status === 'done') watches.afterPaid(status.orderId);
    },
    reportError,
  });

  const watches = createWatches({
    loop,
    session: () => session.open(),
    clock,
    cadence,
    startedByGame: () => life.phase === 'running',
    pushCovers: () => push.covers() || orderPoll.covers(),
    pollStatus: (orderId, signal, always) => (getOrder || always) && orderPoll.watch(orderId, signal),
    onChange: listen('changed'),
    drain: () => drains.run(),
  });

  const purchases = createPurchases({
    storeApi,
    storeUrl,
    clock,
    lifetime: lifetime.signal,
    watch: (orderId, signal) => watches.watch(orderId, signal, true),
    onOrderStatus: listen('orderStatus'),
    onUndelivered: reportError('purchase'),
  });

  /** What each lifecycle effect does; lifecycle.ts says when. */
  const perform: Record<Effect, () => void> = {
    'retry-token': () => tokens.retry(), // the game says: try the token function again
    run: () => void (loop.start(), push.start()),
    stop: () => void (loop.stop(), push.stop()),
    // With no usable token the socket would only keep asking for one.
    halt: () => void (push.stop(), watches.haltAll(life.failure)),
  };

  /** The one place the lifecycle changes. */
  function dispatch(event: LifecycleEvent) {
    const { state, effects } = transition(life, event);
    life = state;
    effects.forEach((effect) => perform[effect]());
  }

  function failed(error: unknown) {
    dispatch({ type: 'failed', error });
    reportError('poll')(error);
  }

  return {
    on: (type, handler) => emitter.on(type, guard(handler)),
    off: (type, handler) => emitter.off(type, handler && guard(handler)),
    start: () => dispatch({ type: 'start' }),
    setToken(token: TokenInput) {
      checkToken(token, 'setToken');
      tokens.replace(token);
      dispatch({ type: 'token' });
    },
    // A stopped loop stays stopped, whatever token comes next.
    stop: () => dispatch({ type: 'stop' }),
    pollNow: ({ signal } = {}) => typed(raceAbort(drains.run(signal), signal), signal),
    watchOrder: (orderId, { signal } = {}) => untilClosed(signal, (stop) => watches.watch(readOrderId(orderId), stop)),
    restorePurchases: ({ signal } = {}) =>
      untilClosed(signal, async (stop) => {
        await raceAbort(drains.run(stop), stop); // pending events land first: fewer units to absorb later
        return restorer.restore(stop);
      }),
    purchase: purchases.purchase,
    catalog: ({ signal } = {}) => untilClosed(signal, (stop) => readCatalog(storeApi, stop, reportError('catalog'))),
    inventory: createInventoryApi(() => session.open(), announce),
    storage: () => typed(estimateStorage(globalThis.navigator?.storage, { clock }), undefined, StorageError),
    persistStorage: ({ signal } = {}) => typed(raceAbort(persistStorage(globalThis.navigator?.storage, { clock }), signal), signal),
    async close() {
      dispatch({ type: 'close' });
      lifetime.abort(closedError());
      await drains.settle();
      await session.close();
    },
  };
}
