/**
 * The ledger's pure core: how an order's record changes with each event, and what that does to
 * balances. An order adds its lines to the balances exactly while its status is `granted`, so
 * every change moves balances by `contribution(after) - contribution(before)`: a grant can only
 * be counted once and a revocation can only take back what was counted.
 */
import type { GrantLine, OrderKeys } from '../events/plan';

/**
 * - `pending`: the payment is known, its items are not yet (or not yet granted).
 * - `granted`: its lines are in the balances.
 * - `revoked`: they were, and a refund or cancellation took them back.
 * - `voided`: refunded or canceled before any grant; a later grant is recorded, never applied.
 */
export type OrderStatus = 'pending' | 'granted' | 'revoked' | 'voided';

export interface OrderRecord {
  /** Ledger key: `o:<orderId>` or `t:<transactionId>`, whichever was seen first. */
  key: string;
  orderId?: string;
  transactionId?: string;
  status: OrderStatus;
  /** What the order grants, once an event has listed it. */
  lines: GrantLine[];
  /** Ids of every event applied to this order, in the order they were applied. */
  eventIds: number[];
  /** Device clock times: the player's, so never enough alone to forget the order. */
  grantedAt?: number;
  revokedAt?: number;
  /** The server's `created_at` of the event that revoked or voided it, when it had one. */
  revokedAtServer?: number;
}

export type OrderOutcome =
  | 'granted'
  | 'revoked'
  | 'duplicate'
  | 'recorded'
  /** A refund or cancel that arrived before its grant: the order is voided. */
  | 'tombstoned'
  /** A grant for a voided order: its lines are recorded, not applied. */
  | 'voided'
  | 'partialRefund';

export type OrderAction = 'grant' | 'revoke' | 'recordTransaction' | 'partialRefund';

/** Link keys under which an order with these ids is found. */
export function linkKeys(keys: OrderKeys): string[] {
  const links: string[] = [];
  if (keys.orderId !== undefined) links.push(`o:${keys.orderId}`);
  if (keys.transactionId !== undefined) links.push(`t:${keys.transactionId}`);
  return links;
}

export function newOrder(keys: OrderKeys): OrderRecord {
  const [key] = linkKeys(keys);
  if (key === undefined) throw new TypeError('an order needs an order id or a transaction id');
  return { key, ...keys, status: 'pending', lines: [], eventIds: [] };
}

/** Applies one event's action. Never mutates its input. */
export function transition(
  order: OrderRecord,
  action: OrderAction,
  event: { id: number; keys: OrderKeys; lines?: GrantLine[]; createdAt?: number | undefined },
  now: number,
): { order: OrderRecord; outcome: OrderOutcome } {
  const next: OrderRecord = {
    ...order,
    orderId: order.orderId ?? event.keys.orderId,
    transactionId: order.transactionId ?? event.keys.transactionId,
    eventIds: [...order.eventIds, event.id],
  };
  if (next.orderId === undefined) delete next.orderId;
  if (next.transactionId === undefined) delete next.transactionId;

  switch (action) {
    case 'grant':
      if (order.status === 'pending') {
        return { order: { ...next, status: 'granted', lines: event.lines ?? [], grantedAt: now }, outcome: 'granted' };
      }
      if (order.status === 'voided' && order.lines.length === 0) {
        return { order: { ...next, lines: event.lines ?? [] }, outcome: 'voided' };
      }
      return { order: next, outcome: 'duplicate' };
    case 'revoke': {
      const closed = { ...next, revokedAt: now, ...(event.createdAt === undefined ? {} : { revokedAtServer: event.createdAt }) };
      if (order.status === 'granted') return { order: { ...closed, status: 'revoked' }, outcome: 'revoked' };
      if (order.status === 'pending') return { order: { ...closed, status: 'voided' }, outcome: 'tombstoned' };
      return { order: next, outcome: 'duplicate' };
    }
    case 'recordTransaction':
      return { order: next, outcome: 'recorded' };
    case 'partialRefund':
      return { order: next, outcome: 'partialRefund' };
  }
}

/**
 * One purchase seen first under two separate records (say a refund carrying only the
 * transaction id, then a grant carrying only the order id, then an event linking both).
 * The merged record keeps at most one grant, and stays revoked if either side was.
 */
export function mergeOrders(kept: OrderRecord, other: OrderRecord): OrderRecord {
  const sides = [kept, other];
  const grantedSide = sides.find((o) => o.status === 'granted' || o.status === 'revoked');
  const revokedSide = sides.find((o) => o.status === 'revoked' || o.status === 'voided');
  const lines = grantedSide?.lines ?? sides.find((o) => o.lines.length > 0)?.lines ?? [];
  let status: OrderStatus = 'pending';
  if (revokedSide) status = grantedSide ? 'revoked' : 'voided';
  else if (grantedSide) status = 'granted';
  const merged: OrderRecord = {
    key: kept.key,
    status,
    lines,
    eventIds: [...new Set([...kept.eventIds, ...other.eventIds])].sort((a, b) => a - b),
  };
  const orderId = kept.orderId ?? other.orderId;
  const transactionId = kept.transactionId ?? other.transactionId;
  if (orderId !== undefined) merged.orderId = orderId;
  if (transactionId !== undefined) merged.transactionId = transactionId;
  const grantedAt = grantedSide?.grantedAt;
  const revokedAt = revokedSide?.revokedAt;
  const revokedAtServer = revokedSide?.revokedAtServer;
  if (grantedAt !== undefined) merged.grantedAt = grantedAt;
  if (revokedAt !== undefined) merged.revokedAt = revokedAt;
  if (revokedAtServer !== undefined) merged.revokedAtServer = revokedAtServer;
  return merged;
}

/**
 * The outcome to report, counting what merging the event's order records did: an event that
 * links a granted record to a voided one takes the grant back, even though its own action
 * (a second refund, a late grant) was a duplicate.
 */
export function effectiveOutcome(before: readonly OrderRecord[], after: OrderRecord, outcome: OrderOutcome): OrderOutcome {
  const tookBack = before.some((order) => order.status === 'granted') && after.status === 'revoked';
  return outcome === 'duplicate' && tookBack ? 'revoked' : outcome;
}

/** What an order currently adds to each balance. */
export function contribution(order: OrderRecord | undefined): Map<string, number> {
  const totals = new Map<string, number>();
  if (order?.status !== 'granted') return totals;
  for (const { sku, quantity } of order.lines) totals.set(sku, (totals.get(sku) ?? 0) + quantity);
  return totals;
}

/** Balance changes that take the ledger from the `before` records to the `after` ones. */
export function balanceDelta(before: Array<OrderRecord | undefined>, after: Array<OrderRecord | undefined>): Map<string, number> {
  const delta = new Map<string, number>();
  const add = (orders: Array<OrderRecord | undefined>, sign: 1 | -1) => {
    for (const order of orders) {
      for (const [sku, quantity] of contribution(order)) delta.set(sku, (delta.get(sku) ?? 0) + sign * quantity);
    }
  };
  add(after, 1);
  add(before, -1);
  for (const [sku, change] of delta) if (change === 0) delta.delete(sku);
  return delta;
}
