/** Storage that fails for a moment: nothing valid is set aside for good, and nothing committed goes unannounced. */
import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StorageError } from '../src';
import { startEmulator, type Emulator } from '../src/emulator';
import { eventually } from './support/eventually';
import { playersOf } from './support/players';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
const player = playersOf(() => emulator);

describe('a transient storage failure', () => {
  it('does not set a valid purchase aside for good: once storage recovers, the purchase is granted', async () => {
    const p = player();
    await p.client.pollNow(); // database open
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 7 }] });
    const proto = IDBObjectStore.prototype as IDBObjectStore & { put: IDBObjectStore['put'] };
    const realPut = proto.put;
    let failures = 3; // a short hiccup of the disk (Chromium/Safari 'UnknownError'), three transactions long
    proto.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'balances' && failures > 0) {
        failures--;
        throw new DOMException('Internal error writing to the backing store', 'UnknownError');
      }
      return realPut.apply(this, args);
    };
    try {
      await p.client.pollNow().catch(() => undefined); // failing here is fine: the events stay on the server
    } finally {
      proto.put = realPut;
    }
    // Storage is healthy again: the next drains must grant the purchase.
    await p.client.pollNow();
    await p.client.pollNow();
    const [event] = emulator.state(p.userId).events;
    expect(await p.client.inventory.event(event!.id)).not.toMatchObject({ reason: 'unstorable' });
    expect(await p.client.inventory.balance('gold')).toBe(7);
  });
});

describe('the event-by-event fallback failing part way', () => {
  it('a purchase committed alone before the fallback fails still gets its granted event', async () => {
    const p = player();
    await p.client.pollNow(); // database open
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 7 }], mode: 'combined' });
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gems', quantity: 3 }], mode: 'combined' });
    const proto = IDBObjectStore.prototype as IDBObjectStore & { put: IDBObjectStore['put'] };
    const realPut = proto.put;
    // Writes of balances: the page's first fails (so the page is applied event by event), the
    // first event alone commits, then the disk is full for the second.
    const script: Array<string | undefined> = ['UnknownError', undefined, 'QuotaExceededError'];
    proto.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'balances' && script.length > 0) {
        const failure = script.shift();
        if (failure) throw new DOMException('backing store', failure);
      }
      return realPut.apply(this, args);
    };
    try {
      await p.client.pollNow().catch(() => undefined);
    } finally {
      proto.put = realPut;
    }
    await p.client.pollNow(); // storage is fine again
    expect(await p.client.inventory.balances()).toMatchObject({ gold: 7, gems: 3 });
    // The game shows rewards from `granted`: each purchase must be announced once.
    const skus = p.emitted('granted').flatMap((grant) => grant.items.map((item) => item.sku));
    expect(skus.sort()).toEqual(['gems', 'gold']);
  });
});

/**
 * An IndexedDB whose first open fails as iOS fails one after the app was backgrounded and the
 * IndexedDB server went away (WebKit bugs 197050, 201483): the next open works.
 */
function serverLostOnFirstOpen(profile: IDBFactory) {
  let failures = 1;
  const opens = { failed: 0 };
  const factory = Object.create(profile) as IDBFactory;
  factory.open = (name: string, version?: number) => {
    if (failures-- <= 0) return profile.open(name, version);
    opens.failed++;
    const request = {
      result: undefined,
      error: new DOMException('Connection to Indexed Database server lost. Refresh the page to try again', 'UnknownError'),
    } as unknown as IDBOpenDBRequest;
    setTimeout(() => request.onerror?.(new Event('error')));
    return request;
  };
  return { factory, opens };
}

describe('an open refused by a lost IndexedDB server (iOS)', () => {
  it('is tried again by the running loop, which grants the purchase without the game calling start() again', async () => {
    const { factory, opens } = serverLostOnFirstOpen(new IDBFactory());
    const p = player({ indexedDB: factory, cadence: { intervalMs: 100 } });
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 7 }] });
    p.client.start();
    await eventually(() => expect(p.processed()).toHaveLength(1));
    expect(opens.failed).toBe(1);
    expect(await p.client.inventory.balance('gold')).toBe(7);
    expect(p.emitted('status').filter((status) => status.status === 'paused')).toEqual([]);
    expect(p.emitted('error').map(({ error }) => [error.name, (error as StorageError).reason])).toEqual([['StorageError', 'failed']]);
  });
});
