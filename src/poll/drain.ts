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
  await sendAcks(deps, await deps.inventory.pendingAcks(), report, signal);

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
    await sendAcks(deps, applied.filter((event) => event.ack).map((event) => event.id), report, signal);

    const lastId = Math.max(0, ...parsed.map((event) => event.id));
    // A server that ignores after_id would hand back the same page forever.
    if (lastId <= (afterId ?? 0)) break;
    afterId = lastId;
  }
  return report;
}

/** Acks concurrently (bounded); a failed ack stays pending in the store for the next drain. */
async function sendAcks(deps: DrainDeps, ids: number[], report: PollReport, signal?: AbortSignal): Promise<void> {
  const done: number[] = [];
  const queue = [...ids];
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try {
        await deps.transport.markProcessed(id, { signal });
        done.push(id);
        report.acked++;
      } catch (error) {
        signal?.throwIfAborted();
        report.ackFailed++;
        deps.onAckError(error, id);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(queue.length, deps.ackConcurrency ?? 4) }, worker));
  if (done.length > 0) await deps.inventory.clearAcks(done);
}
