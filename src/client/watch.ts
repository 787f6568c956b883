/**
 * Who wants the watch cadence, and `watchOrder`. An order is watched here (the game waits for
 * it), or another tab asked the polling tab to hurry (a hint), or the order-status channel just
 * said "paid" (GetUpdates may list the event a moment later). The one polling loop does the
 * polling for all of them: a watch with no loop running starts it in watch-only mode, and stops
 * it again when the last watch ends, so backoff and Retry-After have one home.
 */
import type { Order } from '../ledger/records';
import type { PollLoop } from '../poll/loop';
import type { Cadence } from '../schedule/cadence';
import type { Clock } from '../schedule/clock';
import { delay, linkSignals, raceAbort } from '../schedule/delay';
import type { Session } from './session';

const SETTLED: ReadonlySet<Order['status']> = new Set(['granted', 'revoked', 'voided']);
/** How long one watch hint keeps the polling tab fast; a watching tab renews it every watch interval. */
const WATCH_HINT_MS = 5_000;
/** No hint from another tab keeps this one fast for longer than this (it may be renewed). */
const MAX_HINT_MS = 60_000;
/** After a `paid`/`done` status, poll at the watch cadence this long, in case the event lags. */
const AFTER_PAID_MS = 10_000;

export interface WatchDeps {
  loop: PollLoop;
  session(): Promise<Session>;
  clock: Clock;
  cadence: Cadence;
  /** Whether the game started the loop (then a watch never stops it). */
  startedByGame(): boolean;
  /** The order-status socket, or Get order polling, tells when watched orders are paid: no fast polling needed. */
  pushCovers(): boolean;
  /** Asks for the order's statuses (Get order short polling) until `signal` aborts; `always`: whatever the options. */
  pollStatus(orderId: string, signal: AbortSignal, always: boolean): void;
  /** Subscribes to committed balance changes (here or in another tab); returns the unsubscribe. */
  onChange(listener: () => void): () => void;
  /** A drain now, shared with any in flight. */
  drain(): Promise<unknown>;
}

export function createWatches(deps: WatchDeps) {
  const { loop, clock, cadence } = deps;
  let watchers = 0;
  // Until when some tab (another one's hint, or this one after a paid status) wants the watch cadence.
  let hurryUntil = 0;
  // Rejects every watch when the loop halts for a reason no retry mends (auth, storage).
  let halted = new AbortController();

  const isWatching = () => (watchers > 0 && !deps.pushCovers()) || clock.now() < hurryUntil;

  /** Another tab asks for the watch cadence until `until`, bounded so no message pins it. */
  function hintFrom(until: number) {
    const wasWatching = isWatching();
    hurryUntil = Math.max(hurryUntil, Math.min(until, clock.now() + MAX_HINT_MS));
    if (!wasWatching) loop.wake();
  }

  /** A `paid`/`done` status: drain now here, or have the polling tab do it. */
  function afterPaid(orderId: string) {
    const before = hurryUntil;
    const hurry = Math.max(hurryUntil, clock.now() + AFTER_PAID_MS);
    hurryUntil = hurry;
    void deps
      .session()
      .then(async ({ store, tabs, election }) => {
        if (!loop.leading && (await election.otherLeads())) return tabs.hintWatch(clock.now() + WATCH_HINT_MS);
        await deps.drain();
        // The drain delivered it: no late event to hurry for (unless something else asked meanwhile),
        // and the loop, which the hurry may have switched to the watch cadence, waits as usual again.
        const order = await store.order(orderId);
        if (order && SETTLED.has(order.status) && hurryUntil === hurry) {
          hurryUntil = before;
          loop.drainedElsewhere();
        }
      })
      .catch(() => undefined); // reported through the error event by the drain
  }

  /** Resolves with the order once the ledger settles it; `getOrder`: poll Get order whatever the options (a purchase). */
  async function watch(orderId: string, signal: AbortSignal, getOrder = false): Promise<Order> {
    const stop = linkSignals(signal, halted.signal);
    try {
      return await watchIn(await raceAbort(deps.session(), stop.signal), orderId, stop.signal, getOrder);
    } finally {
      stop.unlink();
    }
  }

  async function watchIn({ store, tabs }: Session, orderId: string, stop: AbortSignal, getOrder: boolean): Promise<Order> {
    const settled = async () => {
      const order = await raceAbort(store.order(orderId), stop);
      return order && SETTLED.has(order.status) ? order : undefined;
    };
    // An order the ledger has settled already needs no polling, nor a Get order request.
    const already = await settled();
    if (already) return already;
    const ended = new AbortController();
    watchers++;
    deps.pollStatus(orderId, ended.signal, getOrder);
    loop.wake(); // a running loop switches to the watch cadence now
    try {
      for (;;) {
        // Checked after each read: a close() meanwhile has stopped the loop, which must stay stopped.
        stop.throwIfAborted();
        if (!loop.running) loop.start(); // watch-only: the game did not start it, or stopped it
        if (!loop.leading && !deps.pushCovers()) tabs.hintWatch(clock.now() + WATCH_HINT_MS);
        await nextChange(cadence.watchIntervalMs, stop);
        const order = await settled();
        if (order) return order;
      }
    } finally {
      ended.abort(); // Get order polling ends with the watch
      watchers--;
      if (watchers === 0 && !deps.startedByGame()) loop.stop();
    }
  }

  /** Resolves on the next committed change or after `ms`; rejects when `signal` aborts. */
  function nextChange(ms: number, signal: AbortSignal): Promise<void> {
    const done = new AbortController();
    const changed = new Promise<void>((resolve) => {
      const off = deps.onChange(() => resolve());
      done.signal.addEventListener('abort', off, { once: true });
    });
    const timer = delay(ms, { signal: done.signal, clock }).catch(() => undefined);
    return raceAbort(Promise.race([changed, timer]), signal).finally(() => done.abort());
  }

  return {
    isWatching,
    hintFrom,
    afterPaid,
    watch,
    /** The loop halted for a reason no retry mends: every pending watch rejects with it. */
    haltAll(error: unknown) {
      halted.abort(error);
      halted = new AbortController();
    },
  };
}
