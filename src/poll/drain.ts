/**
 * One drain of the Events API: re-send acks that failed earlier, then page through the
 * unprocessed events, commit each page to the ledger, and ack what the commit covers.
 * An event is never acked before the transaction that applied it has completed.
 */
import { AuthError, HttpError } from '../errors';
import { parseEvent } from '../events/parse';
import type { ParsedEvent } from '../events/plan';
import type { AppliedEvent } from '../ledger/records';
import { committedBeforeFailure, type Inventory } from '../store/inventory';
import type { Transport } from '../transport/http';

/** Counts for one drain. */
export interface PollReport {
  /** Events received from the server (all pages). */
  fetched: number;
  /** Events that added an order's items to the balances. */
  granted: number;
  /** Events that took an order's items back. */
  revoked: number;
  /** Events already applied (same event id, or an order already granted or revoked). */
  duplicates: number;
  /** Unsupported types, other projects' events, quarantined ones, grants of voided orders. */
  ignored: number;
  /** Events recorded without touching balances (payment with no items, refund before grant). */
  recorded: number;
  partialRefunds: number;
  /** Quarantined or other-project events seen again and left alone. */
  skipped: number;
  acked: number;
  /** Acks that failed, or were not sent because the server refused the token or asked to slow down. */
  ackFailed: number;
  /** Pages fetched (each one is a GET), the empty page that ends a drain after a full one included. */
  pages: number;
}

export interface DrainDeps {
  transport: Transport;
  inventory: Inventory;
  projectId: string;
  now: () => number;
  /** Called after each page's transaction has committed, before its acks are sent. */
  onApplied(applied: AppliedEvent[]): void;
  /** An event without a usable id: it cannot be stored or acked. */
  onUnreadable(detail: string, raw: unknown): void;
  onAckError(error: unknown, eventId: number): void;
}

/** Stops a drain whose server keeps answering new pages. */
const MAX_PAGES = 1000;
/**
 * A page with fewer events than this is the last: the drain does not ask for the next one. The
 * page size is undocumented, but a server whose pages hold at least this many events cannot
 * have had more, and every purchase is 1 or 2 events, so each one saves a GET (and, cross-origin,
 * the CORS preflight of its new `after_id` URL). Were a server's pages ever smaller, the rest
 * would stay unprocessed on it and come with the next poll: later, never lost.
 */
export const LAST_PAGE_BELOW = 3;
/** A browser's HTTP/1.1 connections per host. */
export const ACK_CONCURRENCY = 6;

export function emptyReport(): PollReport {
  return {
    fetched: 0,
    granted: 0,
    revoked: 0,
    duplicates: 0,
    ignored: 0,
    recorded: 0,
    partialRefunds: 0,
    skipped: 0,
    acked: 0,
    ackFailed: 0,
    pages: 0,
  };
}

const COUNTER: Record<AppliedEvent['outcome'], keyof PollReport> = {
  granted: 'granted',
  revoked: 'revoked',
  duplicate: 'duplicates',
  recorded: 'recorded',
  tombstoned: 'recorded',
  voided: 'ignored',
  partialRefund: 'partialRefunds',
  unsupported: 'ignored',
  otherProject: 'ignored',
  quarantined: 'ignored',
  skipped: 'skipped',
};

export async function drain(deps: DrainDeps, signal?: AbortSignal): Promise<PollReport> {
  const report = emptyReport();
  // Acks run in the background while later pages are fetched and applied; each id joins the
  // queue only once the transaction that covers it has committed.
  const acks = createAckQueue(deps, report, signal);
  acks.push(await deps.inventory.pendingAcks());
  try {
    await drainPages(deps, report, acks, signal);
  } finally {
    await acks.settle();
  }
  // The events are committed; with the token refused, the loop must still pause for a new one.
  if (acks.refused) throw acks.refused;
  return report;
}

async function drainPages(deps: DrainDeps, report: PollReport, acks: AckQueue, signal?: AbortSignal) {
  /** Counts, announces and acks what a transaction committed. */
  const committed = (applied: AppliedEvent[]) => {
    for (const event of applied) report[COUNTER[event.outcome]]++;
    if (applied.length > 0) deps.onApplied(applied);
    acks.push(applied.filter((event) => event.ack).map((event) => event.id));
  };
  let afterId: number | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const raw = await deps.transport.listEvents({ afterId, signal });
    report.pages++;
    if (raw.length === 0) break;
    report.fetched += raw.length;

    const parsed: ParsedEvent[] = [];
    for (const event of raw) {
      const result = parseEvent(event, deps.projectId);
      if (result.id === undefined) {
        report.ignored++;
        deps.onUnreadable(result.detail, event);
      } else {
        parsed.push(result);
      }
    }
    let applied: AppliedEvent[];
    try {
      applied = await deps.inventory.applyBatch(parsed, deps.now());
    } catch (error) {
      committed(committedBeforeFailure(error));
      throw error;
    }
    committed(applied);
    if (raw.length < LAST_PAGE_BELOW) break;

    const lastId = Math.max(0, ...parsed.map((event) => event.id));
    // A server that ignores after_id would hand back the same page forever.
    if (lastId <= (afterId ?? 0)) break;
    afterId = lastId;
  }
}

interface AckQueue {
  push(ids: readonly number[]): void;
  /** Waits for the acks in flight, then forgets the pending acks that went through (one transaction). */
  settle(): Promise<void>;
  /** Set when the server refused the token: no more acks were sent. */
  readonly refused: AuthError | undefined;
}

/**
 * Acks with a bounded number in flight. A failed ack stays pending in the store and is sent
 * again by the next drain. A refused token, or a server that asks to slow down (429, 5xx),
 * stops the queue: the rest stay pending, so neither a token call per ack nor minutes of
 * rate-limited acks stand between the player and the next purchase's GET.
 */
function createAckQueue(deps: DrainDeps, report: PollReport, signal?: AbortSignal): AckQueue {
  const queue: number[] = [];
  const queued = new Set<number>();
  const done: number[] = [];
  const workers: Array<Promise<void>> = [];
  let running = 0;
  let halted = false;
  let refused: AuthError | undefined;
  const halt = () => {
    halted = true;
    report.ackFailed += queue.length;
    queue.length = 0;
  };
  const work = async () => {
    running++;
    try {
      for (let id = queue.shift(); id !== undefined && !signal?.aborted; id = queue.shift()) {
        try {
          await deps.transport.markProcessed(id, { signal });
          done.push(id);
          report.acked++;
        } catch (error) {
          if (signal?.aborted) break;
          report.ackFailed++;
          if (error instanceof AuthError) {
            if (!refused) deps.onAckError(error, id);
            refused ??= error;
            halt();
          } else {
            deps.onAckError(error, id);
            if (error instanceof HttpError && error.status !== undefined && error.retryable) halt();
          }
        }
      }
    } finally {
      running--;
    }
  };
  return {
    get refused() {
      return refused;
    },
    push(ids) {
      for (const id of ids) {
        if (queued.has(id)) continue; // a redelivered event already queued by this drain
        queued.add(id);
        if (halted) report.ackFailed++;
        else queue.push(id);
      }
      // work() takes its first id before its first await, so `running` and the queue are current.
      while (running < ACK_CONCURRENCY && queue.length > 0) workers.push(work());
    },
    async settle() {
      await Promise.all(workers);
      if (done.length > 0) await deps.inventory.clearAcks(done);
    },
  };
}
