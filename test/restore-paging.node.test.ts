/**
 * Restore reads the Player Inventory by offset, 50 rows a page; a refund or a purchase on another
 * device between two page reads shifts the later rows (DESIGN.md §2b). A restore acts only on a
 * listing it read consistently: it reads again, or changes nothing.
 */
import axios, { type InternalAxiosRequestConfig } from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetUpdatesError } from '../src';
import { startEmulator, type Emulator } from '../src/emulator';
import { isConsistent } from '../src/restore/listing';
import { clientsClosedAfterEach } from './support/closed-after-each';
import { recordEmitted } from './support/emitted';
import { soloPlayer } from './support/solo-player';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
const clients = clientsClosedAfterEach();

const relic = (i: number) => ({
  sku: `relic-${i}`,
  quantity: 1,
  type: 'virtual_good',
  virtual_item_type: 'non_consumable',
  instance_id: null,
});
const relics = (count: number) => Array.from({ length: count }, (_, i) => relic(i));

/**
 * A player on a device of their own whose inventory reads can be interfered with: `beforePage`
 * runs just before each inventory page request leaves (with its offset), as if another device
 * acted between two page reads.
 */
function player() {
  let beforePage: (offset: number) => void = () => undefined;
  const offsets: number[] = [];
  const http = axios.create();
  http.interceptors.request.use((config: InternalAxiosRequestConfig) => {
    if (String(config.url).includes('/user/inventory/items')) {
      const offset = Number((config.params as { offset?: unknown }).offset);
      offsets.push(offset);
      beforePage(offset);
    }
    return config;
  });
  const { userId, client } = soloPlayer(emulator, 'restore-paging', { http, restore: { storeUrl: emulator.url }, retries: 0 });
  clients.push(client);
  const emitted = recordEmitted(client);
  return {
    userId,
    client,
    emitted,
    offsets,
    setInventory: (rows: unknown[]) => emulator.setInventory(userId, rows),
    interfere: (hook: (offset: number) => void) => (beforePage = hook),
  };
}

describe('restore over a Player Inventory that changes while it is paged', () => {
  it('a refund elsewhere between page 1 and page 2: the relic at the page boundary is kept, the refunded one is revoked, once', async () => {
    const p = player();
    p.setInventory(relics(60));
    expect((await p.client.restorePurchases()).restored).toHaveLength(60);

    // Another device refunds relic-10 just as this one asks for page 2: every later row moves up
    // one place, and relic-50 slides from offset 50 into page 1, already read.
    let refunded = false;
    p.interfere((offset) => {
      if (offset === 50 && !refunded) {
        refunded = true;
        p.setInventory(relics(60).filter((_, i) => i !== 10));
      }
    });
    const report = await p.client.restorePurchases();
    expect(report.revoked).toEqual([{ sku: 'relic-10', quantity: 1 }]);
    expect(report.restored).toEqual([]);
    expect(await p.client.inventory.balance('relic-50')).toBe(1);
    expect(await p.client.inventory.balance('relic-10')).toBe(0);
    expect(p.emitted('revoked')).toEqual([{ source: 'restore', sku: 'relic-10', quantity: 1, items: [{ sku: 'relic-10', quantity: 1 }] }]);

    // The view is consistent now: nothing more to take back.
    expect(await p.client.restorePurchases()).toMatchObject({ restored: [], revoked: [] });
    expect(p.emitted('revoked')).toHaveLength(1);
  });

  it('a purchase elsewhere adds a row before the offset between two page reads: the row read twice is restored once', async () => {
    const p = player();
    p.setInventory(relics(60));
    let bought = false;
    p.interfere((offset) => {
      if (offset === 50 && !bought) {
        bought = true;
        p.setInventory([{ ...relic(0), sku: 'crown' }, ...relics(60)]); // relic-49 moves down to offset 50
      }
    });
    const report = await p.client.restorePurchases();
    expect(report.restored).toHaveLength(61);
    expect(report.restored).toContainEqual({ sku: 'crown', quantity: 1 });
    expect(report.restored).toContainEqual({ sku: 'relic-49', quantity: 1 });
    expect(await p.client.inventory.balance('relic-49')).toBe(1);
    expect(await p.client.inventory.balance('crown')).toBe(1);
  });

  it('an inventory that changes on every read: the restore changes nothing, emits error and rejects', async () => {
    const p = player();
    p.setInventory(relics(60));
    await p.client.restorePurchases();
    const before = await p.client.inventory.balances();

    // Each read of page 2 finds one row fewer at the front: no two reads ever agree.
    let removed = 0;
    p.interfere((offset) => {
      if (offset === 50) p.setInventory(relics(60).slice(++removed));
    });
    const error = await p.client.restorePurchases().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GetUpdatesError);
    expect(String((error as Error).message)).toMatch(/inventory changed while it was read/);
    expect(p.emitted('error')).toEqual([{ phase: 'restore', error }]);
    expect(p.emitted('revoked')).toEqual([]);
    expect(await p.client.inventory.balances()).toEqual(before);
    expect(removed).toBeLessThanOrEqual(5); // it gave up after a few reads
  });

  it('a player with fewer than 50 items costs one inventory request; a longer listing is read twice to check it', async () => {
    const small = player();
    small.setInventory(relics(49));
    expect(await small.client.restorePurchases()).toMatchObject({ pages: 1 });
    expect(small.offsets).toEqual([0]);

    const large = player();
    large.setInventory(relics(120));
    const report = await large.client.restorePurchases();
    expect(report).toMatchObject({ pages: 3 });
    expect(report.restored).toHaveLength(120);
    expect(large.offsets).toEqual([0, 50, 100, 0, 50, 100]);
  });
});

describe('whether a read of the inventory is consistent (pure)', () => {
  const rows = relics(120);
  const read = (items: unknown[]) => ({ items, pages: Math.floor(items.length / 50) + 1 });

  it('one page is a snapshot: consistent on its own', () => {
    expect(isConsistent(read(relics(49)))).toBe(true);
  });

  it('several pages need a previous read that listed the same rows in the same places', () => {
    expect(isConsistent(read(rows))).toBe(false);
    expect(isConsistent(read(rows), read(structuredClone(rows)))).toBe(true);
  });

  it.each([
    ['a row missing at the page boundary', rows.filter((_, i) => i !== 50)],
    ['a row read twice', [...rows.slice(0, 50), rows[49], ...rows.slice(50)]],
    ['one row gone before the offset and one added at the end: the same count', [...rows.slice(1), { ...relic(0), sku: 'crown' }]],
    ['a quantity changed in place', rows.map((row, i) => (i === 70 ? { ...row, quantity: 2 } : row))],
    ['the same rows in another order', [rows[1], rows[0], ...rows.slice(2)]],
    ['another instance of the same SKU', rows.map((row, i) => (i === 3 ? { ...row, instance_id: 'i-9' } : row))],
  ])('%s disagrees', (_case, other) => {
    expect(isConsistent(read(other), read(rows))).toBe(false);
  });

  it('ignores what restore does not read (names, images)', () => {
    expect(isConsistent(read(rows.map((row) => ({ ...row, name: { en: 'Relic' } }))), read(rows))).toBe(true);
  });
});
