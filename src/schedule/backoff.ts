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

/** delta-seconds, as a list when a proxy or the browser joined two headers ("5, 5"). */
const DELTA_SECONDS = /^\d+(?:\.\d+)?$/;
/** The three HTTP-date forms (RFC 9110 5.6.7), each at the start of the header: IMF-fixdate, RFC 850, asctime. */
const HTTP_DATES = [
  /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT(?=$|,)/,
  /^[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT(?=$|,)/,
  /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}(?=$|,)/,
];

/**
 * Reads a Retry-After header (delta-seconds, or an HTTP date measured from `now`: the server's
 * own `Date` when there is one) as milliseconds. Two headers joined by a comma give the longest
 * wait of the list, or its first date. Anything else is unreadable: `Date.parse` would read
 * "5, 5" as a day in 2001, and so no wait at all.
 */
export function parseRetryAfter(header: unknown, now: number): number | undefined {
  const text = (Array.isArray(header) ? header.join(', ') : typeof header === 'string' ? header : '').trim();
  const seconds = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => DELTA_SECONDS.test(part));
  if (seconds.length > 0) return Math.round(Math.max(...seconds.map(Number)) * 1000);
  const date = readHttpDate(text);
  return date === undefined ? undefined : Math.max(0, date - now);
}

/** An HTTP date at the start of `text` (the first of a joined list), in ms since the epoch. */
export function readHttpDate(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const found = HTTP_DATES.map((form) => form.exec(text.trim())?.[0]).find((match) => match !== undefined);
  // asctime carries no zone, and means GMT.
  const date = found === undefined ? NaN : Date.parse(found.endsWith('GMT') ? found : `${found} GMT`);
  return Number.isNaN(date) ? undefined : date;
}
