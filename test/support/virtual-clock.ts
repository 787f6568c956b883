/**
 * Simulated time for the loop: timers fire in time order when asked, and between timers the
 * real work they started (promises, I/O) is allowed to finish. An hour passes in milliseconds.
 */
import type { Clock } from '../../src';

export class VirtualClock implements Clock {
  private time = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();
  now = () => this.time;
  setTimeout = (callback: () => void, ms: number) => {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, ms), callback });
    return id;
  };
  clearTimeout = (id: unknown) => void this.timers.delete(id as number);
  /** Timers set and neither fired nor cleared: what would keep a real process alive. */
  get pending() {
    return this.timers.size;
  }

  /** Fires timers in time order up to `end`; after each, lets the real work it started finish. */
  async runUntil(end: number, settle: () => Promise<void>) {
    for (;;) {
      const [id, next] = [...this.timers].sort(([, a], [, b]) => a.at - b.at)[0] ?? [];
      if (id === undefined || !next || next.at > end) {
        this.time = end;
        return;
      }
      this.timers.delete(id);
      this.time = next.at;
      next.callback();
      await settle();
    }
  }
}

/** Lets pending promise callbacks and I/O callbacks run. */
export const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
