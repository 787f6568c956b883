/**
 * Where the player's token comes from. A function is asked again after a 401/403; concurrent
 * callers share one call. The token is held in memory only: never logged, never persisted.
 *
 * The game's token function is foreign code that may hang (a login popup left open), throw, or
 * return nothing: every wait for it honours the caller's signal and a timeout, `replace()` frees
 * callers stuck on the old one, and every failure becomes an `AuthError` with the cause.
 */
import { AuthError } from '../errors';
import { realClock, type Clock } from '../schedule/clock';
import { delay, linkSignals, raceAbort } from '../schedule/delay';

export type TokenInput = string | (() => string | Promise<string>);

export interface TokenSource {
  /** The current token: fetched the first time; shortly before its JWT expires, the next one is fetched in the background. */
  get(signal?: AbortSignal): Promise<string>;
  /**
   * A token other than `rejected`: the one another caller already refreshed to, or a new one
   * from the token function. Undefined when the token is a fixed string.
   */
  refresh(rejected: string, signal?: AbortSignal): Promise<string | undefined>;
  /** Uses `input` from now on (the game's `setToken`); callers waiting for the old input move on to it. */
  replace(input: TokenInput): void;
  /** The server accepted `token` (a 2xx): were it fetched after a refusal, it is an ordinary token now. */
  accepted(token: string): void;
  /** Forgets the cached token and any refusal: the next `get()` asks the token function again. */
  retry(): void;
}

export interface TokenTiming {
  clock?: Clock;
  /** A JWT whose `exp` is closer than this is refreshed before use, not after its 401. */
  refreshMarginMs?: number;
  /** How long to wait for the token function before giving up with an AuthError. */
  timeoutMs?: number;
  /**
   * The client's lifetime: once it aborts (`close()`), the token function is not called again and
   * a wait for it ends with this signal's reason, its timer cleared (a Node process can exit).
   */
  signal?: AbortSignal;
}

export const DEFAULT_TOKEN_TIMEOUT_MS = 60_000;

export function createTokenSource(
  initial: TokenInput,
  { clock = realClock, refreshMarginMs = 30_000, timeoutMs = DEFAULT_TOKEN_TIMEOUT_MS, signal: lifetime }: TokenTiming = {},
): TokenSource {
  let input = initial;
  // The token in use, or the first fetch of one; a failed fetch is not kept.
  let current: Promise<string> | undefined;
  // One call of the token function at a time, whoever needs it.
  let fetching: Promise<string> | undefined;
  // Aborted by `replace()`, so that waits on the old input start over with the new one. (A signal,
  // not a promise: each wait removes its listener when it ends, and nothing piles up per request.)
  let replaced = new AbortController();
  // Tokens never refreshed early again: tried once already, or judged expired by a device clock
  // that disagrees with their issuer. The server's 401/403, not the player's clock, ends them.
  const noEarlyRefresh = new Set<string>();
  // Tokens fetched because another was refused, and not yet accepted by the server. When one of
  // them is refused too, the token function has had its chance: every caller gets the AuthError
  // at once (N requests in flight make one call, not N) until the game gives a new token or
  // starts again. A token the server accepted leaves this set: its later expiry is ordinary.
  const fetchedOnRefusal = new Set<string>();
  let refusal: AuthError | undefined;

  /** Calls the token function (or shares the call in flight), bounded by the timeout. */
  function fetchToken(): Promise<string> {
    if (fetching) return fetching;
    if (lifetime?.aborted) return Promise.reject(lifetime.reason);
    const from = input;
    const call = (async () => {
      let token: unknown;
      try {
        token = typeof from === 'function' ? await from() : from;
      } catch (cause) {
        throw cause instanceof AuthError ? cause : new AuthError('the token function failed', { cause });
      }
      if (typeof token !== 'string' || token.length === 0) throw new AuthError('the token function returned no token');
      if (expiresWithin(token, marginFor(token), clock.now())) remember(noEarlyRefresh, token);
      return token;
    })();
    const timeout = linkSignals(lifetime);
    const timed: Promise<string> = Promise.race([
      call,
      delay(timeoutMs, { signal: timeout.signal, clock }).then(() => {
        throw new AuthError(`the token function did not answer within ${Math.round(timeoutMs / 1000)} s`);
      }),
    ]).finally(() => {
      timeout.abort();
      if (fetching === timed) fetching = undefined;
    });
    fetching = timed;
    // A token that arrives after its timeout is still the freshest one there is.
    call.then(
      (token) => void (current === undefined && input === from && (current = Promise.resolve(token))),
      () => undefined,
    );
    return timed;
  }

  /** Makes `pending` the token in use, unless it fails. */
  function use(pending: Promise<string>): Promise<string> {
    current = pending;
    pending.catch(() => current === pending && (current = undefined));
    return pending;
  }

  /**
   * Fetches the next token in the background while the current one goes on being used: a slow,
   * hung or failing token function never holds up or fails a request the server would accept.
   */
  function refreshAhead(token: string) {
    remember(noEarlyRefresh, token);
    const from = input;
    const was = current;
    fetchToken().then(
      (fresh) => void (input === from && current === was && (current = Promise.resolve(fresh))),
      () => undefined, // the server, with a 401/403, will say when the current token is over
    );
  }

  /** Waits for `first`, unless the caller gives up; when the game replaces the input, for the new one. */
  async function settle(first: Promise<string>, signal?: AbortSignal): Promise<string> {
    for (let pending = first; ; pending = current ?? use(fetchToken())) {
      const superseded = replaced.signal;
      try {
        return await raceAbort(raceAbort(pending, superseded), signal);
      } catch (error) {
        if (!superseded.aborted || signal?.aborted) throw error;
      }
    }
  }

  const marginFor = (token: string) => {
    const { exp, iat } = readJwtClaims(token);
    // A short-lived token gets a proportionally short margin, or every request would refresh it.
    return iat !== undefined && exp !== undefined ? Math.min(refreshMarginMs, ((exp - iat) * 1000) / 4) : refreshMarginMs;
  };

  const source: TokenSource = {
    async get(signal) {
      const token = await settle(current ?? use(fetchToken()), signal);
      if (typeof input === 'function' && !noEarlyRefresh.has(token) && expiresWithin(token, marginFor(token), clock.now())) {
        refreshAhead(token);
      }
      return token;
    },
    async refresh(rejected, signal) {
      if (typeof input === 'string') return undefined;
      if (fetchedOnRefusal.has(rejected)) refusal ??= new AuthError('the server refused a fresh token from the token function');
      if (refusal) throw refusal;
      // Another caller may have refreshed already: its token is the one to try.
      const latest = current && (await settle(current, signal).catch(() => signal?.throwIfAborted()));
      if (latest && latest !== rejected) return latest;
      const fresh = await settle(use(fetchToken()), signal);
      remember(fetchedOnRefusal, fresh);
      return fresh;
    },
    accepted(token) {
      fetchedOnRefusal.delete(token);
    },
    retry() {
      current = undefined;
      fetching = undefined;
      refusal = undefined;
      fetchedOnRefusal.clear();
    },
    replace(next) {
      input = next;
      source.retry();
      const previous = replaced;
      replaced = new AbortController();
      previous.abort();
    },
  };
  return source;
}

/** Adds to a set that only ever needs its latest few entries. */
function remember(set: Set<string>, token: string) {
  if (set.size >= 8) set.clear();
  set.add(token);
}

/** True when the JWT's `exp` is less than `marginMs` after `now`; false for tokens without one. */
function expiresWithin(token: string, marginMs: number, now: number): boolean {
  const { exp } = readJwtClaims(token);
  return exp !== undefined && exp * 1000 - now < marginMs;
}

/** The claims this library reads from a JWT, without verifying it (the server does that). */
export interface JwtClaims {
  sub?: string;
  /** Expiry and issue time, in seconds since the epoch. */
  exp?: number;
  iat?: number;
}

export function readJwtClaims(token: string): JwtClaims {
  const payload = token.split('.')[1];
  if (!payload) return {};
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof claims !== 'object' || claims === null) return {};
    const { sub, exp, iat } = claims as Record<string, unknown>;
    return {
      ...(typeof sub === 'string' || typeof sub === 'number' ? { sub: String(sub) } : {}),
      ...(typeof exp === 'number' && Number.isFinite(exp) ? { exp } : {}),
      ...(typeof iat === 'number' && Number.isFinite(iat) ? { iat } : {}),
    };
  } catch {
    return {};
  }
}
