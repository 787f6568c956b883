/**
 * Pure decisions about when to poll next. The loop feeds in what happened and what is being
 * watched; nothing here reads a clock or a timer, so it is tested with plain values.
 */
import { fullJitterDelay, type BackoffPolicy } from './backoff';

export interface Cadence {
  /** Between drains when nothing is watched. 30 s keeps an idle game at 120 requests an hour. */
  intervalMs: number;
  /** Between drains while `watchOrder` waits for an order: a paid order lands within about this. */
  watchIntervalMs: number;
  /** After failed drains: full jitter from `baseDelayMs`, doubling up to `maxDelayMs`. */
  errorBackoff: BackoffPolicy;
}

export const DEFAULT_CADENCE: Cadence = {
  intervalMs: 30_000,
  watchIntervalMs: 1_000,
  errorBackoff: { baseDelayMs: 1_000, maxDelayMs: 60_000, maxRetryAfterMs: 300_000 },
};

export interface CadenceState {
  watching: boolean;
  consecutiveErrors: number;
  /** Retry-After of the last failure, when the server sent one. */
  retryAfterMs?: number;
}

export interface PollDecision {
  delayMs: number;
  status: 'waiting' | 'backing-off';
}

export function nextPoll(state: CadenceState, cadence: Cadence, random: () => number = Math.random): PollDecision {
  if (state.consecutiveErrors > 0) {
    const jittered = fullJitterDelay(state.consecutiveErrors - 1, cadence.errorBackoff, random);
    const serverWait = Math.min(state.retryAfterMs ?? 0, cadence.errorBackoff.maxRetryAfterMs);
    return { delayMs: Math.max(jittered, serverWait), status: 'backing-off' };
  }
  return { delayMs: state.watching ? cadence.watchIntervalMs : cadence.intervalMs, status: 'waiting' };
}
