/** Pure wait decisions for retries: exponential backoff with full jitter, and Retry-After. */

export interface BackoffPolicy {
  /** First retry waits up to this long. */
  baseDelayMs: number;
  /** No computed wait exceeds this. */
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited out inside one call; the caller reschedules. */
  maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseDelayMs: 250, maxDelayMs: 8_000, maxRetryAfterMs: 30_000 };

/**
 * Full jitter (a uniform wait in [0, min(cap, base * 2^attempt)]): spreads the retries of many
 * players after an outage instead of having them hit the server in lockstep.
 */
export function fullJitterDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

/** How long to wait before retry `attempt` (0-based), or undefined to stop retrying now. */
export function retryDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number | undefined {
  if (retryAfterMs === undefined) return fullJitterDelay(attempt, policy, random);
  return retryAfterMs <= policy.maxRetryAfterMs ? retryAfterMs : undefined;
}

/** Reads a Retry-After header (seconds or an HTTP date) as milliseconds from `now`. */
export function parseRetryAfter(header: unknown, now: number): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
