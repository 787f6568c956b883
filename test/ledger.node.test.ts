import { describe, expect, it } from 'vitest';
import { balanceDelta, mergeOrders, newOrder, transition, type OrderRecord } from '../src/ledger/order';
import { DEFAULT_RETENTION, isExpiredEvent, isExpiredOrder } from '../src/ledger/retention';

const lines = [{ sku: 'gold', quantity: 100 }, { sku: 'sword', quantity: 1 }];
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
  const byOrder = (status: OrderRecord['status']): OrderRecord => ({ ...newOrder({ orderId: '1' }), status, lines: status === 'pending' ? [] : lines, eventIds: [2] });
  const byTx = (status: OrderRecord['status']): OrderRecord => ({ ...newOrder({ transactionId: '501' }), status, lines: status === 'granted' || status === 'revoked' ? lines : [], eventIds: [1] });
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
    expect(mergeOrders(byOrder('granted'), byTx('pending'))).toMatchObject({ key: 'o:1', orderId: '1', transactionId: '501', eventIds: [1, 2] });
  });
});

describe('what the ledger may forget', () => {
  const day = 86_400_000;
  const record = (outcome: 'granted' | 'quarantined' | 'otherProject' | 'unsupported') => ({ id: 1, type: 'order_paid', outcome, appliedAt: 0 });
  it('drops acked event records after the window, never quarantined, foreign or unacked ones', () => {
    expect(isExpiredEvent(record('granted'), 29 * day, DEFAULT_RETENTION, false)).toBe(false);
    expect(isExpiredEvent(record('granted'), 31 * day, DEFAULT_RETENTION, false)).toBe(true);
    expect(isExpiredEvent(record('unsupported'), 31 * day, DEFAULT_RETENTION, false)).toBe(true);
    expect(isExpiredEvent(record('granted'), 999 * day, DEFAULT_RETENTION, true)).toBe(false);
    expect(isExpiredEvent(record('quarantined'), 999 * day, DEFAULT_RETENTION, false)).toBe(false);
    expect(isExpiredEvent(record('otherProject'), 999 * day, DEFAULT_RETENTION, false)).toBe(false);
  });
  it('keeps granted and pending orders for good, and closed ones for the closed-order window', () => {
    const order = (status: OrderRecord['status']): OrderRecord => ({ ...newOrder({ orderId: '1' }), status, revokedAt: 0 });
    expect(isExpiredOrder(order('granted'), 9999 * day, DEFAULT_RETENTION, false)).toBe(false);
    expect(isExpiredOrder(order('pending'), 9999 * day, DEFAULT_RETENTION, false)).toBe(false);
    expect(isExpiredOrder(order('revoked'), 399 * day, DEFAULT_RETENTION, false)).toBe(false);
    expect(isExpiredOrder(order('revoked'), 401 * day, DEFAULT_RETENTION, false)).toBe(true);
    expect(isExpiredOrder(order('voided'), 401 * day, DEFAULT_RETENTION, true)).toBe(false);
  });
});
