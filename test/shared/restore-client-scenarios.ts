/**
 * `restorePurchases()` end to end against the emulator's Player Inventory, written once and run
 * in Node (fake-indexeddb) and in each browser engine (real IndexedDB, CORS, axios's browser adapter). A
 * "device" is a client with storage of its own; two clients on one device are two tabs.
 */
import axios from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createGetUpdatesClient,
  ProtocolError,
  type ClientEvents,
  type GetUpdatesClient,
  type GetUpdatesClientOptions,
  HttpError,
} from '../../src';
import { eventually } from '../support/eventually';

export interface RestoreEnvironment {
  url(): string;
  /** Storage for a new device: a fresh profile in Node, a fresh database name in a browser. */
  newDevice(): Partial<GetUpdatesClientOptions>;
}

const PROJECT_ID = 308077;
const SWORD_ROW = { sku: 'dragon_blade', quantity: 1, type: 'virtual_good', virtual_item_type: 'non_consumable', instance_id: null };

export function restoreClientScenarios(env: RestoreEnvironment) {
  const clients: GetUpdatesClient[] = [];
  afterEach(async () => {
    await admin('faults', { errorRate: 0, latencyMs: 0 });
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  async function admin<T>(path: string, body?: unknown): Promise<T> {
    const response = await fetch(
      `${env.url()}/__emulator/${path}`,
      body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) },
    );
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<T>;
  }
  const processed = async (userId: string) =>
    (await admin<{ events: Array<{ id: number; processed: boolean }> }>(`state?userId=${userId}`)).events.filter((e) => e.processed).length;
  const inventoryRequests = async () => (await admin<{ storeRequests: { inventory: number } }>('stats')).storeRequests.inventory;

  /** A player; `device()` makes one of their devices, `tab(device)` one more tab on it. */
  function player() {
    const userId = `restore-player-${Math.random().toString(36).slice(2, 10)}`;
    const buy = (items: unknown[], extra: object = {}) =>
      admin<{ orderId: number; eventIds: number[] }>('purchase', { userId, items, ...extra });
    const tab = (storage: Partial<GetUpdatesClientOptions>, options: Partial<GetUpdatesClientOptions> = {}) => {
      const seen: Array<[keyof ClientEvents, unknown]> = [];
      const client = createGetUpdatesClient({
        projectId: PROJECT_ID,
        baseUrl: env.url(),
        token: async () => (await admin<{ token: string }>('token', { userId })).token,
        restore: { storeUrl: env.url() },
        locks: null,
        retries: 0,
        ...storage,
        ...options,
      });
      client.on('*' as never, ((type: keyof ClientEvents, payload: unknown) => seen.push([type, payload])) as never);
      clients.push(client);
      const emitted = <K extends keyof ClientEvents>(type: K) =>
        seen.filter(([t]) => t === type).map(([, payload]) => payload as ClientEvents[K]);
      return { client, emitted };
    };
    const device = (options: Partial<GetUpdatesClientOptions> = {}) => {
      const storage = env.newDevice();
      return { ...tab(storage, options), storage };
    };
    const setInventory = (items: unknown[]) => admin('inventory', { userId, items });
    return { userId, buy, device, tab, setInventory };
  }

  describe('restorePurchases()', () => {
    it('a new device restores the sword once, and neither the gold nor the potions; it never acks', async () => {
      const p = player();
      await p.buy([
        { sku: 'dragon_blade', quantity: 1 },
        { sku: 'gold', quantity: 500, type: 'virtual_currency' },
        { sku: 'health_potion', quantity: 2 },
      ]);
      const first = p.device();
      await first.client.pollNow();
      const acked = await processed(p.userId);

      const second = p.device();
      const report = await second.client.restorePurchases();
      expect(report).toMatchObject({ restored: [{ sku: 'dragon_blade', quantity: 1 }], revoked: [], pages: 1 });
      expect(report.skipped).toEqual([expect.objectContaining({ sku: 'health_potion', reason: 'not-restorable' })]);
      expect(await second.client.inventory.balances()).toEqual({ dragon_blade: 1 });
      expect(await second.client.inventory.restored()).toEqual([{ sku: 'dragon_blade', quantity: 1 }]);
      expect(second.emitted('restored')).toEqual([{ sku: 'dragon_blade', quantity: 1 }]);
      expect(second.emitted('changed')).toEqual([{ skus: ['dragon_blade'], source: 'restore' }]);
      expect(await processed(p.userId)).toBe(acked);

      // Restoring twice changes nothing.
      expect(await second.client.restorePurchases()).toMatchObject({ restored: [], revoked: [] });
      expect(await second.client.inventory.balances()).toEqual({ dragon_blade: 1 });
      expect(second.emitted('restored')).toHaveLength(1);
    });

    it("the order's own event after a restore does not double the sword", async () => {
      const p = player();
      // The inventory lists the sword before GetUpdates lists its event.
      await p.setInventory([SWORD_ROW]);
      const device = p.device();
      expect((await device.client.restorePurchases()).restored).toEqual([{ sku: 'dragon_blade', quantity: 1 }]);
      const { orderId } = await p.buy([{ sku: 'dragon_blade', quantity: 1 }]);
      await p.setInventory([SWORD_ROW]); // the same sword, not a second one
      expect(await device.client.pollNow()).toMatchObject({ granted: 1, acked: 1 });
      expect(device.emitted('granted')).toEqual([
        expect.objectContaining({ orderId: String(orderId), alreadyRestored: [{ sku: 'dragon_blade', quantity: 1 }] }),
      ]);
      expect(await device.client.inventory.balance('dragon_blade')).toBe(1);
      expect(await device.client.inventory.restored()).toEqual([]);
      expect(await device.client.restorePurchases()).toMatchObject({ restored: [], revoked: [] });
      expect(await device.client.inventory.balance('dragon_blade')).toBe(1);
    });

    it("the order's own event before a restore leaves it nothing to restore (restore drains first)", async () => {
      const p = player();
      await p.buy([{ sku: 'dragon_blade', quantity: 1 }]);
      const device = p.device();
      expect(await device.client.restorePurchases()).toMatchObject({ restored: [], revoked: [] });
      expect(device.emitted('granted')).toHaveLength(1);
      expect(await device.client.inventory.balances()).toEqual({ dragon_blade: 1 });
    });

    it('a refund seen by another device removes the restored sword on the next restore, once', async () => {
      const p = player();
      const { orderId } = await p.buy([{ sku: 'dragon_blade', quantity: 1 }]);
      const phone = p.device();
      await phone.client.pollNow();
      const laptop = p.device();
      await laptop.client.restorePurchases();
      await admin('refund', { orderId });
      expect(await phone.client.pollNow()).toMatchObject({ revoked: 1 });

      expect(await laptop.client.restorePurchases()).toMatchObject({ restored: [], revoked: [{ sku: 'dragon_blade', quantity: 1 }] });
      expect(laptop.emitted('revoked')).toEqual([
        { source: 'restore', sku: 'dragon_blade', quantity: 1, items: [{ sku: 'dragon_blade', quantity: 1 }] },
      ]);
      expect(await laptop.client.inventory.balance('dragon_blade')).toBe(0);
      expect(await laptop.client.restorePurchases()).toMatchObject({ restored: [], revoked: [] });
      expect(laptop.emitted('revoked')).toHaveLength(1);
    });

    it('pages through more than 50 inventory items, and reads them twice to be sure they held still', async () => {
      const p = player();
      const rows = Array.from({ length: 120 }, (_, i) => ({ ...SWORD_ROW, sku: `relic-${i}` }));
      await p.setInventory(rows);
      const before = await inventoryRequests();
      const report = await p.device().client.restorePurchases();
      expect(report.pages).toBe(3);
      expect(report.restored).toHaveLength(120);
      expect(new Set(report.restored.map(({ sku }) => sku)).size).toBe(120);
      expect((await inventoryRequests()) - before).toBe(6);
    });

    it('a malformed item is skipped with a reason; the rest is restored', async () => {
      const p = player();
      await p.setInventory([SWORD_ROW, { sku: 'crown', quantity: 'lots', virtual_item_type: 'non_consumable' }]);
      const report = await p.device().client.restorePurchases();
      expect(report.restored).toEqual([{ sku: 'dragon_blade', quantity: 1 }]);
      expect(report.skipped).toEqual([{ sku: 'crown', reason: 'malformed', detail: 'item 1 has no whole quantity' }]);
    });

    it.each([
      [
        'an unknown virtual_item_type',
        ProtocolError,
        async (p: ReturnType<typeof player>) => p.setInventory([SWORD_ROW, { ...SWORD_ROW, sku: 'chest', virtual_item_type: 'lootbox' }]),
      ],
      ['a 503', HttpError, 'status'],
      ['a body that is not JSON', ProtocolError, 'body'],
    ] as const)('the inventory failing with %s changes nothing and emits error', async (_case, Type, fault) => {
      const p = player();
      await p.setInventory([SWORD_ROW]);
      // Faults on the inventory alone (the drain before the restore still works).
      const http = axios.create();
      http.interceptors.response.use((response) => {
        if (!String(response.config.url).includes('/user/inventory/')) return response;
        return fault === 'status'
          ? { ...response, status: 503, data: '{}' }
          : fault === 'body'
            ? { ...response, data: '<html>' }
            : response;
      });
      if (typeof fault === 'function') await fault(p);
      const device = p.device({ http });
      await expect(device.client.restorePurchases()).rejects.toBeInstanceOf(Type);
      expect(await device.client.inventory.balances()).toEqual({});
      expect(device.emitted('restored')).toEqual([]);
      expect(device.emitted('error')).toEqual([{ phase: 'restore', error: expect.any(Type) }]);
    });

    it('two tabs restoring at once restore the sword once, and each tab hears of it', async () => {
      const p = player();
      await p.setInventory([SWORD_ROW]);
      const first = p.device();
      const second = p.tab(first.storage);
      const reports = await Promise.all([first.client.restorePurchases(), second.client.restorePurchases()]);
      expect(reports.flatMap((report) => report.restored)).toEqual([{ sku: 'dragon_blade', quantity: 1 }]);
      expect(await second.client.inventory.balance('dragon_blade')).toBe(1);
      await eventually(() => {
        expect(first.emitted('restored')).toEqual([{ sku: 'dragon_blade', quantity: 1 }]);
        expect(second.emitted('restored')).toEqual([{ sku: 'dragon_blade', quantity: 1 }]);
      });
    });

    it('auto: restores once per session, after the first successful drain', async () => {
      const p = player();
      await p.setInventory([SWORD_ROW]);
      const before = await inventoryRequests();
      const device = p.device({ restore: { storeUrl: env.url(), auto: true }, cadence: { intervalMs: 50 } });
      device.client.start();
      await eventually(() => expect(device.emitted('restored')).toEqual([{ sku: 'dragon_blade', quantity: 1 }]));
      await eventually(() => expect(device.emitted('status').filter(({ status }) => status === 'polling').length).toBeGreaterThan(3));
      expect((await inventoryRequests()) - before).toBe(1);
      expect(await device.client.inventory.balance('dragon_blade')).toBe(1);
    });
  });
}
