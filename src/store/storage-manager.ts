/**
 * The browser's Storage API (`navigator.storage`), feature-detected and never waited on for
 * long: WebKitGTK has none unless a flag is on, a private window may refuse it, and Firefox
 * answers persist() only once the player answers its permission prompt (headless, never). So
 * nothing here runs at load: the game asks for persistence from a click.
 */
import type { Clock } from '../schedule/clock';
import { delay } from '../schedule/delay';

/** What `storage()` reports: whether the browser promised to keep the data, and how full it is. */
export interface StorageReport {
  persisted?: boolean;
  usageBytes?: number;
  quotaBytes?: number;
}

type Manager = Partial<Pick<StorageManager, 'persist' | 'persisted' | 'estimate'>>;

/** How long the browser may take over what it answers by itself (persisted, estimate). */
export const STORAGE_ANSWER_MS = 5_000;
/** How long the player may take over the browser's permission prompt (persist). */
export const PERSIST_PROMPT_MS = 60_000;

/** Whether the browser promised to keep this origin's storage, and how full it is; what it does not say is left out. */
export async function estimateStorage(manager: Manager | undefined, { clock }: { clock: Clock }): Promise<StorageReport> {
  const [persisted, estimate] = await Promise.all([
    within(() => manager?.persisted?.(), STORAGE_ANSWER_MS, clock),
    within(() => manager?.estimate?.(), STORAGE_ANSWER_MS, clock),
  ]);
  const report: StorageReport = { persisted, usageBytes: estimate?.usage, quotaBytes: estimate?.quota };
  return Object.fromEntries(Object.entries(report).filter(([, value]) => value !== undefined));
}

/** Asks the browser to keep this origin's storage; true only once it says so. */
export async function persistStorage(manager: Manager | undefined, { clock }: { clock: Clock }): Promise<boolean> {
  return (await within(() => manager?.persist?.(), PERSIST_PROMPT_MS, clock)) === true;
}

/** What `ask` answers, or undefined: a missing method, a throw, a rejection, or no answer within `ms`. */
async function within<T>(ask: () => Promise<T> | undefined, ms: number, clock: Clock): Promise<T | undefined> {
  const ceiling = new AbortController();
  try {
    return await Promise.race([
      Promise.resolve()
        .then(ask)
        .catch(() => undefined),
      delay(ms, { signal: ceiling.signal, clock }).then(
        () => undefined,
        () => undefined, // the answer came first and took the timer away
      ),
    ]);
  } finally {
    ceiling.abort();
  }
}
