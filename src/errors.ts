/**
 * Typed errors. None of them carries the player's token: HTTP failures keep the status, the
 * path and the Retry-After delay, never the request config or headers.
 */

/** Base class of every error this library throws or emits. */
export class GetUpdatesError extends Error {
  override name = 'GetUpdatesError';
}

/**
 * No usable token: the server refused it (401/403) even after asking the token function for a
 * fresh one, or the token function failed, returned nothing, or did not answer in time (`cause`
 * holds what it threw); or the token is not this save's: another player's than the one the save
 * belongs to, or one that names no player (no JWT `sub`) when the game gave no `userId`.
 */
export class AuthError extends GetUpdatesError {
  override name = 'AuthError';
}

/** A failed HTTP exchange: a non-2xx status, or no response at all (`status` undefined). */
export class HttpError extends GetUpdatesError {
  override name = 'HttpError';
  /** HTTP status, or undefined when the request never got a response (network, timeout). */
  readonly status: number | undefined;
  /** True for 408, 425, 429, 5xx and network failures: trying again later may succeed. */
  readonly retryable: boolean;
  /** Server-requested wait from `Retry-After`, in milliseconds, when it was readable. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: { status?: number; retryable: boolean; retryAfterMs?: number }) {
    super(message);
    this.status = options.status;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Get order answered 404: Xsolla knows no order with this id for this player (`status` 404). */
export class OrderNotFoundError extends HttpError {
  override name = 'OrderNotFoundError';
  constructor(
    message: string,
    readonly orderId: string,
  ) {
    super(message, { status: 404, retryable: false });
  }
}

/** The server answered 2xx with a body that is not what the Xsolla API returns (not JSON, a missing list, an unknown item type). */
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

/**
 * What went wrong with local storage:
 * - `unavailable`: there is no IndexedDB here, or the browser refuses to open it (private modes);
 * - `versionchange`: another tab runs a newer version of this library and upgraded the
 *   database; this page must reload to use it;
 * - `quota`: the browser refused to store more;
 * - `failed`: a transaction failed for another reason (nothing of it persisted), or an open was
 *   aborted (Chromium, when the player clears site data with the game open): trying again may work;
 * - `locked`: another process (or another `nodeIndexedDB` factory) owns the save directory that
 *   the message names (xsolla-getupdates/node).
 */
export type StorageFailure = 'unavailable' | 'versionchange' | 'quota' | 'failed' | 'locked';

/** IndexedDB is missing or blocked, or a transaction failed. Nothing of the failed write persists. */
export class StorageError extends GetUpdatesError {
  override name = 'StorageError';
  readonly reason: StorageFailure;
  constructor(message: string, options: { cause?: unknown; reason?: StorageFailure } = {}) {
    super(message, { cause: options.cause });
    this.reason = options.reason ?? 'failed';
  }
}

/** The browser refused to store more (quota exceeded). Nothing was granted or acked. */
export class StorageFullError extends StorageError {
  override name = 'StorageFullError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, reason: 'quota' });
  }
}

/** One of the game's own event handlers threw (the library carried on); `cause` is what it threw. */
export class HandlerError extends GetUpdatesError {
  override name = 'HandlerError';
}

/** The browser blocked Pay Station's popup: `purchase()` must be called from the player's click, before any `await`. No order was created. */
export class PopupBlockedError extends GetUpdatesError {
  override name = 'PopupBlockedError';
}

/** `purchase()` while another is open: that one's window was brought to the front; no second order was created. */
export class PurchaseInProgressError extends GetUpdatesError {
  override name = 'PurchaseInProgressError';
}

const unexpected = (error: unknown) => `unexpected failure: ${error instanceof Error ? error.name : typeof error}`;

/** A failure as an `error` event carries it: a GetUpdatesError as it is, anything else wrapped, the original as `cause`. */
export function asGetUpdatesError(error: unknown): GetUpdatesError {
  return error instanceof GetUpdatesError ? error : new GetUpdatesError(unexpected(error), { cause: error });
}

/**
 * Every rejection of a public method is a GetUpdatesError (or the caller's own abort reason):
 * a failure this library did not foresee is wrapped as `Wrapper`, its original kept as `cause`.
 */
export function typed<T>(
  promise: Promise<T>,
  signal?: AbortSignal,
  Wrapper: new (message: string, options: { cause: unknown }) => GetUpdatesError = GetUpdatesError,
): Promise<T> {
  return promise.catch((error: unknown) => {
    if (error instanceof GetUpdatesError || (signal?.aborted && error === signal.reason)) throw error;
    throw new Wrapper(unexpected(error), { cause: error });
  });
}
