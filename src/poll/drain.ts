/**
 * One drain of the Events API: re-send acks that failed earlier, then page through the
 * unprocessed events, commit each page to the ledger, and ack what the commit covers.
 * An event is never acked before the transaction that applied it has completed.
 */
import { parseEvent } from '../events/parse';
import type { ParsedEvent } from '../events/plan';
import type { AppliedEvent, Inventory } from '../store/inventory';
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
  ackFailed: number;
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
  ackConcurrency?: number;
  /** Stops a drain whose server keeps answering pages. */
  maxPages?: number;
}

export function emptyReport(): PollReport {
  return { fetched: 0, granted: 0, revoked: 0, duplicates: 0, ignored: 0, recorded: 0, partialRefunds: 0, skipped: 0, acked: 0, ackFailed: 0, pages: 0 };
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
  return report;
}

async function drainPages(deps: DrainDeps, report: PollReport, acks: AckQueue, signal?: AbortSignal) {
  let afterId: number | undefined;
  for (let page = 0; page < (deps.maxPages ?? 1000); page++) {
    const raw = await deps.transport.listEvents({ afterId, signal });
    if (raw.length === 0) break;
    report.pages++;
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
    const applied = await deps.inventory.applyBatch(parsed, deps.now());
    for (const event of applied) report[COUNTER[event.outcome]]++;
    deps.onApplied(applied);
    acks.push(applied.filter((event) => event.ack).map((event) => event.id));

    const lastId = Math.max(0, ...parsed.map((event) => event.id));
    // A server that ignores after_id would hand back the same page forever.
    if (lastId <= (afterId ?? 0)) break;
    afterId = lastId;
  }
}

interface AckQueue {
  push(ids: readonly number[]): void;
  /** Waits for every ack, then forgets the pending acks that went through (one transaction). */
  settle(): Promise<void>;
}

/**
 * Acks with a bounded number in flight (6 by default: a browser's HTTP/1.1 connections per
 * host). A failed ack stays pending in the store and is sent again by the next drain.
 */
function createAckQueue(deps: DrainDeps, report: PollReport, signal?: AbortSignal): AckQueue {
  const queue: number[] = [];
  const queued = new Set<number>();
  const done: number[] = [];
  const workers: Array<Promise<void>> = [];
  let running = 0;
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
          deps.onAckError(error, id);
        }
      }
    } finally {
      running--;
    }
  };
  return {
    push(ids) {
      for (const id of ids) {
        if (queued.has(id)) continue; // a redelivered event already queued by this drain
        queued.add(id);
        queue.push(id);
      }
      // work() takes its first id before its first await, so `running` and the queue are current.
      while (running < (deps.ackConcurrency ?? 6) && queue.length > 0) workers.push(work());
    },
    async settle() {
      await Promise.all(workers);
      if (done.length > 0) await deps.inventory.clearAcks(done);
    },
  };
}
