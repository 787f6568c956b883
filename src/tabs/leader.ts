/**
 * One poller per player per browser. The Web Locks API elects it: the tab holding the player's
 * lock polls, the others wait in the lock's queue. A lock is released when its tab closes or
 * crashes, so the next tab in the queue takes over at once. Where Web Locks are missing, every
 * tab polls and the ledger alone keeps grants exactly once.
 */

export interface LeaderElection {
  /**
   * Runs `run` once this tab holds the lock, and resolves when `run` returns (stepping down) or
   * `signal` aborts. Calls `onFollow` first when another tab holds it.
   */
  lead(signal: AbortSignal, onFollow: () => void, run: (signal: AbortSignal) => Promise<void>): Promise<void>;
  /** True when another tab (or another client in this page) is polling for this player. */
  otherLeads(): Promise<boolean>;
}

/** `locks` null: no election, this tab always polls. */
export function createLeaderElection(name: string, locks: LockManager | null): LeaderElection {
  const lockName = `xsolla-getupdates:poller:${name}`;
  let leading = false;
  const leadWith = (run: (signal: AbortSignal) => Promise<void>, signal: AbortSignal) => async () => {
    leading = true;
    try {
      await run(signal);
    } finally {
      leading = false;
    }
  };

  return {
    async lead(signal, onFollow, run) {
      if (signal.aborted) return;
      if (!locks) return leadWith(run, signal)();
      const led = await locks.request(lockName, { ifAvailable: true }, async (lock) => {
        if (!lock) return false;
        await leadWith(run, signal)();
        return true;
      });
      if (led || signal.aborted) return;
      onFollow();
      try {
        await locks.request(lockName, { signal }, leadWith(run, signal));
      } catch (error) {
        if (!signal.aborted) throw error; // aborting the wait in the queue is how stop() leaves it
      }
    },
    async otherLeads() {
      if (!locks || leading) return false;
      const { held = [] } = await locks.query();
      return held.some((lock) => lock.name === lockName);
    },
  };
}

/** The page's Web Locks, or null where the API is missing (Node, old browsers, insecure origins). */
export function pageLocks(): LockManager | null {
  return typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : null;
}
