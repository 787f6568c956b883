/**
 * Time, as the loop sees it. The real one by default; a benchmark or a test passes a simulated
 * one to run an hour of polling in a second and count its requests.
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The longest delay a browser or Node timer holds; a longer one fires after about 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Real timers; a delay longer than one timer can hold is chained, so it never fires early. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const handle = { timer: undefined as ReturnType<typeof setTimeout> | undefined };
    const arm = (left: number) => {
      handle.timer = setTimeout(() => (left > MAX_TIMER_MS ? arm(left - MAX_TIMER_MS) : callback()), Math.min(left, MAX_TIMER_MS));
    };
    arm(ms);
    return handle;
  },
  clearTimeout: (handle) => clearTimeout((handle as { timer?: ReturnType<typeof setTimeout> } | undefined)?.timer),
};
