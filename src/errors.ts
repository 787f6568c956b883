/**
 * Typed errors. None of them carries the player's token: HTTP failures keep the status, the
 * path and the Retry-After delay, never the request config or headers.
 */

/** Base class of every error this library throws or emits. */
export class GetUpdatesError extends Error {
  override name = 'GetUpdatesError';
}

/** 401 from the Events API even after asking the token function for a fresh token. */
export class AuthError extends GetUpdatesError {
  override name = 'AuthError';
}

/** A failed HTTP exchange: a non-2xx status, or no response at all (`status` undefined). */
export class HttpError extends GetUpdatesError {
  override name = 'HttpError';
  constructor(
    message: string,
    /** HTTP status, or undefined when the request never got a response (network, timeout). */
    readonly status: number | undefined,
    /** True for 408, 429, 5xx and network failures: trying again later may succeed. */
    readonly retryable: boolean,
    /** Server-requested wait from `Retry-After`, in milliseconds, when it was readable. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** The server answered 2xx with a body that is not what the Events API returns. */
export class ProtocolError extends GetUpdatesError {
  override name = 'ProtocolError';
}

/** `consume(sku, n)` asked for more than the balance holds; nothing was taken. */
export class InsufficientBalanceError extends GetUpdatesError {
  override name = 'InsufficientBalanceError';
  constructor(
    readonly sku: string,
    readonly requested: number,
    readonly available: number,
  ) {
    super(`cannot consume ${requested} of "${sku}": balance is ${available}`);
  }
}

/** A caller passed an option or argument the library cannot use. */
export class InvalidArgumentError extends GetUpdatesError {
  override name = 'InvalidArgumentError';
}

/** IndexedDB is missing or blocked, or a transaction failed. Nothing of the failed write persists. */
export class StorageError extends GetUpdatesError {
  override name = 'StorageError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The browser refused to store more (quota exceeded). Nothing was granted or acked. */
export class StorageFullError extends StorageError {
  override name = 'StorageFullError';
}
