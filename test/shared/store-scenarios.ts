/**
 * The ledger's guarantees, written once and run against fake-indexeddb (Node) and Chromium's
 * real IndexedDB (browser mode).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InsufficientBalanceError, StorageFullError } from '../../src/errors';
import { DEFAULT_RETENTION } from '../../src/ledger/retention';
import { parseEvent } from '../../src/events/parse';
import type { ParsedEvent } from '../../src/events/plan';
import { openDatabase } from '../../src/store/database';
import { createInventory, type Inventory } from '../../src/store/inventory';
import * as x from '../fixtures/xsolla';

export interface StoreEnvironment {
  factory: () => IDBFactory;
  /** The prototype whose `put` a test may break to simulate a failing write. */
  objectStorePrototype: IDBObjectStore;
}

const parsed = (id: number, data: unknown) => parseEvent(x.event(id, data), x.PROJECT_ID) as ParsedEvent;

export function storeScenarios(env: StoreEnvironment) {
  let counter = 0;
  const opened: Inventory[] = [];
  const open = (name = `store-test-${Date.now()}-${counter++}`) => {
    const inventory = createInventory(openDatabase(env.factory(), name));
    opened.push(inventory);
    return { inventory, name };
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((inventory) => inventory.close()));
  });

  describe('applying events to the inventory', () => {
    it('commits balances, order, event record and pending ack together', async () => {
      const { inventory } = open();
      const [applied] = await inventory.applyBatch([parsed(1, x.combinedOrderPaid(2, 601))], 1);
      expect(applied).toMatchObject({ outcome: 'granted', ack: true, changed: ['virtual-good-item_test', 'virtual-good-item_test_test_new', 'gold'] });
      expect(await inventory.balances()).toEqual({ 'virtual-good-item_test': 3, 'virtual-good-item_test_test_new': 1, gold: 1500 });
      expect(await inventory.order(2)).toMatchObject({ orderId: '2', transactionId: '601', status: 'granted', eventIds: [1] });
      expect(await inventory.order('601')).toMatchObject({ orderId: '2' });
      expect(await inventory.event(1)).toMatchObject({ outcome: 'granted' });
      expect(await inventory.pendingAcks()).toEqual([1]);
      await inventory.clearAcks([1]);
      expect(await inventory.pendingAcks()).toEqual([]);
    });

    it('rolls the whole batch back when a write fails mid-transaction, then grants once on retry', async () => {
      const { inventory } = open();
      const proto = env.objectStorePrototype as IDBObjectStore & { put: IDBObjectStore['put'] };
      const realPut = proto.put;
      // The pending-ack write is the last of an event's writes: fail it to simulate a crash
      // after balances and order were written inside the transaction.
      proto.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
        if (this.name === 'acks') throw new DOMException('simulated quota failure', 'QuotaExceededError');
        return realPut.apply(this, args);
      };
      try {
        await expect(inventory.applyBatch([parsed(1, x.combinedOrderPaid(2, 601))], 1)).rejects.toBeInstanceOf(StorageFullError);
      } finally {
        proto.put = realPut;
      }
      expect(await inventory.balances()).toEqual({});
      expect(await inventory.order(2)).toBeUndefined();
      expect(await inventory.event(1)).toBeUndefined();
      expect(await inventory.pendingAcks()).toEqual([]);

      const [retried] = await inventory.applyBatch([parsed(1, x.combinedOrderPaid(2, 601))], 2);
      expect(retried?.outcome).toBe('granted');
      expect(await inventory.balance('gold')).toBe(1500);
    });

    it('a redelivered event is a no-op that is acked again', async () => {
      const { inventory } = open();
      await inventory.applyBatch([parsed(1, x.combinedOrderPaid())], 1);
      await inventory.clearAcks([1]);
      const [again] = await inventory.applyBatch([parsed(1, x.combinedOrderPaid())], 2);
      expect(again).toMatchObject({ outcome: 'duplicate', ack: true });
      expect(await inventory.balance('gold')).toBe(1500);
      expect(await inventory.pendingAcks()).toEqual([1]);
    });

    it('grants a purchase described by payment AND order_paid exactly once, and revokes it once', async () => {
      const { inventory } = open();
      const applied = await inventory.applyBatch(
        [parsed(1, x.paymentWithLineItems(1, 501)), parsed(2, x.separateOrderPaid(1, 501)), parsed(3, x.refund(1, 501)), parsed(4, x.separateOrderCanceled(1, 501))],
        1,
      );
      expect(applied.map((event) => event.outcome)).toEqual(['granted', 'duplicate', 'revoked', 'duplicate']);
      expect(await inventory.balances()).toEqual({ skill: 0 });
      expect(await inventory.order(1)).toMatchObject({ status: 'revoked', eventIds: [1, 2, 3, 4] });
    });

    it('links a payment without items to its order_paid by invoice id', async () => {
      const { inventory } = open();
      const applied = await inventory.applyBatch([parsed(1, x.paymentWithoutItems(501)), parsed(2, x.separateOrderPaid(1, 501))], 1);
      expect(applied.map((event) => event.outcome)).toEqual(['recorded', 'granted']);
      expect(await inventory.order(1)).toMatchObject({ orderId: '1', transactionId: '501', status: 'granted', eventIds: [1, 2] });
      expect(await inventory.orders()).toHaveLength(1);
    });

    it('a refund before its grant leaves a tombstone; the late grant is recorded and acked, not applied', async () => {
      const { inventory } = open();
      const applied = await inventory.applyBatch([parsed(1, x.combinedOrderCanceled(2, 601)), parsed(2, x.combinedOrderPaid(2, 601))], 1);
      expect(applied.map((event) => [event.outcome, event.ack])).toEqual([['tombstoned', true], ['voided', true]]);
      expect(await inventory.balances()).toEqual({});
      expect(await inventory.order(2)).toMatchObject({ status: 'voided' });
    });

    it('merges a purchase first seen under two ids and never leaves it granted twice', async () => {
      const { inventory } = open();
      const onlyOrder = { notification_type: 'order_paid', items: [{ sku: 'gem', quantity: 5 }], order: { id: 9 } };
      const onlyTx = { notification_type: 'payment', purchase: { order: { lineitems: [{ sku: 'gem', quantity: 5 }] } }, transaction: { id: 909 } };
      const linking = { notification_type: 'refund', purchase: { order: { id: 9 } }, transaction: { id: 909 } };
      const applied = await inventory.applyBatch([parsed(1, onlyOrder), parsed(2, onlyTx), parsed(3, linking)], 1);
      expect(applied.map((event) => event.outcome)).toEqual(['granted', 'granted', 'revoked']);
      expect(await inventory.balance('gem')).toBe(0);
      expect(await inventory.orders()).toEqual([expect.objectContaining({ orderId: '9', transactionId: '909', status: 'revoked' })]);
    });

    it('reports a grant taken back by linking it to an earlier refund as revoked', async () => {
      const { inventory } = open();
      const paid = { notification_type: 'order_paid', items: [{ sku: 'gold', quantity: 5 }], order: { id: 10 } };
      const refundByTx = { notification_type: 'refund', transaction: { id: 77 } };
      const linking = { notification_type: 'order_canceled', items: [], order: { id: 10, invoice_id: '77' } };
      const applied = await inventory.applyBatch([parsed(1, paid), parsed(2, refundByTx), parsed(3, linking)], 1);
      expect(applied.map((event) => event.outcome)).toEqual(['granted', 'tombstoned', 'revoked']);
      expect(applied[2]?.order?.items).toEqual([{ sku: 'gold', quantity: 5 }]);
      expect(await inventory.balance('gold')).toBe(0);
    });

    it('finds an order by any id an event named it by, however the id was written', async () => {
      const { inventory } = open();
      const payment = { ...x.paymentWithLineItems(), purchase: { order: { id: '000000001', lineitems: [{ sku: 'skill', quantity: 1 }] } } };
      const applied = await inventory.applyBatch([parsed(1, payment), parsed(2, x.separateOrderPaid(1, 501))], 1);
      expect(applied.map((event) => event.outcome)).toEqual(['granted', 'duplicate']);
      for (const id of [1, '1', '000000001', 501, '501']) expect(await inventory.order(id)).toMatchObject({ orderId: '1', status: 'granted' });
      expect(await inventory.order({} as never)).toBeUndefined();
    });

    it('keeps __proto__ and constructor as plain SKUs', async () => {
      const { inventory } = open();
      const items = JSON.parse('[{"sku":"__proto__","quantity":2},{"sku":"constructor","quantity":3}]');
      await inventory.applyBatch([parsed(1, { ...x.separateOrderPaid(), items })], 1);
      const balances = await inventory.balances();
      expect(Object.keys(balances).sort()).toEqual(['__proto__', 'constructor']);
      expect(balances['__proto__']).toBe(2);
      expect(await inventory.balance('constructor')).toBe(3);
      expect(({} as Record<string, unknown>).constructor).toBe(Object);
    });

    it('quarantines a grant that would push a balance past the safe range', async () => {
      const { inventory } = open();
      const big = (orderId: number) => ({ notification_type: 'order_paid', items: [{ sku: 'gold', quantity: Number.MAX_SAFE_INTEGER - 1 }], order: { id: orderId } });
      const applied = await inventory.applyBatch([parsed(1, big(1)), parsed(2, big(2))], 1);
      expect(applied.map((event) => [event.outcome, event.ack])).toEqual([['granted', true], ['quarantined', false]]);
      expect(await inventory.event(2)).toMatchObject({ reason: 'balance-overflow' });
      expect(await inventory.balance('gold')).toBe(Number.MAX_SAFE_INTEGER - 1);
      expect(await inventory.order(2)).toBeUndefined();
    });

    it('quarantined and other-project events are stored aside, never acked, then skipped', async () => {
      const { inventory } = open();
      const other = { ...x.paymentWithLineItems(), settings: { project_id: 1 } };
      const bad = { ...x.separateOrderPaid(), items: [{ sku: 'gold', quantity: -1 }] };
      const first = await inventory.applyBatch([parsed(1, other), parsed(2, bad), parsed(3, x.userValidation())], 1);
      expect(first.map((event) => [event.outcome, event.ack])).toEqual([['otherProject', false], ['quarantined', false], ['unsupported', true]]);
      expect(await inventory.event(2)).toMatchObject({ reason: 'invalid-quantity', data: bad });
      const second = await inventory.applyBatch([parsed(1, other), parsed(2, bad)], 2);
      expect(second.map((event) => [event.outcome, event.ack])).toEqual([['skipped', false], ['skipped', false]]);
      expect(await inventory.pendingAcks()).toEqual([3]);
      expect(await inventory.balances()).toEqual({});
    });

    it('two connections to one database (two tabs) applying the same events grant once', async () => {
      const { inventory: tabA, name } = open();
      const { inventory: tabB } = open(name);
      const batch = [parsed(1, x.combinedOrderPaid(2, 601)), parsed(2, x.legacyPayment(502))];
      const [a, b] = await Promise.all([tabA.applyBatch(batch, 1), tabB.applyBatch(batch, 1)]);
      const outcomes = [...a, ...b].map((event) => event.outcome).sort();
      expect(outcomes).toEqual(['duplicate', 'duplicate', 'granted', 'granted']);
      expect(await tabA.balance('gold')).toBe(1500);
      expect(await tabB.balance('test_package')).toBe(10);
    });

    it('consume() is atomic: it takes all or, when short, nothing', async () => {
      const { inventory } = open();
      await inventory.applyBatch([parsed(1, x.combinedOrderPaid())], 1);
      expect(await inventory.consume('gold', 500)).toBe(1000);
      const short = inventory.consume('gold', 1001);
      await expect(short).rejects.toBeInstanceOf(InsufficientBalanceError);
      await expect(short).rejects.toMatchObject({ sku: 'gold', requested: 1001, available: 1000 });
      await expect(inventory.consume('gold', 0)).rejects.toThrow(/positive safe integer/);
      await expect(inventory.consume('gold', 1.5)).rejects.toThrow(/positive safe integer/);
      const racing = await Promise.allSettled([inventory.consume('gold', 600), inventory.consume('gold', 600)]);
      expect(racing.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect(await inventory.balance('gold')).toBe(400);
    });

    it('lets balances go negative when a refund follows spending', async () => {
      const { inventory } = open();
      await inventory.applyBatch([parsed(1, x.combinedOrderPaid(2, 601))], 1);
      await inventory.consume('gold', 1000);
      await inventory.applyBatch([parsed(2, x.combinedOrderCanceled(2, 601))], 2);
      expect(await inventory.balance('gold')).toBe(-1000);
    });

    it('compacts old records without forgetting what could still be refunded or redelivered', async () => {
      const { inventory } = open();
      const day = 24 * 60 * 60 * 1000;
      const bad = { ...x.separateOrderPaid(9, 909), items: [{ sku: 'gold', quantity: -1 }] };
      await inventory.applyBatch(
        [parsed(1, x.combinedOrderPaid(2, 601)), parsed(2, x.combinedOrderPaid(3, 701)), parsed(3, x.combinedOrderCanceled(3, 701)), parsed(4, bad), parsed(5, x.legacyPayment(502))],
        0,
      );
      await inventory.clearAcks([1, 2, 3]); // event 5 is still waiting for its ack
      expect(await inventory.compact(31 * day, DEFAULT_RETENTION)).toEqual({ events: 3, orders: 0 });
      expect(await inventory.event(1)).toBeUndefined();
      expect(await inventory.event(4)).toMatchObject({ outcome: 'quarantined' });
      expect(await inventory.event(5)).toMatchObject({ outcome: 'granted' });

      // A granted order outlives its event record: a redelivery is still a duplicate, a refund still works.
      const [redelivered] = await inventory.applyBatch([parsed(1, x.combinedOrderPaid(2, 601))], 32 * day);
      expect(redelivered?.outcome).toBe('duplicate');
      expect(await inventory.balance('gold')).toBe(1500);

      expect(await inventory.compact(401 * day, DEFAULT_RETENTION)).toEqual({ events: 0, orders: 1 });
      expect(await inventory.order(3)).toBeUndefined();
      expect(await inventory.order(2)).toMatchObject({ status: 'granted' });
      const [refund] = await inventory.applyBatch([parsed(6, x.combinedOrderCanceled(2, 601))], 402 * day);
      expect(refund?.outcome).toBe('revoked');
      expect(await inventory.balance('gold')).toBe(0);
    });

    it('survives closing and reopening the database', async () => {
      const { inventory, name } = open();
      await inventory.applyBatch([parsed(1, x.combinedOrderPaid())], 1);
      await inventory.close();
      const { inventory: reopened } = open(name);
      expect(await reopened.balance('gold')).toBe(1500);
      const [again] = await reopened.applyBatch([parsed(1, x.combinedOrderPaid())], 2);
      expect(again?.outcome).toBe('duplicate');
    });
  });
}
