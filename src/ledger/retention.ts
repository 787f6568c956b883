/**
 * What the ledger may forget, and when. Pure predicates; the store runs them over its records.
 *
 * - An event record only deduplicates a redelivery of the same event id. Once the event is
 *   acked the server never sends it again, and a redelivered grant would still meet its order
 *   record. So an acked event record goes after `eventsMs`.
 * - A granted (or pending) order is kept for good: a refund may come months later, and only the
 *   order record knows what to take back.
 * - A revoked or voided order is final. It is kept for `closedOrdersMs` so that a straggling
 *   grant for it is still recognised, then dropped.
 * - Nothing with a pending ack, and no quarantined or other-project record, is ever dropped: those
 *   events are still on the server and come back on every poll.
 */
import type { EventRecord } from '../store/inventory';
import type { OrderRecord } from './order';

export interface Retention {
  eventsMs: number;
  closedOrdersMs: number;
}

const DAY = 24 * 60 * 60 * 1000;
export const DEFAULT_RETENTION: Retention = { eventsMs: 30 * DAY, closedOrdersMs: 400 * DAY };

export function isExpiredEvent(record: EventRecord, now: number, retention: Retention, pendingAck: boolean): boolean {
  if (pendingAck || record.outcome === 'quarantined' || record.outcome === 'otherProject') return false;
  return now - record.appliedAt > retention.eventsMs;
}

export function isExpiredOrder(order: OrderRecord, now: number, retention: Retention, hasPendingAck: boolean): boolean {
  if (hasPendingAck || (order.status !== 'revoked' && order.status !== 'voided')) return false;
  return order.revokedAt !== undefined && now - order.revokedAt > retention.closedOrdersMs;
}
