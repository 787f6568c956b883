/**
 * Where the player's token comes from. A function is asked again after a 401; concurrent
 * callers share one refresh. The token is held in memory only: never logged, never persisted.
 */

export type TokenInput = string | (() => string | Promise<string>);

export interface TokenSource {
  /** The current token: fetched the first time, and fetched again when its JWT is about to expire. */
  get(): Promise<string>;
  /**
   * A token other than `rejected`: the one another caller already refreshed to, or a new one
   * from the token function. Undefined when the token is a fixed string.
   */
  refresh(rejected: string): Promise<string | undefined>;
  /** Uses `input` from now on (the game's `setToken`). */
  replace(input: TokenInput): void;
}

export interface TokenTiming {
  now?: () => number;
  /** A JWT whose `exp` is closer than this is refreshed before use, not after its 401. */
  refreshMarginMs?: number;
}

export function createTokenSource(initial: TokenInput, { now = Date.now, refreshMarginMs = 30_000 }: TokenTiming = {}): TokenSource {
  let input = initial;
  let current: Promise<string> | undefined;
  let refreshing: Promise<string> | undefined;

  const load = () => {
    const loading = (async () => {
      const token = typeof input === 'function' ? await input() : input;
      if (typeof token !== 'string' || token.length === 0) throw new TypeError('the token function returned no token');
      return token;
    })();
    current = loading;
    // A failed fetch is not cached: the next caller asks again.
    loading.catch(() => current === loading && (current = undefined));
    return loading;
  };

  const source: TokenSource = {
    async get() {
      const token = await (current ?? load());
      const { exp, iat } = readJwtClaims(token);
      // A short-lived token gets a proportionally short margin, or every request would refresh it.
      const margin = iat !== undefined && exp !== undefined ? Math.min(refreshMarginMs, ((exp - iat) * 1000) / 4) : refreshMarginMs;
      if (typeof input !== 'function' || exp === undefined || exp * 1000 - now() >= margin) return token;
      try {
        return (await source.refresh(token)) ?? token;
      } catch (error) {
        // An early refresh that fails is no reason to drop a token that still works.
        if (exp * 1000 <= now()) throw error;
        current = Promise.resolve(token);
        return token;
      }
    },
    refresh: (rejected) => {
      if (typeof input === 'string') return Promise.resolve(undefined);
      refreshing ??= (async () => {
        const latest = await current?.catch(() => undefined);
        return latest !== undefined && latest !== rejected ? latest : load();
      })().finally(() => (refreshing = undefined));
      return refreshing;
    },
    replace(next) {
      input = next;
      current = undefined;
    },
  };
  return source;
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
      ...(typeof exp === 'number' ? { exp } : {}),
      ...(typeof iat === 'number' ? { iat } : {}),
    };
  } catch {
    return {};
  }
}
