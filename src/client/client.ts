/**
 * The public facade: wires the transport, the session (ledger, tabs, election), the drain, the
 * loop, watches and the order-status hint behind one object. It decides nothing itself: each
 * of those says what it does in its own module.
 */
import mitt from 'mitt';
import { asGetUpdatesError, AuthError, InvalidArgumentError, StorageError, typed } from '../errors';
import { estimateStorage, persistStorage } from '../store/storage-manager';
import { drain, type PollReport } from '../poll/drain';
import { createPollLoop } from '../poll/loop';
import { createSharedDrain } from '../poll/shared-drain';
import { createPushHint } from '../push/hint';
import { createOrderPoll } from '../push/order-poll';
import { createStatusReporter } from '../push/statuses';
import type { OrderStatusUpdate } from '../push/order-status';
import { linkSignals, raceAbort } from '../schedule/delay';
import { browserSignals } from '../schedule/signals';
import type { TabChannel } from '../tabs/broadcast';
import { createTransport } from '../transport/http';
import { createStoreApi } from '../transport/store-api';
import { bindToOnePlayer } from '../transport/player';
import { createTokenSource, type TokenInput } from '../transport/token';
import type { GetUpdatesClient, GetUpdatesClientOptions } from './api';
import { createHandlerGuard, emissionsFor, type ClientEvents } from './events';
import { createInventoryApi } from './inventory-api';
import { INITIAL_LIFECYCLE, transition, type Effect, type LifecycleEvent } from './lifecycle';
import { readOrderId, resolveOptions } from './options';
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
  const lifetime = new AbortController();
  const playerTokens = createTokenSource(options.token, { clock, timeoutMs: tokenTimeoutMs, signal: lifetime.signal });
  const tokens = bindToOnePlayer(playerTokens, options.userId, async (sub) => (await session.open()).recordPlayer(sub));
  const transport = createTransport({ baseUrl, projectId, tokens, http: options.http, retries });
  const storeApi = createStoreApi({ storeUrl, projectId, tokens, http: options.http, retries });
  let life = INITIAL_LIFECYCLE;
  // When the latest drain succeeded, and when the loop drains next (clock ms): Get order need
  // not ask what a drain just answered or is about to.
  let lastDrainAt: number | undefined;
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

  const shared = createSharedDrain(async (abandoned) => {
    const link = linkSignals(abandoned, lifetime.signal);
    const { signal } = link;
    try {
      const { store, tabs, compactOnce } = await session.open();
      const report = await drain(
        {
          transport,
          inventory: store,
          projectId,
          now: () => clock.now(),
          onApplied: (applied) => announce(emissionsFor(applied), tabs),
          onUnreadable: (detail) => emitter.emit('ignored', { reason: 'unreadable-event', quarantined: false, detail }),
          onAckError: reportError('ack'),
        },
        signal,
      );
      lastDrainAt = clock.now();
      loop.drainedElsewhere(); // a no-op when the drain was the loop's own
      await compactOnce().catch(reportError('poll'));
      if (autoRestore) restorer.afterDrain(lifetime.signal);
      return report;
    } catch (error) {
      if (!signal.aborted) failed(error);
      throw error;
    } finally {
      link.unlink();
    }
  });
  const drainShared = (signal?: AbortSignal) => (life.phase === 'closed' ? Promise.reject(closedError()) : shared.run(signal));

  /** Runs `work` until the caller's signal aborts or the client closes; the link ends with the work. */
  async function untilClosed<T>(signal: AbortSignal | undefined, work: (stop: AbortSignal) => Promise<T>): Promise<T> {
    const stop = linkSignals(signal, lifetime.signal);
    try {
      return await work(stop.signal);
    } finally {
      stop.unlink();
    }
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
        return await drainShared(signal);
      } catch (error) {
        // setToken() was called while this drain failed: its token has not been tried yet.
        if (error instanceof AuthError && version !== life.tokenVersion) return drainShared(signal);
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

  const reportStatus = createStatusReporter((status: OrderStatusUpdate) => {
    emitter.emit('orderStatus', status);
    if (status.status === 'paid' || status.status === 'done') watches.afterPaid(status.orderId);
  });

  const push = createPushHint(options.orderStatus, {
    projectId,
    userId: async () => (await session.open()).userId,
    tokens,
    clock,
    wanted: () => life.phase !== 'closed' && loop.running,
    onStatus: reportStatus,
    onLost: () => loop.wake(),
    onError: reportError('poll'),
  });

  const orderPoll = getOrder
    ? createOrderPoll({
        getOrder: (orderId, signal) => storeApi.getOrder(orderId, signal),
        clock,
        intervalMs: cadence.watchIntervalMs,
        backoff: cadence.errorBackoff,
        socketCovers: () => push.covers(),
        lastDrainAt: () => lastDrainAt,
        nextDrainAt: () => nextDrainAt,
        onUncovered: () => loop.wake(),
        onStatus: reportStatus,
        onError: reportError('order'),
      })
    : undefined;

  const watches = createWatches({
    loop,
    session: () => session.open(),
    clock,
    cadence,
    startedByGame: () => life.phase === 'running',
    pushCovers: () => push.covers() || (orderPoll?.covers() ?? false),
    pollStatus: (orderId, signal) => orderPoll?.watch(orderId, signal),
    onChange(listener) {
      emitter.on('changed', listener);
      return () => emitter.off('changed', listener);
    },
    drain: () => drainShared(),
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
      if (typeof token !== 'function' && (typeof token !== 'string' || token.length === 0)) {
        throw new InvalidArgumentError('setToken needs a non-empty string or a function that returns one');
      }
      tokens.replace(token);
      dispatch({ type: 'token' });
    },
    // A stopped loop stays stopped, whatever token comes next.
    stop: () => dispatch({ type: 'stop' }),
    pollNow: ({ signal } = {}) => typed(raceAbort(drainShared(signal), signal), signal),
    watchOrder: (orderId, { signal } = {}) =>
      typed(
        untilClosed(signal, (stop) => watches.watch(readOrderId(orderId), stop)),
        signal,
      ),
    restorePurchases: ({ signal } = {}) =>
      typed(
        untilClosed(signal, async (stop) => {
          await raceAbort(drainShared(stop), stop); // pending events land first: fewer units to absorb later
          return restorer.restore(stop);
        }),
        signal,
      ),
    inventory: createInventoryApi(() => session.open(), announce),
    storage: () => typed(estimateStorage(globalThis.navigator?.storage, { clock }), undefined, StorageError),
    persistStorage: ({ signal } = {}) => typed(raceAbort(persistStorage(globalThis.navigator?.storage, { clock }), signal), signal),
    async close() {
      dispatch({ type: 'close' });
      lifetime.abort(closedError());
      await shared.settle();
      await session.close();
    },
  };
}
