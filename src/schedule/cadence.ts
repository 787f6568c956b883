/**
 * Pure decisions about when to poll next. The loop feeds in what happened and what is being
 * watched; nothing here reads a clock or a timer, so it is tested with plain values.
 */
import { InvalidArgumentError } from '../errors';
import { fullJitterDelay, type BackoffPolicy } from './backoff';
import { MAX_TIMER_MS } from './clock';

export interface Cadence {
  /** Between drains in the foreground when nothing is watched: 60 s keeps an idle game at 60 requests an hour. */
  intervalMs: number;
  /** Between drains while an order is watched: a paid order lands within about this. 800 ms keeps
   *  the p95 under a second and a 10-minute watch under a 3 s poller's request count. */
  watchIntervalMs: number;
  /** Between drains in the foreground while the order-status socket is healthy (it says when an
   *  order is paid, so polling only catches what it does not announce): 12 requests an idle hour. */
  pushIntervalMs: number;
  /** Between drains while the page is hidden; `null` (default) pauses until it is visible again. */
  hiddenIntervalMs: number | null;
  /** After the page becomes visible or focused (the player is back from Pay Station): watch cadence for this long. */
  returnWatchMs: number;
  /** After failed drains: full jitter from `baseDelayMs`, doubling up to `maxDelayMs`. */
  errorBackoff: BackoffPolicy;
}

export const DEFAULT_CADENCE: Cadence = {
  intervalMs: 60_000,
  watchIntervalMs: 800,
  pushIntervalMs: 300_000,
  hiddenIntervalMs: null,
  returnWatchMs: 15_000,
  errorBackoff: { baseDelayMs: 1_000, maxDelayMs: 60_000, maxRetryAfterMs: 300_000 },
};

/** What a game may pass: any subset, nested backoff included. */
export type CadenceOptions = Partial<Omit<Cadence, 'errorBackoff'>> & { errorBackoff?: Partial<BackoffPolicy> };

/**
 * A delay option: the default when undefined, else a number of ms from 0 to what one timer can
 * hold (about 24.8 days): a longer one would fire at once, and the loop would spin.
 */
export function readDelay(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_TIMER_MS) {
    throw new InvalidArgumentError(`${name} must be a number of milliseconds from 0 to ${MAX_TIMER_MS}`);
  }
  return value;
}

/**
 * Fills in defaults field by field (an explicit `undefined` keeps the default) and refuses values
 * that would make the loop spin or stall: every delay is finite, every interval above 0.
 */
export function resolveCadence(options: CadenceOptions = {}): Cadence {
  const defaults = DEFAULT_CADENCE;
  const backoff = options.errorBackoff ?? {};
  const cadence: Cadence = {
    intervalMs: readDelay('cadence.intervalMs', options.intervalMs, defaults.intervalMs),
    watchIntervalMs: readDelay('cadence.watchIntervalMs', options.watchIntervalMs, defaults.watchIntervalMs),
    pushIntervalMs: readDelay('cadence.pushIntervalMs', options.pushIntervalMs, defaults.pushIntervalMs),
    hiddenIntervalMs: options.hiddenIntervalMs == null ? null : readDelay('cadence.hiddenIntervalMs', options.hiddenIntervalMs, 0),
    returnWatchMs: readDelay('cadence.returnWatchMs', options.returnWatchMs, defaults.returnWatchMs),
    errorBackoff: {
      baseDelayMs: readDelay('cadence.errorBackoff.baseDelayMs', backoff.baseDelayMs, defaults.errorBackoff.baseDelayMs),
      maxDelayMs: readDelay('cadence.errorBackoff.maxDelayMs', backoff.maxDelayMs, defaults.errorBackoff.maxDelayMs),
      maxRetryAfterMs: readDelay('cadence.errorBackoff.maxRetryAfterMs', backoff.maxRetryAfterMs, defaults.errorBackoff.maxRetryAfterMs),
    },
  };
  const { baseDelayMs, maxDelayMs } = cadence.errorBackoff;
  if (
    [cadence.intervalMs, cadence.watchIntervalMs, cadence.pushIntervalMs, cadence.hiddenIntervalMs, baseDelayMs, maxDelayMs].includes(0)
  ) {
    throw new InvalidArgumentError('cadence intervals must be above 0 ms');
  }
  return cadence;
}

export interface CadenceState {
  visible: boolean;
  online: boolean;
  /** An order is watched, here or (as a hint) in another tab. */
  watching: boolean;
  /** Time since the page last became visible or focused; undefined if it never changed. */
  sinceReturnMs?: number;
  consecutiveErrors: number;
  /** Retry-After of the last failure, when the server sent one. */
  retryAfterMs?: number;
  /** The order-status socket is connected and subscribed to the player's orders. */
  pushHealthy?: boolean;
}

export type PollDecision =
  | { status: 'waiting' | 'backing-off'; delayMs: number }
  /** No polling until a signal changes: the page is hidden (with hiddenIntervalMs null) or offline. */
  | { status: 'paused'; reason: 'hidden' | 'offline' };

/** Whether to drain now, and otherwise how long to wait. Pure: same state, same answer. */
export function nextPoll(state: CadenceState, cadence: Cadence, random: () => number = Math.random): PollDecision {
  if (!state.online) return { status: 'paused', reason: 'offline' };
  if (!state.visible && cadence.hiddenIntervalMs === null) return { status: 'paused', reason: 'hidden' };
  const usualMs = usualDelay(state, cadence);
  if (state.consecutiveErrors > 0) {
    // The transport has already retried the blip away; this is a server that stays down. Full
    // jitter waits half its ceiling on average, so starting from the usual wait and capping at
    // twice it keeps a failing player from asking much more often than a healthy one: a fleet
    // meets an outage, and comes back from it, near its steady rate instead of in a crowd.
    const backoff = {
      ...cadence.errorBackoff,
      baseDelayMs: Math.max(cadence.errorBackoff.baseDelayMs, usualMs),
      maxDelayMs: Math.max(cadence.errorBackoff.maxDelayMs, 2 * usualMs),
    };
    const jittered = fullJitterDelay(state.consecutiveErrors - 1, backoff, random);
    const serverWait = Math.min(state.retryAfterMs ?? 0, cadence.errorBackoff.maxRetryAfterMs);
    return { status: 'backing-off', delayMs: Math.max(jittered, serverWait) };
  }
  return { status: 'waiting', delayMs: usualMs };
}

/** The wait between drains that succeed. */
function usualDelay(state: CadenceState, cadence: Cadence): number {
  const justReturned = state.sinceReturnMs !== undefined && state.sinceReturnMs < cadence.returnWatchMs;
  if (state.watching || justReturned) return cadence.watchIntervalMs;
  if (!state.visible) return cadence.hiddenIntervalMs ?? cadence.intervalMs;
  return state.pushHealthy ? Math.max(cadence.intervalMs, cadence.pushIntervalMs) : cadence.intervalMs;
}
