/**
 * Pure decisions about when to poll next. The loop feeds in what happened and what is being
 * watched; nothing here reads a clock or a timer, so it is tested with plain values.
 */
import { InvalidArgumentError } from '../errors';
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

/** What a game may pass: any subset, nested backoff included. */
export type CadenceOptions = Partial<Omit<Cadence, 'errorBackoff'>> & { errorBackoff?: Partial<BackoffPolicy> };

/**
 * Fills in defaults field by field (an explicit `undefined` keeps the default) and refuses values
 * that would make the loop spin or stall: every delay is a finite number, intervals above 0.
 */
export function resolveCadence(options: CadenceOptions = {}): Cadence {
  const pick = <T extends object>(defaults: T, given: Partial<T> | undefined): T => {
    const result = { ...defaults };
    for (const key of Object.keys(defaults) as Array<keyof T>) {
      const value = given?.[key];
      if (value === undefined) continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new InvalidArgumentError(`cadence.${String(key)} must be a finite number of milliseconds, 0 or more`);
      }
      result[key] = value as T[keyof T];
    }
    return result;
  };
  const { errorBackoff, ...intervals } = options;
  const cadence = { ...pick({ intervalMs: DEFAULT_CADENCE.intervalMs, watchIntervalMs: DEFAULT_CADENCE.watchIntervalMs }, intervals), errorBackoff: pick(DEFAULT_CADENCE.errorBackoff, errorBackoff) };
  if (cadence.intervalMs === 0 || cadence.watchIntervalMs === 0 || cadence.errorBackoff.maxDelayMs === 0) {
    throw new InvalidArgumentError('cadence intervals must be above 0 ms');
  }
  return cadence;
}

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
