/**
 * Order status by short polling (seed `000_…`: "after 5 minutes, or when the WebSocket has
 * trouble, use short polling; call Get order"). While an order is watched and the order-status
 * socket does not cover it, Get order is asked at the watch cadence. While it answers, it covers
 * the watch instead of the socket: GetUpdates stays at its slow cadence, and a `paid`/`done`
 * drains at once. A failure hands the watch back to GetUpdates short polling, and Get order asks
 * again to win it back: after a 404 (the order may not show yet) on the next tick, a few times;
 * after a refused token once a drain has worked since (the game's `setToken`, or a refresh),
 * backing off; after other failures, backing off. The first failure of a run is reported, but
 * not a refused token: the drain reports that.
 */
import { AuthError, OrderNotFoundError, ProtocolError } from '../errors';
import { field } from '../events/fields';
import { fullJitterDelay, type BackoffPolicy } from '../schedule/backoff';
import type { Clock } from '../schedule/clock';
import { delay } from '../schedule/delay';
import type { OrderStatusUpdate } from './order-status';

/** Get order asks this many times about an order it answers 404 for, before the 404 is final. */
const NOT_FOUND_ASKS = 4;

export interface OrderPollDeps {
  /** Get order's raw answer; rejects with OrderNotFoundError on a 404. */
  getOrder(orderId: string, signal: AbortSignal): Promise<unknown>;
  clock: Clock;
  /** The watch cadence. */
  intervalMs: number;
  /** Backoff after failures. */
  backoff: BackoffPolicy;
  /** The order-status socket covers watched orders now: Get order waits. */
  socketCovers(): boolean;
  /**
   * When a drain last succeeded (clock ms): one within the interval already answered "was it
   * paid?"; one since Get order was refused says the token works again.
   */
  lastDrainAt(): number | undefined;
  /** When the polling loop drains next (clock ms), if it waits: one due within the interval will answer. */
  nextDrainAt(): number | undefined;
  /** Get order stopped covering a watch: GetUpdates short polling must start now. */
  onUncovered(): void;
  onStatus(update: OrderStatusUpdate): void;
  /** The first failure of a run of failures (a 404 once), other than a refused token. */
  onError(error: unknown): void;
}

export interface OrderPoll {
  /** Polls `orderId` until `signal` aborts (the watch ended). Watching one order twice polls it once. */
  watch(orderId: string, signal: AbortSignal): void;
  /** Every watched order has a working Get order poll: no GetUpdates short polling is needed. */
  covers(): boolean;
}

interface Poll {
  watchers: number;
  /** Get order answers (trusted from the start; the first failure hands the watch to GetUpdates). */
  answering: boolean;
  stop: AbortController;
}

export function createOrderPoll(deps: OrderPollDeps): OrderPoll {
  const polls = new Map<string, Poll>();

  async function run(orderId: string, poll: Poll) {
    const { signal } = poll.stop;
    // Since the last answer: failures that back off (a 404 does not), 404s, whether the run was
    // reported, and when Get order last refused the token.
    let failures = 0;
    let notFound = 0;
    let reported = false;
    let refusedAt: number | undefined;
    const stopCovering = () => {
      const was = poll.answering;
      poll.answering = false;
      if (was) deps.onUncovered();
    };
    const drainNearby = (now: number) => {
      const drainedAt = deps.lastDrainAt();
      const nextDrainAt = deps.nextDrainAt();
      return (
        (drainedAt !== undefined && now - drainedAt < deps.intervalMs) ||
        (nextDrainAt !== undefined && nextDrainAt - now <= deps.intervalMs)
      );
    };
    // A refused token is tried again once a drain has worked since: the token changed, or was refreshed.
    const tokenMayWork = () => refusedAt === undefined || (deps.lastDrainAt() ?? -Infinity) > refusedAt;
    while (!signal.aborted) {
      // Asked when the socket does not tell the same, and, while Get order covers the watch, no
      // drain that just ran or is about to does either; uncovered, it asks to cover it again.
      if (!deps.socketCovers() && tokenMayWork() && !(poll.answering && drainNearby(deps.clock.now()))) {
        try {
          const status = readStatus(await deps.getOrder(orderId, signal));
          poll.answering = true;
          [failures, notFound, reported, refusedAt] = [0, 0, false, undefined];
          deps.onStatus({ orderId, status, source: 'poll' });
        } catch (error) {
          if (signal.aborted) return;
          stopCovering();
          if (error instanceof AuthError) refusedAt = deps.clock.now();
          else if (!reported) {
            reported = true;
            deps.onError(error);
          }
          if (!(error instanceof OrderNotFoundError)) failures++;
          else if (++notFound >= NOT_FOUND_ASKS) return; // no such order: GetUpdates has the watch
        }
      }
      const wait = failures === 0 ? deps.intervalMs : Math.max(deps.intervalMs, fullJitterDelay(failures - 1, deps.backoff));
      await delay(wait, { signal, clock: deps.clock }).catch(() => undefined);
    }
  }

  return {
    watch(orderId, signal) {
      let poll = polls.get(orderId);
      if (!poll) {
        const created: Poll = { watchers: 0, answering: true, stop: new AbortController() };
        polls.set(orderId, created);
        poll = created;
        void run(orderId, created).finally(() => {
          created.answering = false;
          if (polls.get(orderId) === created && created.stop.signal.aborted) polls.delete(orderId);
        });
      }
      const current = poll;
      current.watchers++;
      const release = () => {
        if (--current.watchers > 0) return;
        current.stop.abort();
        polls.delete(orderId);
      };
      if (signal.aborted) release();
      else signal.addEventListener('abort', release, { once: true });
    },
    covers: () => polls.size > 0 && [...polls.values()].every((poll) => poll.answering),
  };
}

/** The `status` of a Get order answer: `new`, `paid`, `done`, `canceled` (or another word Xsolla adds). */
export function readStatus(body: unknown): string {
  const status = field(body, 'status');
  if (typeof status !== 'string' || status.length === 0 || status.length > 64) {
    throw new ProtocolError('Get order answered without a status');
  }
  return status;
}
