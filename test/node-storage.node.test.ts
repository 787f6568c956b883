/**
 * xsolla-getupdates/node: the ledger on disk. Every "restart" below is a new factory over the same
 * save directory, as the next run of the game would make; the crash test kills a real process.
 */
import { existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { BlockList } from 'node:net';
import { join } from 'node:path';
import { IDBKeyRange, IDBObjectStore } from 'fake-indexeddb';
import { promisifyRequest } from 'idb-keyval';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator';
import { parseEvent } from '../src/events/parse';
import type { ParsedEvent } from '../src/events/plan';
import { nodeIndexedDB } from '../src/node';
import { openDatabase } from '../src/store/database';
import { createInventory } from '../src/store/inventory';
import * as x from './fixtures/xsolla';
import { storeScenarios } from './shared/store-scenarios';
import { startGame } from './support/node-game';
import { saveRoot } from './support/save-root';

const root = saveRoot('node-storage-');
let directories = 0;
const newSaveDirectory = () => join(root, `saves-${directories++}`);

const parsed = (id: number, data: unknown) => parseEvent(x.event(id, data), x.PROJECT_ID) as ParsedEvent;
const ledgerIn = (factory: IDBFactory) => createInventory(openDatabase(factory, 'ledger'));
const journalOf = (directory: string) => join(directory, 'ledger.journal');
const snapshotOf = (directory: string) => join(directory, 'ledger.snapshot');

describe('the ledger’s guarantees on nodeIndexedDB', () => {
  // One factory over one directory for the file, like one game process.
  const saves = nodeIndexedDB({ directory: newSaveDirectory() });
  storeScenarios({ factory: () => saves, objectStorePrototype: IDBObjectStore.prototype as unknown as IDBObjectStore });
});

describe('saves on disk', () => {
  it('the next run finds balances, orders and pending acks, and a redelivered event stays a duplicate', async () => {
    const directory = newSaveDirectory();
    const first = ledgerIn(nodeIndexedDB({ directory }));
    await first.applyBatch([parsed(1, x.combinedOrderPaid(2, 601))], 1);
    await first.consume('gold', 500);
    await first.close();

    const next = ledgerIn(nodeIndexedDB({ directory }));
    expect(await next.balances()).toEqual({ 'virtual-good-item_test': 3, 'virtual-good-item_test_test_new': 1, gold: 1000 });
    expect(await next.order(2)).toMatchObject({ status: 'granted', eventIds: [1] });
    expect(await next.pendingAcks()).toEqual([1]);
    const [again] = await next.applyBatch([parsed(1, x.combinedOrderPaid(2, 601))], 2);
    expect(again?.outcome).toBe('duplicate');
    await next.close();
  });

  it('keeps any structured-cloneable value, in-line and generated keys, indexes, deletes by range and clears', async () => {
    const directory = newSaveDirectory();
    const value = { when: new Date(0), tags: new Map([['a', 1]]), bytes: new Uint8Array([1, 2, 3]), missing: undefined, big: 10n };
    const db = await openRaw(nodeIndexedDB({ directory }), (upgrading) => {
      upgrading.createObjectStore('things');
      upgrading.createObjectStore('notes', { keyPath: 'id', autoIncrement: true }).createIndex('byTag', 'tag');
      upgrading.createObjectStore('scratch');
    });
    const writing = db.transaction(['things', 'notes', 'scratch'], 'readwrite');
    writing.objectStore('things').put(value, [1, 'a']);
    writing.objectStore('things').put('soon gone', 'x');
    for (const tag of ['red', 'blue', 'green']) writing.objectStore('notes').add({ tag });
    writing.objectStore('scratch').put(1, 1);
    await promisifyRequest(writing);
    const deleting = db.transaction(['things', 'notes', 'scratch'], 'readwrite');
    deleting.objectStore('things').delete('x');
    deleting.objectStore('notes').delete(IDBKeyRange.lowerBound(3));
    deleting.objectStore('scratch').clear();
    await promisifyRequest(deleting);
    db.close();

    const reopened = await openRaw(nodeIndexedDB({ directory }));
    const reading = reopened.transaction(['things', 'notes', 'scratch'], 'readwrite');
    const things = reading.objectStore('things');
    const notes = reading.objectStore('notes');
    expect(await promisifyRequest(things.getAllKeys())).toEqual([[1, 'a']]);
    expect(await promisifyRequest(things.get([1, 'a']))).toEqual(value);
    expect(await promisifyRequest(notes.index('byTag').getAll('red'))).toEqual([{ id: 1, tag: 'red' }]);
    expect(await promisifyRequest(reading.objectStore('scratch').count())).toBe(0);
    expect(await promisifyRequest(notes.add({ tag: 'new' }))).toBe(4); // key 3 was used and deleted: never reused
    await promisifyRequest(reading);
    reopened.close();
  });

  it('a transaction torn by a crash mid-write is ignored, and the next run appends after the last whole one', async () => {
    const directory = newSaveDirectory();
    const first = ledgerIn(nodeIndexedDB({ directory }));
    await first.applyBatch([parsed(1, x.combinedOrderPaid(2, 601))], 1);
    const before = statSync(journalOf(directory)).size;
    await first.applyBatch([parsed(2, x.legacyPayment(502))], 2);
    await first.close();
    // The crash cut the second transaction's record short.
    truncateSync(journalOf(directory), before + Math.floor((statSync(journalOf(directory)).size - before) / 2));

    const second = ledgerIn(nodeIndexedDB({ directory }));
    expect(await second.balances()).toMatchObject({ gold: 1500 });
    expect(await second.balance('test_package')).toBe(0);
    expect(await second.event(2)).toBeUndefined();
    await second.applyBatch([parsed(2, x.legacyPayment(502))], 3);
    await second.close();

    const third = ledgerIn(nodeIndexedDB({ directory }));
    expect(await third.balances()).toMatchObject({ gold: 1500, test_package: 10 });
    await third.close();
  });

  it('a record of zeros where the crash left the file longer than its data is ignored too', async () => {
    const directory = newSaveDirectory();
    const first = ledgerIn(nodeIndexedDB({ directory }));
    await first.applyBatch([parsed(1, x.combinedOrderPaid(2, 601))], 1);
    await first.close();
    writeFileSync(journalOf(directory), Buffer.alloc(4096), { flag: 'a' });

    const second = ledgerIn(nodeIndexedDB({ directory }));
    expect(await second.balance('gold')).toBe(1500);
    await second.close();
  });

  it('compaction folds the journal into the snapshot and keeps every record', async () => {
    const directory = newSaveDirectory();
    const first = ledgerIn(nodeIndexedDB({ directory, compactAfterBytes: 1 }));
    await first.applyBatch([parsed(1, x.combinedOrderPaid(2, 601))], 1);
    expect(statSync(journalOf(directory)).size).toBe(0); // compacted right after the commit
    await first.applyBatch([parsed(2, x.legacyPayment(502))], 2);
    await first.consume('gold', 100);
    await first.clearAcks([1]);
    await first.close();
    expect(readdirSync(directory).sort()).toEqual(['ledger.journal', 'ledger.snapshot']);

    const next = ledgerIn(nodeIndexedDB({ directory }));
    expect(await next.balances()).toMatchObject({ gold: 1400, test_package: 10 });
    expect(await next.pendingAcks()).toEqual([2]);
    await next.close();
  });

  it('a commit that cannot be written aborts instead of completing, and leaves nothing behind in memory or on disk', async () => {
    const directory = newSaveDirectory();
    const db = await openRaw(nodeIndexedDB({ directory }), (upgrading) => upgrading.createObjectStore('things'));
    const failing = db.transaction('things', 'readwrite');
    failing.objectStore('things').put('kept?', 'a');
    // structuredClone takes a BlockList, node:v8's serialize does not: the journal write fails.
    failing.objectStore('things').put(new BlockList(), 'b');
    await expect(promisifyRequest(failing)).rejects.toMatchObject({
      name: 'UnknownError',
      message: expect.stringMatching(/could not save.*Unserializable/),
    });
    const next = db.transaction('things', 'readwrite');
    expect(await promisifyRequest(next.objectStore('things').getAllKeys())).toEqual([]);
    next.objectStore('things').put('saved', 'c');
    await promisifyRequest(next);
    db.close();

    const reopened = await openRaw(nodeIndexedDB({ directory }));
    expect(await promisifyRequest(reopened.transaction('things').objectStore('things').getAllKeys())).toEqual(['c']);
    reopened.close();
  });

  it('a damaged snapshot fails the open loudly and is left as it was, never replaced by an empty ledger', async () => {
    const directory = newSaveDirectory();
    const first = ledgerIn(nodeIndexedDB({ directory }));
    await first.applyBatch([parsed(1, x.combinedOrderPaid(2, 601))], 1);
    await first.close();
    const damaged = readFileSync(snapshotOf(directory));
    damaged.writeUInt8(damaged.readUInt8(damaged.length - 1) ^ 0xff, damaged.length - 1);
    writeFileSync(snapshotOf(directory), damaged);

    const next = ledgerIn(nodeIndexedDB({ directory }));
    await expect(next.balance('gold')).rejects.toMatchObject({
      name: 'StorageError',
      reason: 'unavailable',
      cause: expect.objectContaining({ message: expect.stringMatching(/damaged/) }),
    });
    expect(readFileSync(snapshotOf(directory))).toEqual(damaged);
    await next.close();
  });

  it('databases() lists the saved databases by name, names differing only in case included', async () => {
    const directory = newSaveDirectory();
    const names = ['Player:Ü/1', 'player:ü/1'];
    for (const name of names) (await openRaw(nodeIndexedDB({ directory }), undefined, name)).close();
    expect(readdirSync(directory).filter((file) => file.endsWith('.snapshot'))).toHaveLength(2);
    const listed = await nodeIndexedDB({ directory }).databases();
    expect(listed.sort((a, b) => (a.name! < b.name! ? -1 : 1))).toEqual(names.map((name) => ({ name, version: 1 })));
  });

  it('deleteDatabase removes the files', async () => {
    const directory = newSaveDirectory();
    const saves = nodeIndexedDB({ directory });
    const first = ledgerIn(saves);
    await first.applyBatch([parsed(1, x.combinedOrderPaid(2, 601))], 1);
    await first.close();
    await promisifyRequest(saves.deleteDatabase('ledger'));
    expect(existsSync(snapshotOf(directory)) || existsSync(journalOf(directory))).toBe(false);
    const fresh = ledgerIn(nodeIndexedDB({ directory }));
    expect(await fresh.balances()).toEqual({});
    await fresh.close();
  });
});

describe('a crash right after the ack (issue #11, item 6)', () => {
  it('a purchase acked just before SIGKILL is in the ledger of the next process', { timeout: 60_000 }, async () => {
    const emulator = await startEmulator();
    try {
      const userId = 'crash-test-player';
      const run = {
        projectId: String(emulator.projectId),
        baseUrl: emulator.url,
        token: emulator.issueToken(userId),
        userId,
        directory: newSaveDirectory(),
      };
      emulator.purchase({ userId, items: [{ sku: 'gold', quantity: 1500, type: 'virtual_currency' }] });

      const game = startGame({ ...run, mode: 'poll' });
      // Killed the moment the server has marked the event processed: the server forgets it now.
      while (!emulator.state(userId).events.every((event) => event.processed)) {
        if (game.child.exitCode !== null) throw new Error(`the game exited before its ack: ${game.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      game.child.kill('SIGKILL');
      await game.exited;
      expect(game.child.signalCode).toBe('SIGKILL');

      const next = startGame({ ...run, mode: 'read' });
      expect(await next.next()).toEqual({ gold: 1500 });
      await next.exited;
      expect(next.child.exitCode, next.output()).toBe(0);
    } finally {
      await emulator.close();
    }
  });
});

/** Opens a database at version 1, running `upgrade` when it is created. */
function openRaw(factory: IDBFactory, upgrade?: (db: IDBDatabase) => void, name = 'raw'): Promise<IDBDatabase> {
  const request = factory.open(name, 1);
  if (upgrade) request.onupgradeneeded = () => upgrade(request.result);
  return promisifyRequest(request);
}
