/**
 * The ledger's guarantees, written once and run against fake-indexeddb (Node) and each engine's
 * real IndexedDB (browser mode).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InsufficientBalanceError, StorageError, StorageFullError } from '../../src/errors';
import { DEFAULT_RETENTION } from '../../src/ledger/retention';
import { PARSER_VERSION, parseEvent } from '../../src/events/parse';
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
const DAY = 24 * 60 * 60 * 1000;
const SERVER_EPOCH = Date.parse('2025-04-03T00:00:00Z');
/** An event the server stamped `day` days after SERVER_EPOCH. */
const parsedOnDay = (id: number, data: unknown, day: number) =>
  parseEvent({ ...x.event(id, data), created_at: new Date(SERVER_EPOCH + day * DAY).toISOString() }, x.PROJECT_ID) as ParsedEvent;
/** Data nested `depth` levels deep, built without recursion. */
const nested = (depth: number) => {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level++) value = { level: value };
  return value;
};

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
      expect(applied).toMatchObject({
        outcome: 'granted',
        ack: true,
        changed: ['virtual-good-item_test', 'virtual-good-item_test_test_new', 'gold'],
      });
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
        [
          parsed(1, x.paymentWithLineItems(1, 501)),
          parsed(2, x.separateOrderPaid(1, 501)),
          parsed(3, x.refund(1, 501)),
          parsed(4, x.separateOrderCanceled(1, 501)),
        ],
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
      expect(applied.map((event) => [event.outcome, event.ack])).toEqual([
        ['tombstoned', true],
        ['voided', true],
      ]);
      expect(await inventory.balances()).toEqual({});
      expect(await inventory.order(2)).toMatchObject({ status: 'voided' });
    });

    it('merges a purchase first seen under two ids and never leaves it granted twice', async () => {
      const { inventory } = open();
      const onlyOrder = { notification_type: 'order_paid', items: [{ sku: 'gem', quantity: 5 }], order: { id: 9 } };
      const onlyTx = {
        notification_type: 'payment',
        purchase: { order: { lineitems: [{ sku: 'gem', quantity: 5 }] } },
        transaction: { id: 909 },
      };
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
      for (const id of [1, '1', '000000001', 501, '501'])
        expect(await inventory.order(id)).toMatchObject({ orderId: '1', status: 'granted' });
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
      const big = (orderId: number) => ({
        notification_type: 'order_paid',
        items: [{ sku: 'gold', quantity: Number.MAX_SAFE_INTEGER - 1 }],
        order: { id: orderId },
      });
      const applied = await inventory.applyBatch([parsed(1, big(1)), parsed(2, big(2))], 1);
      expect(applied.map((event) => [event.outcome, event.ack])).toEqual([
        ['granted', true],
        ['quarantined', false],
      ]);
      expect(await inventory.event(2)).toMatchObject({ reason: 'balance-overflow' });
      expect(await inventory.balance('gold')).toBe(Number.MAX_SAFE_INTEGER - 1);
      expect(await inventory.order(2)).toBeUndefined();
    });

    it('quarantined and other-project events are stored aside, never acked, then skipped', async () => {
      const { inventory } = open();
      const other = { ...x.paymentWithLineItems(), settings: { project_id: 1 } };
      const bad = { ...x.separateOrderPaid(), items: [{ sku: 'gold', quantity: -1 }] };
      const first = await inventory.applyBatch([parsed(1, other), parsed(2, bad), parsed(3, x.userValidation())], 1);
      expect(first.map((event) => [event.outcome, event.ack])).toEqual([
        ['otherProject', false],
        ['quarantined', false],
        ['unsupported', true],
      ]);
      expect(await inventory.event(2)).toMatchObject({ reason: 'invalid-quantity', data: bad });
      const second = await inventory.applyBatch([parsed(1, other), parsed(2, bad)], 2);
      expect(second.map((event) => [event.outcome, event.ack])).toEqual([
        ['skipped', false],
        ['skipped', false],
      ]);
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
      const bad = { ...x.separateOrderPaid(9, 909), items: [{ sku: 'gold', quantity: -1 }] };
      await inventory.applyBatch(
        [
          parsedOnDay(1, x.combinedOrderPaid(2, 601), 0),
          parsedOnDay(2, x.combinedOrderPaid(3, 701), 0),
          parsedOnDay(3, x.combinedOrderCanceled(3, 701), 0),
          parsedOnDay(4, bad, 0),
          parsedOnDay(5, x.legacyPayment(502), 0),
        ],
        0,
      );
      // Later news from the server: its clock, not the device's, says those records are old.
      await inventory.applyBatch([parsedOnDay(6, x.userValidation(), 31)], 31 * DAY);
      await inventory.clearAcks([1, 2, 3, 6]); // event 5 is still waiting for its ack
      expect(await inventory.compact(31 * DAY + 1, DEFAULT_RETENTION)).toEqual({ events: 3, orders: 0 });
      expect(await inventory.event(1)).toBeUndefined();
      expect(await inventory.event(4)).toMatchObject({ outcome: 'quarantined' });
      expect(await inventory.event(5)).toMatchObject({ outcome: 'granted' });
      expect(await inventory.event(6)).toMatchObject({ outcome: 'unsupported' });

      // A granted order outlives its event record: a redelivery is still a duplicate, a refund still works.
      const [redelivered] = await inventory.applyBatch([parsedOnDay(1, x.combinedOrderPaid(2, 601), 0)], 32 * DAY);
      expect(redelivered?.outcome).toBe('duplicate');
      expect(await inventory.balance('gold')).toBe(1500);

      await inventory.applyBatch([parsedOnDay(7, x.userValidation(), 402)], 402 * DAY);
      expect(await inventory.compact(402 * DAY, DEFAULT_RETENTION)).toMatchObject({ orders: 1 });
      expect(await inventory.order(3)).toBeUndefined();
      expect(await inventory.order(2)).toMatchObject({ status: 'granted' });
      const [refund] = await inventory.applyBatch([parsedOnDay(8, x.combinedOrderCanceled(2, 601), 403)], 403 * DAY);
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

  describe('another project’s purchases (issue #9, item 3)', () => {
    const foreignPayment = (orderId: number, transactionId: number) => ({
      ...x.paymentWithLineItems(orderId, transactionId),
      settings: { project_id: 1, merchant_id: 1 },
    });

    it('another project’s purchase in separate mode is neither granted nor acked, its order_paid on the same page included', async () => {
      const { inventory } = open();
      // The sibling order_paid carries no project, only order.id and invoice_id (= transaction id).
      const applied = await inventory.applyBatch(
        [parsed(1, foreignPayment(40, 4040)), parsed(2, x.separateOrderPaid(40, 4040)), parsed(3, x.separateOrderPaid(41, 4141))],
        1,
      );
      expect(applied.map((event) => [event.outcome, event.ack])).toEqual([
        ['otherProject', false],
        ['otherProject', false],
        ['granted', true],
      ]);
      expect(await inventory.balance('gold')).toBe(1500); // order 41 only
      expect(await inventory.order(40)).toBeUndefined();
      expect(await inventory.pendingAcks()).toEqual([3]);
      const again = await inventory.applyBatch([parsed(1, foreignPayment(40, 4040)), parsed(2, x.separateOrderPaid(40, 4040))], 2);
      expect(again.map((event) => [event.outcome, event.ack])).toEqual([
        ['skipped', false],
        ['skipped', false],
      ]);
      expect(await inventory.balance('gold')).toBe(1500);
    });

    it('another project’s purchase stays foreign when its order_paid comes on a later page, or before its payment', async () => {
      const { inventory } = open();
      await inventory.applyBatch([parsed(1, foreignPayment(40, 4040))], 1);
      const byInvoice = { ...x.separateOrderPaid(40, 4040), order: { id: 4000, invoice_id: '4040' } }; // linked by transaction id only
      const [paid] = await inventory.applyBatch([parsed(2, byInvoice)], 2);
      expect(paid).toMatchObject({ outcome: 'otherProject', ack: false });
      // Same page, sibling first: the page's foreign verdicts are known before any event is applied.
      const [early, payment] = await inventory.applyBatch(
        [parsed(3, x.separateOrderPaid(50, 5050)), parsed(4, foreignPayment(50, 5050))],
        3,
      );
      expect([early?.outcome, payment?.outcome]).toEqual(['otherProject', 'otherProject']);
      const [cancel] = await inventory.applyBatch([parsed(5, x.separateOrderCanceled(4000, 4040))], 4);
      expect(cancel).toMatchObject({ outcome: 'otherProject', ack: false });
      expect(await inventory.balances()).toEqual({});
      expect(await inventory.pendingAcks()).toEqual([]);
    });

    it('an event with no project and no link to a foreign order stays ours', async () => {
      const { inventory } = open();
      const applied = await inventory.applyBatch([parsed(1, foreignPayment(40, 4040)), parsed(2, x.separateOrderPaid(41, 4141))], 1);
      expect(applied.map((event) => [event.outcome, event.ack])).toEqual([
        ['otherProject', false],
        ['granted', true],
      ]);
      expect(await inventory.order(41)).toMatchObject({ status: 'granted' });
    });
  });

  describe('events that cannot be stored (issue #9, item 15)', () => {
    it('an event nested thousands of levels deep is quarantined, and the purchases around it are granted once', async () => {
      const { inventory } = open();
      const deep = { ...x.separateOrderPaid(7, 707), items: [{ sku: 'gold', quantity: -1 }], custom_parameters: nested(6000) };
      const deepButValid = { ...x.separateOrderPaid(8, 808), custom_parameters: nested(6000) };
      const page = [parsed(1, x.combinedOrderPaid(2, 601)), parsed(2, deep), parsed(3, deepButValid)];
      const applied = await inventory.applyBatch(page, 1);
      expect(applied.map((event) => [event.outcome, event.ack])).toEqual([
        ['granted', true],
        ['quarantined', false],
        ['granted', true],
      ]);
      expect(await inventory.event(2)).toMatchObject({ outcome: 'quarantined', reason: 'invalid-quantity' });
      expect(await inventory.balance('gold')).toBe(3000);
      const again = await inventory.applyBatch(page, 2);
      expect(again.map((event) => event.outcome)).toEqual(['duplicate', 'skipped', 'duplicate']);
      expect(await inventory.balance('gold')).toBe(3000);
      expect((await inventory.pendingAcks()).sort()).toEqual([1, 3]);
    });

    it('a page with one event that cannot be stored grants the others and quarantines that one as unstorable', async () => {
      const { inventory } = open();
      const proto = env.objectStorePrototype as IDBObjectStore & { put: IDBObjectStore['put'] };
      const realPut = proto.put;
      // Any write of event 2's effect fails, as a structured clone that overflows the stack does.
      proto.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
        const value = args[0] as { id?: number; reason?: string } | undefined;
        if (this.name === 'events' && value?.id === 2 && value.reason !== 'unstorable')
          throw new RangeError('Maximum call stack size exceeded');
        return realPut.apply(this, args);
      };
      let applied;
      try {
        applied = await inventory.applyBatch(
          [parsed(1, x.combinedOrderPaid(2, 601)), parsed(2, x.legacyPayment(502)), parsed(3, x.separateOrderPaid(1, 501))],
          1,
        );
      } finally {
        proto.put = realPut;
      }
      expect(applied.map((event) => [event.id, event.outcome, event.ack])).toEqual([
        [1, 'granted', true],
        [2, 'quarantined', false],
        [3, 'granted', true],
      ]);
      expect(await inventory.event(2)).toMatchObject({ outcome: 'quarantined', reason: 'unstorable' });
      expect((await inventory.event(2))?.data).toBeUndefined();
      expect(await inventory.balances()).toMatchObject({ gold: 3000 });
      expect(await inventory.balance('test_package')).toBe(0);
      expect(await inventory.pendingAcks()).toEqual([1, 3]);
      // Storage works again: what failed may have been the disk, so the event gets a new try.
      const [retried] = await inventory.applyBatch([parsed(2, x.legacyPayment(502))], 2);
      expect(retried).toMatchObject({ outcome: 'granted', ack: true });
      expect(await inventory.balance('test_package')).toBeGreaterThan(0);
    });

    it('when even the quarantine of an unstorable event fails, the page fails with a StorageError', async () => {
      const { inventory } = open();
      const proto = env.objectStorePrototype as IDBObjectStore & { put: IDBObjectStore['put'] };
      const realPut = proto.put;
      proto.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
        if (this.name === 'events' && (args[0] as { id?: number } | undefined)?.id === 2)
          throw new RangeError('Maximum call stack size exceeded');
        return realPut.apply(this, args);
      };
      try {
        const failing = inventory.applyBatch([parsed(1, x.combinedOrderPaid(2, 601)), parsed(2, x.legacyPayment(502))], 1);
        await expect(failing).rejects.toBeInstanceOf(StorageError);
        await expect(failing).rejects.toMatchObject({ reason: 'failed' });
      } finally {
        proto.put = realPut;
      }
      expect(await inventory.event(2)).toBeUndefined();
      expect(await inventory.balance('test_package')).toBe(0);
    });

    it('anything thrown inside a transaction comes out as a StorageError', async () => {
      const { name } = open();
      const db = openDatabase(env.factory(), name);
      try {
        const failing = db.transact('readwrite', ['events'], async () => {
          throw new RangeError('Maximum call stack size exceeded');
        });
        await expect(failing).rejects.toBeInstanceOf(StorageError);
        await expect(failing).rejects.toMatchObject({ reason: 'failed', cause: expect.any(RangeError) });
      } finally {
        await db.close();
      }
    });
  });

  describe('quarantine by an older parser (issue #9, item 16)', () => {
    /** Writes a quarantine record as an older version of the library would have left it. */
    const storeOldQuarantine = async (name: string, id: number, parserVersion?: number) => {
      const db = openDatabase(env.factory(), name);
      const record = {
        id,
        type: 'order_paid',
        outcome: 'quarantined',
        reason: 'invalid-sku',
        detail: 'unknown shape',
        appliedAt: 0,
        ...(parserVersion === undefined ? {} : { parserVersion }),
      };
      await db.transact('readwrite', ['events'], async (tx) => {
        tx.objectStore('events').put(record, id);
      });
      await db.close();
    };

    it('a quarantine by an older parser is looked at again once: readable now, it is applied and acked', async () => {
      const { inventory, name } = open();
      await storeOldQuarantine(name, 1); // no version: 0
      const [applied] = await inventory.applyBatch([parsed(1, x.combinedOrderPaid(2, 601))], 1);
      expect(applied).toMatchObject({ outcome: 'granted', ack: true });
      expect(await inventory.balance('gold')).toBe(1500);
      expect(await inventory.event(1)).toMatchObject({ outcome: 'granted' });
      expect(await inventory.event(1)).not.toHaveProperty('reason');
    });

    it('a quarantine by an older parser that is still unreadable is skipped, and not looked at again', async () => {
      const { inventory, name } = open();
      await storeOldQuarantine(name, 1, PARSER_VERSION - 1);
      const bad = { ...x.separateOrderPaid(), items: [{ sku: 'gold', quantity: -1 }] };
      const [first] = await inventory.applyBatch([parsed(1, bad)], 1);
      expect(first).toMatchObject({ outcome: 'skipped', ack: false });
      expect(await inventory.event(1)).toMatchObject({ outcome: 'quarantined', reason: 'invalid-sku', parserVersion: PARSER_VERSION });
      await storeOldQuarantine(name, 2, PARSER_VERSION); // quarantined by this very version
      const [second] = await inventory.applyBatch([parsed(2, x.combinedOrderPaid(2, 601))], 2);
      expect(second).toMatchObject({ outcome: 'skipped', ack: false });
      expect(await inventory.balances()).toEqual({});
    });
  });

  describe('the device clock belongs to the player (issue #9, item 17a)', () => {
    it('a tombstone stamped while the device clock was two years behind survives compaction; the late grant stays voided', async () => {
      const { inventory } = open();
      const twoYears = 730 * DAY;
      const today = SERVER_EPOCH + 800 * DAY;
      // The refund arrives first, on a device whose clock is two years behind the server.
      await inventory.applyBatch([parsedOnDay(1, x.combinedOrderCanceled(2, 601), 800)], today - twoYears);
      await inventory.applyBatch([parsedOnDay(2, x.userValidation(), 1300)], today + 500 * DAY);
      await inventory.clearAcks([1, 2]);
      // The clock is corrected, and even much later server news does not drop a tombstone still waiting for its grant.
      expect(await inventory.compact(today + 500 * DAY, DEFAULT_RETENTION)).toMatchObject({ orders: 0 });
      const [late] = await inventory.applyBatch([parsedOnDay(3, x.combinedOrderPaid(2, 601), 1301)], today + 501 * DAY);
      expect(late).toMatchObject({ outcome: 'voided', ack: true });
      expect(await inventory.balances()).toEqual({});
    });

    it('a closed order is kept while the server’s clock says it is recent, whatever the device says', async () => {
      const { inventory } = open();
      await inventory.applyBatch([parsedOnDay(1, x.combinedOrderPaid(2, 601), 0), parsedOnDay(2, x.combinedOrderCanceled(2, 601), 1)], 0);
      await inventory.clearAcks([1, 2]);
      // The device says ten years have gone by; the server has said nothing newer.
      expect(await inventory.compact(3650 * DAY, DEFAULT_RETENTION)).toEqual({ events: 0, orders: 0 });
      const [redelivered] = await inventory.applyBatch([parsedOnDay(1, x.combinedOrderPaid(2, 601), 0)], 3650 * DAY);
      expect(redelivered?.outcome).toBe('duplicate');
      expect(await inventory.balance('gold')).toBe(0);
    });

    it('records without a server time are never compacted', async () => {
      const { inventory } = open();
      const undated = (id: number, data: unknown) => parseEvent({ id, data }, x.PROJECT_ID) as ParsedEvent;
      await inventory.applyBatch(
        [undated(1, x.combinedOrderPaid(2, 601)), undated(2, x.combinedOrderCanceled(2, 601)), parsedOnDay(3, x.userValidation(), 5000)],
        0,
      );
      await inventory.clearAcks([1, 2, 3]);
      expect(await inventory.compact(5000 * DAY, DEFAULT_RETENTION)).toEqual({ events: 0, orders: 0 });
    });
  });

  describe('another tab runs a newer version (issue #9, item 18)', () => {
    it('another tab opening a newer schema version makes the next call fail with StorageError versionchange', async () => {
      const { inventory, name } = open();
      await inventory.applyBatch([parsed(1, x.combinedOrderPaid())], 1);
      // A newer library in another tab upgrades the same database.
      const newer = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = env.factory().open(name, 1000);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      try {
        const failing = inventory.balance('gold');
        await expect(failing).rejects.toBeInstanceOf(StorageError);
        await expect(failing).rejects.toMatchObject({ reason: 'versionchange', message: expect.stringMatching(/newer version.*reload/) });
      } finally {
        newer.close();
      }
    });

    it('a missing IndexedDB fails with StorageError unavailable', async () => {
      const inventory = createInventory(openDatabase(undefined as unknown as IDBFactory, 'no-factory'));
      await expect(inventory.balance('gold')).rejects.toMatchObject({ name: 'StorageError', reason: 'unavailable' });
    });
  });
}
