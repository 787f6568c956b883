import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGetUpdatesClient, InvalidArgumentError } from '../src';
import { startEmulator, type Emulator } from '../src/emulator';
import { restoreClientScenarios } from './shared/restore-client-scenarios';
import { soloPlayer } from './support/solo-player';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

restoreClientScenarios({
  url: () => emulator.url,
  // A name of its own too: two devices must not share the process's BroadcastChannel.
  newDevice: () => ({ indexedDB: new IDBFactory(), dbName: `device-${crypto.randomUUID()}` }),
});

describe('the restore option', () => {
  it.each([
    ['not an object', true],
    ['a storeUrl that is not an absolute http(s) URL', { storeUrl: 'store.xsolla.com/api' }],
    ['a storeUrl with a query', { storeUrl: 'https://store.xsolla.com/api?x=1' }],
    ['an auto that is not a boolean', { auto: 'yes' }],
  ])('refuses %s with InvalidArgumentError', (_case, restore) => {
    expect(() => createGetUpdatesClient({ projectId: 1, token: 't', restore: restore as never })).toThrow(InvalidArgumentError);
  });

  it('names the option in its message', () => {
    expect(() => createGetUpdatesClient({ projectId: 1, token: 't', restore: { storeUrl: 'ftp://x' } })).toThrow(/restore\.storeUrl/);
  });
});

describe('where the Store API is, when storeUrl is not given', () => {
  it("is the baseUrl's server when baseUrl is not Xsolla's (the emulator serves both), so development never calls store.xsolla.com", async () => {
    const { userId, client } = soloPlayer(emulator, 'store-default', { restore: {} });
    // Another device bought it long ago: the inventory lists the sword, no event is left.
    emulator.setInventory(userId, [
      { sku: 'dragon_blade', quantity: 1, type: 'virtual_good', virtual_item_type: 'non_consumable', instance_id: null },
    ]);
    try {
      const report = await client.restorePurchases();
      expect(report.restored).toEqual([{ sku: 'dragon_blade', quantity: 1 }]);
      expect(await client.inventory.balance('dragon_blade')).toBe(1);
    } finally {
      await client.close();
    }
  });
});
