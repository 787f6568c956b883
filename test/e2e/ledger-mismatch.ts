/**
 * What a crash test prints when the ledger and the emulator disagree: the balances by SKU (paid
 * against the ledger), the orders that differ with their events (what the ledger recorded of
 * each, and when its first ack reached the emulator against the kills), so a failure seen once
 * under load can be read without replaying it.
 */
import type { EventRecord, Order } from '../../src';

export interface Kill {
  round: number;
  /** Milliseconds since the test started. */
  at: number;
}

export interface MismatchInput {
  paid: Record<string, number>;
  ledger: { balances: Record<string, number>; orders: Order[]; events: Record<number, EventRecord | undefined> };
  emulator: {
    orders: Array<{ orderId: string; mode: string; items: Array<{ sku: string; quantity: number }> }>;
    events: Array<{ id: number; processed: boolean; data: unknown }>;
  };
  /** Event id → when its first ack reached the emulator, in milliseconds since the test started. */
  firstAckAt: ReadonlyMap<number, number>;
  kills: readonly Kill[];
}

type Line = { sku: string; quantity: number };
const units = (lines: readonly Line[]) => lines.map(({ sku, quantity }) => `${sku}×${quantity}`).join(', ') || 'nothing';
const sameUnits = (a: readonly Line[], b: readonly Line[]) => units([...a].sort(bySku)) === units([...b].sort(bySku));
const bySku = (a: Line, b: Line) => a.sku.localeCompare(b.sku);

/** The order an emulator event pays for: `order.id` in an order_paid body, `purchase.order.id` in a payment's. */
function orderIdOf(data: unknown): string | undefined {
  const body = data as { order?: { id?: unknown }; purchase?: { order?: { id?: unknown } } } | null;
  const id = body?.order?.id ?? body?.purchase?.order?.id;
  return id === undefined ? undefined : String(id);
}

/** When an event's first ack came, against the nearest kill. */
function ackTiming(at: number | undefined, kills: readonly Kill[]): string {
  if (at === undefined) return 'no ack seen';
  const nearest = kills.reduce<Kill | undefined>(
    (best, kill) => (best && Math.abs(best.at - at) <= Math.abs(kill.at - at) ? best : kill),
    undefined,
  );
  if (!nearest) return `first ack +${at} ms`;
  const gap = nearest.at - at;
  return `first ack +${at} ms, ${Math.abs(gap)} ms ${gap >= 0 ? 'before' : 'after'} kill ${nearest.round}`;
}

/** Orders listed in full; the rest are counted (a bug that loses whole pages would print hundreds). */
const ORDERS_SHOWN = 20;

/** Empty when the ledger holds what was paid, every order granted once; else what differs, one line each. */
export function describeMismatch({ paid, ledger, emulator, firstAckAt, kills }: MismatchInput): string {
  const lines: string[] = [];
  const skus = [...new Set([...Object.keys(paid), ...Object.keys(ledger.balances)])].sort();
  const skuDiffs = skus.flatMap((sku) => {
    const [expected, held] = [paid[sku] ?? 0, ledger.balances[sku] ?? 0];
    return expected === held ? [] : [`${sku}: paid ${expected}, ledger ${held} (${held > expected ? '+' : ''}${held - expected})`];
  });
  if (skuDiffs.length > 0) lines.push(`balances: ${skuDiffs.join('; ')}`);

  const ledgerOrders = new Map(ledger.orders.map((order) => [order.orderId, order]));
  const orderLines: string[] = [];
  for (const order of emulator.orders) {
    const held = ledgerOrders.get(order.orderId);
    ledgerOrders.delete(order.orderId);
    if (held?.status === 'granted' && sameUnits(held.items, order.items)) continue;
    const events = emulator.events
      .filter((event) => orderIdOf(event.data) === order.orderId)
      .map((event) => {
        const record = ledger.events[event.id];
        const recorded = record ? `${record.outcome}${record.reason ? ` (${record.reason})` : ''}` : 'no record';
        return `#${event.id} ${event.processed ? 'acked' : 'unacked'}, ${ackTiming(firstAckAt.get(event.id), kills)}, ledger: ${recorded}`;
      });
    const verdict = held ? `${held.status} ${units(held.items)} by events ${held.eventIds.join(', ')}` : 'missing';
    orderLines.push(`order ${order.orderId} (${order.mode}) paid ${units(order.items)}; ledger: ${verdict}; ${events.join('; ')}`);
  }
  for (const order of ledgerOrders.values())
    orderLines.push(`ledger order ${order.orderId} unknown to the emulator: ${units(order.items)}`);
  lines.push(...orderLines.slice(0, ORDERS_SHOWN));
  if (orderLines.length > ORDERS_SHOWN) lines.push(`and ${orderLines.length - ORDERS_SHOWN} more orders that differ`);
  if (lines.length > 0) lines.push(`kills: ${kills.map(({ round, at }) => `${round} at +${at} ms`).join(', ')}`);
  return lines.join('\n');
}
