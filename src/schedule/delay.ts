/**
 * The one abortable wait (after ky's `utils/delay.ts`): every timer the library waits on goes
 * through `delay`, every promise a caller may give up on goes through `raceAbort`, and every
 * signal that follows others (a drain's, a watch's) comes from `linkSignals`.
 */
import { realClock, type Clock } from './clock';

/** Resolves after `ms` on `clock`, or rejects with the signal's reason when it aborts first. */
export function delay(ms: number, { signal, clock = realClock }: { signal?: AbortSignal; clock?: Clock } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The promise's result, or the signal's reason if it aborts first (the work itself goes on). */
export function raceAbort<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined); // nobody waits for it any more
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** A signal that aborts when any of its sources does, until `unlink()`; `abort()` ends it early. */
export interface LinkedSignal {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
  /** Stops following the sources: call it when the work the signal guards is over. */
  unlink(): void;
}

/**
 * Like `AbortSignal.any`, but undone when the work ends. Node 20 keeps every signal ever derived
 * from a long-lived one with `AbortSignal.any` (a client's lifetime signal, one derived signal
 * per drain, grows by megabytes a day); these are plain listeners, removed by `unlink()` or once
 * the linked signal aborts.
 */
export function linkSignals(...sources: ReadonlyArray<AbortSignal | undefined>): LinkedSignal {
  const controller = new AbortController();
  const followed = sources.filter((source): source is AbortSignal => source !== undefined);
  const unlink = () => followed.forEach((source) => source.removeEventListener('abort', onAbort));
  const abort = (reason?: unknown) => {
    unlink();
    controller.abort(reason);
  };
  const onAbort = (event: Event) => abort((event.target as AbortSignal).reason);
  const aborted = followed.find((source) => source.aborted);
  if (aborted) controller.abort(aborted.reason);
  else followed.forEach((source) => source.addEventListener('abort', onAbort, { once: true }));
  return { signal: controller.signal, abort, unlink };
}
