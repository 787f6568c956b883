import { describe, expect, it } from 'vitest';
import { balanceDelta, mergeOrders, newOrder, transition, type OrderRecord } from '../src/ledger/order';
import { DEFAULT_RETENTION, isExpiredEvent, isExpiredOrder } from '../src/ledger/retention';
import type { EventRecord } from '../src/ledger/records';

const lines = [
  { sku: 'gold', quantity: 100 },
  { sku: 'sword', quantity: 1 },
];
const keys = { orderId: '1', transactionId: '501' };
const step = (order: OrderRecord, action: 'grant' | 'revoke' | 'recordTransaction', id: number) =>
  transition(order, action, { id, keys, lines: action === 'grant' ? lines : undefined }, 1000 + id);
const delta = (before: OrderRecord, after: OrderRecord) => Object.fromEntries(balanceDelta([before], [after]));

describe('an order’s life in the ledger', () => {
  it('grants once, then every further grant is a duplicate that changes nothing', () => {
    const pending = newOrder(keys);
    const granted = step(pending, 'grant', 1);
    expect(granted.outcome).toBe('granted');
    expect(delta(pending, granted.order)).toEqual({ gold: 100, sword: 1 });
    const again = step(granted.order, 'grant', 2);
    expect(again.outcome).toBe('duplicate');
    expect(delta(granted.order, again.order)).toEqual({});
  });

  it('revokes exactly what was granted, once', () => {
    const granted = step(newOrder(keys), 'grant', 1).order;
    const revoked = step(granted, 'revoke', 2);
    expect(revoked.outcome).toBe('revoked');
    expect(delta(granted, revoked.order)).toEqual({ gold: -100, sword: -1 });
    const twice = step(revoked.order, 'revoke', 3);
    expect(twice.outcome).toBe('duplicate');
    expect(delta(revoked.order, twice.order)).toEqual({});
  });

  it('a refund before the grant leaves a tombstone; the late grant is recorded, not applied', () => {
    const tomb = step(newOrder(keys), 'revoke', 1);
    expect(tomb.outcome).toBe('tombstoned');
    expect(tomb.order.status).toBe('voided');
    const late = step(tomb.order, 'grant', 2);
    expect(late.outcome).toBe('voided');
    expect(late.order.lines).toEqual(lines);
    expect(delta(tomb.order, late.order)).toEqual({});
    expect(step(late.order, 'grant', 3).outcome).toBe('duplicate');
  });

  it('a payment without items links the transaction; its order_paid grants', () => {
    const recorded = step(newOrder({ transactionId: '501' }), 'recordTransaction', 1);
    expect(recorded.outcome).toBe('recorded');
    const granted = step(recorded.order, 'grant', 2);
    expect(granted.outcome).toBe('granted');
    expect(granted.order).toMatchObject({ orderId: '1', transactionId: '501', eventIds: [1, 2] });
  });
});

describe('merging two records of one purchase', () => {
  const byOrder = (status: OrderRecord['status']): OrderRecord => ({
    ...newOrder({ orderId: '1' }),
    status,
    lines: status === 'pending' ? [] : lines,
    eventIds: [2],
  });
  const byTx = (status: OrderRecord['status']): OrderRecord => ({
    ...newOrder({ transactionId: '501' }),
    status,
    lines: status === 'granted' || status === 'revoked' ? lines : [],
    eventIds: [1],
  });
  const mergedDelta = (a: OrderRecord, b: OrderRecord) => Object.fromEntries(balanceDelta([a, b], [mergeOrders(a, b)]));

  it('granted twice under two keys: one grant is taken back', () => {
    expect(mergeOrders(byOrder('granted'), byTx('granted')).status).toBe('granted');
    expect(mergedDelta(byOrder('granted'), byTx('granted'))).toEqual({ gold: -100, sword: -1 });
  });
  it('granted on one side, voided on the other: the grant is revoked', () => {
    const merged = mergeOrders(byOrder('granted'), byTx('voided'));
    expect(merged.status).toBe('revoked');
    expect(mergedDelta(byOrder('granted'), byTx('voided'))).toEqual({ gold: -100, sword: -1 });
  });
  it('pending and voided stay voided with nothing to apply', () => {
    expect(mergeOrders(byOrder('pending'), byTx('voided')).status).toBe('voided');
    expect(mergedDelta(byOrder('pending'), byTx('voided'))).toEqual({});
  });
  it('keeps both ids and every event id', () => {
    expect(mergeOrders(byOrder('granted'), byTx('pending'))).toMatchObject({
      key: 'o:1',
      orderId: '1',
      transactionId: '501',
      eventIds: [1, 2],
    });
  });
});

describe('what the ledger may forget', () => {
  const day = 86_400_000;
  /** Both clocks agree: `days` after the record. */
  const after = (days: number) => ({ deviceNow: days * day, serverNow: days * day });
  const record = (outcome: 'granted' | 'quarantined' | 'otherProject' | 'unsupported'): EventRecord => ({
    id: 1,
    type: 'order_paid',
    outcome,
    appliedAt: 0,
    createdAt: 0,
  });
  const order = (status: OrderRecord['status'], withLines = true): OrderRecord => ({
    ...newOrder({ orderId: '1' }),
    status,
    lines: withLines ? lines : [],
    revokedAt: 0,
    revokedAtServer: 0,
  });

  it('drops acked event records after the window, never quarantined, foreign or unacked ones', () => {
    expect(isExpiredEvent(record('granted'), after(29), DEFAULT_RETENTION, false)).toBe(false);
    expect(isExpiredEvent(record('granted'), after(31), DEFAULT_RETENTION, false)).toBe(true);
    expect(isExpiredEvent(record('unsupported'), after(31), DEFAULT_RETENTION, false)).toBe(true);
    expect(isExpiredEvent(record('granted'), after(999), DEFAULT_RETENTION, true)).toBe(false);
    expect(isExpiredEvent(record('quarantined'), after(999), DEFAULT_RETENTION, false)).toBe(false);
    expect(isExpiredEvent(record('otherProject'), after(999), DEFAULT_RETENTION, false)).toBe(false);
  });
  it('keeps granted and pending orders for good, and closed ones for the closed-order window', () => {
    expect(isExpiredOrder(order('granted'), after(9999), DEFAULT_RETENTION, false)).toBe(false);
    expect(isExpiredOrder(order('pending', false), after(9999), DEFAULT_RETENTION, false)).toBe(false);
    expect(isExpiredOrder(order('revoked'), after(399), DEFAULT_RETENTION, false)).toBe(false);
    expect(isExpiredOrder(order('revoked'), after(401), DEFAULT_RETENTION, false)).toBe(true);
    expect(isExpiredOrder(order('voided'), after(401), DEFAULT_RETENTION, false)).toBe(true);
    expect(isExpiredOrder(order('voided'), after(401), DEFAULT_RETENTION, true)).toBe(false);
  });
  it('a tombstone still waiting for its grant is never dropped', () => {
    expect(isExpiredOrder(order('voided', false), after(99_999), DEFAULT_RETENTION, false)).toBe(false);
  });
  it('the device clock alone never makes a record old: the server’s time must agree', () => {
    const deviceRacedAhead = { deviceNow: 9999 * day, serverNow: 1 * day };
    const deviceFarBehind = { deviceNow: -730 * day, serverNow: 9999 * day };
    for (const clock of [deviceRacedAhead, deviceFarBehind]) {
      expect(isExpiredEvent(record('granted'), clock, DEFAULT_RETENTION, false)).toBe(false);
      expect(isExpiredOrder(order('revoked'), clock, DEFAULT_RETENTION, false)).toBe(false);
    }
  });
  it('a record with no server time, or a ledger that knows no server time, keeps everything', () => {
    const { createdAt: _event, ...undatedRecord } = record('granted');
    const { revokedAtServer: _order, ...undatedOrder } = order('revoked');
    expect(isExpiredEvent(undatedRecord, after(9999), DEFAULT_RETENTION, false)).toBe(false);
    expect(isExpiredOrder(undatedOrder, after(9999), DEFAULT_RETENTION, false)).toBe(false);
    expect(isExpiredEvent(record('granted'), { deviceNow: 9999 * day, serverNow: undefined }, DEFAULT_RETENTION, false)).toBe(false);
  });
});

describe('the server’s time of an order’s closing', () => {
  it('is recorded by the revoking event and kept through a merge', () => {
    const granted = step(newOrder(keys), 'grant', 1).order;
    const revoked = transition(granted, 'revoke', { id: 2, keys, createdAt: 5_000 }, 10).order;
    expect(revoked).toMatchObject({ status: 'revoked', revokedAt: 10, revokedAtServer: 5_000 });
    const tomb = transition(
      newOrder({ transactionId: '501' }),
      'revoke',
      { id: 3, keys: { transactionId: '501' }, createdAt: 7_000 },
      11,
    ).order;
    expect(mergeOrders(step(newOrder({ orderId: '1' }), 'grant', 4).order, tomb)).toMatchObject({
      status: 'revoked',
      revokedAtServer: 7_000,
    });
  });
});
