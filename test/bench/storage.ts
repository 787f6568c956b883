/**
 * The ledger's footprint after 10,000 applied events, before and after compaction: the bytes of
 * its records as stored (keys and structured values, measured as JSON), IndexedDB's own overhead
 * aside. Events are built with the emulator's payload builders, both webhook generations.
 */
import { IDBFactory } from 'fake-indexeddb';
import { promisifyRequest } from 'idb-keyval';
import { paidEventData, type Purchase } from '../../src/emulator';
import { parseEvent } from '../../src/events/parse';
import type { ParsedEvent } from '../../src/events/plan';
import { DEFAULT_RETENTION } from '../../src/ledger/retention';
import { openDatabase, STORE_NAMES } from '../../src/store/database';
import { createInventory } from '../../src/store/inventory';

const DAY = 86_400_000;
const PAID_AT = '2026-11-22T00:00:00Z';

export async function benchStorage(eventCount: number) {
  const factory = new IDBFactory();
  const db = openDatabase(factory, 'bench-storage');
  const inventory = createInventory(db);
  const events: ParsedEvent[] = [];
  for (let order = 1; events.length < eventCount; order++) {
    const purchase: Purchase = {
      projectId: 308077,
      userId: 'p',
      orderId: order,
      transactionId: 500_000 + order,
      items: [{ sku: 'gold', quantity: 100 }],
      mode: order % 2 ? 'separate' : 'combined',
      paidAt: PAID_AT,
    };
    for (const data of paidEventData(purchase))
      events.push(parseEvent({ id: events.length + 1, created_at: PAID_AT, data }, '308077') as ParsedEvent);
  }
  // Compaction measures age by the server's clock too: one event a month later tells it the time.
  events.push(
    parseEvent(
      {
        id: events.length + 1,
        created_at: new Date(Date.parse(PAID_AT) + 31 * DAY).toISOString(),
        data: { notification_type: 'user_validation' },
      },
      '308077',
    ) as ParsedEvent,
  );
  for (let i = 0; i < events.length; i += 50) {
    const batch = events.slice(i, i + 50);
    await inventory.applyBatch(batch, 0);
    await inventory.clearAcks(batch.map((event) => event.id));
  }
  const footprint = () =>
    db.transact('readonly', STORE_NAMES, async (tx) => {
      let bytes = 0;
      for (const name of STORE_NAMES) {
        const store = tx.objectStore(name);
        const [keys, values] = await Promise.all([promisifyRequest(store.getAllKeys()), promisifyRequest(store.getAll())]);
        bytes += JSON.stringify(keys).length + JSON.stringify(values).length;
      }
      return bytes;
    });
  const before = await footprint();
  await inventory.compact(31 * DAY, DEFAULT_RETENTION);
  const after = await footprint();
  await inventory.close();
  return { events: events.length, bytesBeforeCompaction: before, bytesAfterCompaction: after };
}
