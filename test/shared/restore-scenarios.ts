/**
 * Restore's exactly-once rules at the ledger (DESIGN.md §2b), written once and run against
 * fake-indexeddb (Node) and each engine's real IndexedDB (browser mode): restored units are their
 * own records, an order grant absorbs them, a refund elsewhere revokes them once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/errors';
import { parseEvent } from '../../src/events/parse';
import type { ParsedEvent } from '../../src/events/plan';
import { readInventory, type OwnedItems } from '../../src/restore/plan';
import { openDatabase } from '../../src/store/database';
import { createInventory, type Inventory } from '../../src/store/inventory';
import * as x from '../fixtures/xsolla';

const SWORD = { sku: 'dragon_blade', quantity: 1, type: 'virtual_good', virtual_item_type: 'non_consumable', instance_id: null };
const POTIONS = { sku: 'health_potion', quantity: 3, type: 'virtual_good', virtual_item_type: 'consumable', instance_id: null };

/** An order paid for a sword and 500 gold, as its event would grant it. */
const swordOrder = (eventId: number, orderId: number) =>
  parseEvent(
    x.event(eventId, {
      ...x.combinedOrderPaid(orderId, orderId + 5000),
      items: [
        { sku: 'dragon_blade', type: 'virtual_good', quantity: 1 },
        { sku: 'gold', type: 'virtual_currency', quantity: 500 },
      ],
    }),
    x.PROJECT_ID,
  ) as ParsedEvent;
const refundOf = (eventId: number, orderId: number) =>
  parseEvent(x.event(eventId, x.combinedOrderCanceled(orderId, orderId + 5000)), x.PROJECT_ID) as ParsedEvent;

export function restoreScenarios(factory: () => IDBFactory) {
  let counter = 0;
  const opened: Inventory[] = [];
  const open = (name = `restore-test-${Date.now()}-${counter++}`) => {
    const inventory = createInventory(openDatabase(factory(), name));
    opened.push(inventory);
    return { inventory, name };
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((inventory) => inventory.close()));
  });

  /** A restore against `rows`, with the generation read first as the client does. */
  const restore = async (inventory: Inventory, rows: unknown[]) => {
    const generation = await inventory.generation();
    const result = await inventory.applyRestore(readInventory(rows), generation, 1);
    if (result === 'stale') throw new Error('unexpected stale restore');
    return result;
  };

  describe('the schema upgrade that added restored units', () => {
    it('opens a version 1 ledger with its balances intact, and restores into it', async () => {
      const name = `restore-upgrade-${Date.now()}-${counter++}`;
      const v1 = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = factory().open(name, 1);
        request.onupgradeneeded = () =>
          ['balances', 'orders', 'links', 'events', 'acks'].forEach((store) => request.result.createObjectStore(store));
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      await new Promise<void>((resolve) => {
        const tx = v1.transaction('balances', 'readwrite');
        tx.objectStore('balances').put(40, 'gold');
        tx.oncomplete = () => resolve();
      });
      v1.close();
      const { inventory } = open(name);
      expect(await inventory.balances()).toEqual({ gold: 40 });
      await restore(inventory, [SWORD]);
      expect(await inventory.balances()).toEqual({ gold: 40, dragon_blade: 1 });
    });
  });

  describe('restoring non-consumables from the Player Inventory', () => {
    it('a new device restores the sword once, and neither potions nor gold', async () => {
      const { inventory } = open();
      const result = await restore(inventory, [SWORD, POTIONS]);
      expect(result.restored).toEqual([{ sku: 'dragon_blade', quantity: 1 }]);
      expect(await inventory.balances()).toEqual({ dragon_blade: 1 });
      expect(await inventory.restored()).toEqual([{ sku: 'dragon_blade', quantity: 1 }]);
      expect(readInventory([SWORD, POTIONS]).skipped).toEqual([
        { sku: 'health_potion', reason: 'not-restorable', detail: 'consumable items are not restored' },
      ]);
    });

    it('restoring twice changes nothing', async () => {
      const { inventory } = open();
      await restore(inventory, [SWORD]);
      const again = await restore(inventory, [SWORD]);
      expect(again).toEqual({ restored: [], revoked: [], skipped: [] });
      expect(await inventory.balances()).toEqual({ dragon_blade: 1 });
    });

    it("the order's own event after a restore takes the restored sword over instead of adding one", async () => {
      const { inventory } = open();
      await restore(inventory, [SWORD]);
      const [applied] = await inventory.applyBatch([swordOrder(1, 10)], 2);
      expect(applied).toMatchObject({ outcome: 'granted', ack: true, changed: ['gold'], absorbed: [{ sku: 'dragon_blade', quantity: 1 }] });
      expect(await inventory.balances()).toEqual({ dragon_blade: 1, gold: 500 });
      expect(await inventory.restored()).toEqual([]);
      expect(await restore(inventory, [SWORD])).toEqual({ restored: [], revoked: [], skipped: [] });
      expect(await inventory.balance('dragon_blade')).toBe(1);
    });

    it("the order's own event before a restore leaves the restore nothing to do", async () => {
      const { inventory } = open();
      await inventory.applyBatch([swordOrder(1, 10)], 1);
      expect(await restore(inventory, [SWORD])).toEqual({ restored: [], revoked: [], skipped: [] });
      expect(await inventory.balances()).toEqual({ dragon_blade: 1, gold: 500 });
    });

    it('a refund of an order that absorbed restored units takes them back once', async () => {
      const { inventory } = open();
      await restore(inventory, [SWORD]);
      await inventory.applyBatch([swordOrder(1, 10)], 2);
      const [refunded] = await inventory.applyBatch([refundOf(2, 10)], 3);
      expect(refunded?.outcome).toBe('revoked');
      expect(await inventory.balances()).toEqual({ dragon_blade: 0, gold: 0 });
      // The inventory no longer lists it either: nothing restored, nothing more revoked.
      expect(await restore(inventory, [])).toEqual({ restored: [], revoked: [], skipped: [] });
      expect(await inventory.balance('dragon_blade')).toBe(0);
    });

    it('a refund made elsewhere revokes the restored sword on the next restore, once', async () => {
      const { inventory } = open();
      await restore(inventory, [SWORD]);
      expect(await restore(inventory, [])).toEqual({ restored: [], revoked: [{ sku: 'dragon_blade', quantity: 1 }], skipped: [] });
      expect(await inventory.balance('dragon_blade')).toBe(0);
      expect(await inventory.restored()).toEqual([]);
      expect(await restore(inventory, [])).toEqual({ restored: [], revoked: [], skipped: [] });
      expect(await inventory.balance('dragon_blade')).toBe(0);
    });

    it("units of an order the ledger knows are taken back only by that order's refund event", async () => {
      const { inventory } = open();
      await inventory.applyBatch([swordOrder(1, 10)], 1);
      expect(await restore(inventory, [])).toEqual({ restored: [], revoked: [], skipped: [] });
      expect(await inventory.balance('dragon_blade')).toBe(1);
    });

    it('restores only what no known order granted, and a local consume() is not restored', async () => {
      const { inventory } = open();
      await inventory.applyBatch([swordOrder(1, 10)], 1);
      expect((await restore(inventory, [{ ...SWORD, quantity: 2 }])).restored).toEqual([{ sku: 'dragon_blade', quantity: 1 }]);
      await inventory.consume('dragon_blade', 1);
      expect(await restore(inventory, [{ ...SWORD, quantity: 2 }])).toEqual({ restored: [], revoked: [], skipped: [] });
      expect(await inventory.balance('dragon_blade')).toBe(1);
    });

    it('a malformed item is skipped with a reason and its SKU left alone', async () => {
      const { inventory } = open();
      await restore(inventory, [SWORD]);
      const rows = [{ ...SWORD, quantity: 'one' }, { quantity: 1, virtual_item_type: 'non_consumable' }, 42];
      const read = readInventory(rows);
      expect(read.skipped).toEqual([
        { sku: 'dragon_blade', reason: 'malformed', detail: 'item 0 has no whole quantity' },
        { reason: 'malformed', detail: 'item 1 has no SKU' },
        { reason: 'malformed', detail: 'item 2 has no SKU' },
      ]);
      // The restored sword is not revoked on the word of a row that could not be read.
      expect(await restore(inventory, rows)).toEqual({ restored: [], revoked: [], skipped: [] });
      expect(await inventory.balance('dragon_blade')).toBe(1);
    });

    it('an unknown virtual_item_type fails the whole read, before anything is applied', async () => {
      const { inventory } = open();
      expect(() => readInventory([SWORD, { ...SWORD, sku: 'mystery', virtual_item_type: 'lootbox' }])).toThrow(ProtocolError);
      expect(await inventory.balances()).toEqual({});
    });

    it('a grant committed after the inventory was read makes the restore stale: nothing is written', async () => {
      const { inventory } = open();
      const generation = await inventory.generation();
      await inventory.applyBatch([swordOrder(1, 10)], 1);
      expect(await inventory.applyRestore(readInventory([{ ...SWORD, quantity: 2 }]), generation, 2)).toBe('stale');
      expect(await inventory.balances()).toEqual({ dragon_blade: 1, gold: 500 });
      expect(await inventory.restored()).toEqual([]);
    });

    it('two tabs restoring at once restore the sword once between them', async () => {
      const { inventory: first, name } = open();
      const { inventory: second } = open(name);
      const owned: OwnedItems = readInventory([SWORD]);
      const [a, b] = await Promise.all([first, second].map(async (tab) => tab.applyRestore(owned, await tab.generation(), 1)));
      expect([a, b].flatMap((result) => (result === 'stale' || !result ? [] : result.restored))).toEqual([
        { sku: 'dragon_blade', quantity: 1 },
      ]);
      expect(await second.balances()).toEqual({ dragon_blade: 1 });
    });

    it('a restore and the order event racing in two tabs end with one sword', async () => {
      const { inventory: polling, name } = open();
      const { inventory: other } = open(name);
      const generation = await other.generation();
      await Promise.all([polling.applyBatch([swordOrder(1, 10)], 1), other.applyRestore(readInventory([SWORD]), generation, 1)]);
      expect(await other.balance('dragon_blade')).toBe(1);
      expect((await restore(other, [SWORD])).restored).toEqual([]);
      expect(await polling.balances()).toEqual({ dragon_blade: 1, gold: 500 });
    });
  });
}
