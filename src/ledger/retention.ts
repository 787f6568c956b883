/**
 * What the ledger may forget, and when. Pure predicates; the store runs them over its records.
 *
 * - An event record only deduplicates a redelivery of the same event id. Once the event is
 *   acked the server never sends it again, and a redelivered grant would still meet its order
 *   record. So an acked event record goes after `eventsMs`.
 * - A granted (or pending) order is kept for good: a refund may come months later, and only the
 *   order record knows what to take back.
 * - A revoked order, or a voided one whose late grant has been recorded, is final. It is kept for
 *   `closedOrdersMs` so that a straggling grant for it is still recognised, then dropped.
 * - A voided order still waiting for its grant (a tombstone) is kept for good: the grant could
 *   still arrive, and the record is tiny.
 * - Nothing with a pending ack, and no quarantined or other-project record, is ever dropped: those
 *   events are still on the server and come back on every poll.
 *
 * The device clock belongs to the player (DESIGN.md §2): it may be years off. So a record is
 * old only when it is old by the device's clock AND by the server's (the newest `created_at` the
 * ledger holds, against the record's own); a record with no server time is never dropped.
 */
import type { EventRecord } from './records';
import type { OrderRecord } from './order';

export interface Retention {
  eventsMs: number;
  closedOrdersMs: number;
}

/** "Now" by the device, and by the server: the newest server time the ledger knows, if any. */
export interface RetentionClock {
  deviceNow: number;
  serverNow: number | undefined;
}

const DAY = 24 * 60 * 60 * 1000;
export const DEFAULT_RETENTION: Retention = { eventsMs: 30 * DAY, closedOrdersMs: 400 * DAY };

/** Older than `windowMs` by both clocks; a missing time on either side means "not provably old". */
function isOlderThan(deviceTime: number | undefined, serverTime: number | undefined, clock: RetentionClock, windowMs: number): boolean {
  if (deviceTime === undefined || serverTime === undefined || clock.serverNow === undefined) return false;
  return clock.deviceNow - deviceTime > windowMs && clock.serverNow - serverTime > windowMs;
}

export function isExpiredEvent(record: EventRecord, clock: RetentionClock, retention: Retention, pendingAck: boolean): boolean {
  if (pendingAck || record.outcome === 'quarantined' || record.outcome === 'otherProject') return false;
  return isOlderThan(record.appliedAt, record.createdAt, clock, retention.eventsMs);
}

export function isExpiredOrder(order: OrderRecord, clock: RetentionClock, retention: Retention, hasPendingAck: boolean): boolean {
  if (hasPendingAck || (order.status !== 'revoked' && order.status !== 'voided')) return false;
  const awaitingGrant = order.status === 'voided' && order.lines.length === 0;
  return !awaitingGrant && isOlderThan(order.revokedAt, order.revokedAtServer, clock, retention.closedOrdersMs);
}
