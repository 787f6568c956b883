/**
 * The one abortable wait (after ky's `utils/delay.ts`): every timer the library waits on goes
 * through `delay`, and every promise a caller may give up on goes through `raceAbort`.
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
