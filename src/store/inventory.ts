/**
 * The persisted inventory and ledger. A batch of parsed events is applied in one readwrite
 * transaction: balances, order records, links, event records and pending acks are written
 * together, so after a crash either all of an event's effect is there or none of it is.
 */
import { entries, get, promisifyRequest, values } from 'idb-keyval';
import { InsufficientBalanceError, InvalidArgumentError, StorageError } from '../errors';
import { INVALID, isValidQuantity, readId } from '../events/fields';
import type { ParsedEvent } from '../events/plan';
import { linkKeys, type OrderRecord } from '../ledger/order';
import { newRecord, quarantined, toOrder, type AppliedEvent, type EventRecord, type Order } from '../ledger/records';
import { isExpiredEvent, isExpiredOrder, type Retention } from '../ledger/retention';
import type { RestoreLine, RestoredRecord } from '../ledger/restored';
import type { OwnedItems } from '../restore/plan';
import { applyOne, commitRecord, foreignLinks, GENERATION_KEY, ownOrderKey, prefetch, type Page } from './apply';
import { applyRestore, type AppliedRestore } from './restore';
import type { Database, StoreName } from './database';
import { viewOf } from './tx-view';

/** The reads and the one write a game makes on the player's local inventory. */
export interface InventoryApi {
  /** The balance of one SKU (0 when never granted; may be negative after a refund of spent items). */
  balance(sku: string): Promise<number>;
  /** Every balance, as an object without a prototype (any SKU, `__proto__` too, is a plain key). */
  balances(): Promise<Record<string, number>>;
  /** One order, by its order id or its transaction id. */
  order(id: string | number): Promise<Order | undefined>;
  /** Every order the ledger holds, oldest first. */
  orders(): Promise<Order[]>;
  /** The ledger's record of one event: its outcome, and its reason when it was set aside. */
  event(eventId: number): Promise<EventRecord | undefined>;
  /** Takes `quantity` of `sku` atomically and resolves with what is left; `InsufficientBalanceError` takes nothing. */
  consume(sku: string, quantity: number): Promise<number>;
  /** Units that a restore granted and no known order has taken over yet, by SKU (see `restorePurchases`). */
  restored(): Promise<RestoreLine[]>;
}

/** The ledger as the library uses it: the game's reads and writes, and applying, acking and compacting. */
export interface Inventory extends InventoryApi {
  /**
   * Applies a page of events in ascending id order, in one transaction. If that fails for a
   * reason that may be one event's fault, the page is applied event by event, and an event
   * that cannot be stored even alone is quarantined as `unstorable`. `now` is the device clock.
   */
  applyBatch(events: readonly ParsedEvent[], now: number): Promise<AppliedEvent[]>;
  pendingAcks(): Promise<number[]>;
  clearAcks(ids: readonly number[]): Promise<void>;
  /**
   * Forgets what the retention rules allow (see ledger/retention.ts); returns what it removed.
   * `now` is the device clock; a record also has to be old by the server's time to go.
   */
  compact(now: number, retention: Retention): Promise<{ events: number; orders: number }>;
  /** The ledger's change counter, read before a restore fetches the inventory. */
  generation(): Promise<number>;
  /** Applies a restore in one transaction, or resolves `stale` when the ledger changed since `generation`. */
  applyRestore(inventory: OwnedItems, generation: number, now: number): Promise<AppliedRestore | 'stale'>;
  /**
   * The Xsolla player (a JWT's `sub`) this save belongs to: `sub` is recorded unless a player
   * is recorded already (by this tab or another), and the recorded one is returned.
   */
  recordPlayer(sub: string): Promise<string>;
  close(): Promise<void>;
}

const LEDGER_STORES: readonly StoreName[] = ['balances', 'orders', 'links', 'events', 'acks', 'restored', 'meta'];

/** The `meta` key of the save's player: set once, never changed. */
const PLAYER_KEY = 'player';

/**
 * Worth trying alone: the page failed for a reason that may be one event's (an unclonable
 * value, a record that cannot be read back), not a full disk or a database this page cannot use.
 */
const mayBeOneEvent = (error: unknown) => error instanceof StorageError && error.reason === 'failed';

/**
 * What `applyBatch` committed (event by event) before it failed: those events are applied and
 * their acks pending, so the caller announces and acks them before it reports the failure.
 */
const committedBefore = new WeakMap<object, AppliedEvent[]>();

export function committedBeforeFailure(error: unknown): AppliedEvent[] {
  return (typeof error === 'object' && error !== null && committedBefore.get(error)) || [];
}

export function createInventory(db: Database): Inventory {
  const balancesStore = db.useStore('balances');
  const ordersStore = db.useStore('orders');
  const linksStore = db.useStore('links');
  const eventsStore = db.useStore('events');
  const restoredStore = db.useStore('restored');
  const metaStore = db.useStore('meta');

  const applyTogether = (events: readonly ParsedEvent[], page: Page) =>
    db.transact('readwrite', LEDGER_STORES, async (tx) => {
      const view = viewOf(tx);
      await prefetch(view, events);
      const applied: AppliedEvent[] = [];
      // Sequential on purpose: a later event must see what an earlier one wrote.
      for (const event of events) applied.push(await applyOne(view, event, page));
      return applied;
    });

  /** One event in its own transaction, tried twice; one that still fails is set aside. */
  const applyAlone = async (event: ParsedEvent, page: Page): Promise<AppliedEvent> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const [applied] = await applyTogether([event], page);
        return applied as AppliedEvent;
      } catch (error) {
        if (!mayBeOneEvent(error)) throw error;
        if (attempt === 2) return setAsideUnstorable(event, page.now);
      }
    }
  };

  /** Writes without reading, and without its data: its stored record may be what cannot be read. */
  const setAsideUnstorable = (event: ParsedEvent, now: number) =>
    db.transact('readwrite', ['events'], async (tx) => {
      const record = quarantined(newRecord(event, now), undefined, 'unstorable', 'IndexedDB could not store this event');
      return commitRecord(viewOf(tx), { id: event.id, type: event.type, changed: [] }, record, false);
    });

  return {
    applyBatch: async (events, now) => {
      const sorted = [...events].sort((a, b) => a.id - b.id);
      const page = { now, foreign: foreignLinks(sorted) };
      try {
        return await applyTogether(sorted, page);
      } catch (error) {
        if (!mayBeOneEvent(error)) throw error;
      }
      // No event may fail the page for the rest: each is tried alone, and set aside if it fails.
      const applied: AppliedEvent[] = [];
      try {
        for (const event of sorted) applied.push(await applyAlone(event, page));
      } catch (error) {
        if (applied.length > 0 && typeof error === 'object' && error !== null) committedBefore.set(error, applied);
        throw error;
      }
      return applied;
    },

    pendingAcks: () =>
      db.transact('readonly', ['acks'], async (tx) => (await promisifyRequest(tx.objectStore('acks').getAllKeys())) as number[]),

    clearAcks: (ids) =>
      db.transact('readwrite', ['acks'], async (tx) => {
        for (const id of ids) tx.objectStore('acks').delete(id);
      }),

    balance: async (sku) => (await get<number>(sku, balancesStore)) ?? 0,

    balances: async () => {
      // No prototype: a SKU such as "__proto__" stays a plain own key.
      const result: Record<string, number> = Object.create(null);
      for (const [sku, quantity] of await entries<string, number>(balancesStore)) result[sku] = quantity;
      return result;
    },

    order: async (id) => {
      const normalized = readId(id);
      if (normalized === undefined || normalized === INVALID) return undefined;
      const key =
        ownOrderKey(await get<string>(`o:${normalized}`, linksStore)) ?? ownOrderKey(await get<string>(`t:${normalized}`, linksStore));
      const record = key === undefined ? undefined : await get<OrderRecord>(key, ordersStore);
      return record && toOrder(record);
    },

    orders: async () => (await values<OrderRecord>(ordersStore)).sort((a, b) => (a.eventIds[0] ?? 0) - (b.eventIds[0] ?? 0)).map(toOrder),

    event: (id) => get<EventRecord>(id, eventsStore),

    consume: (sku, quantity) => {
      if (!isValidQuantity(quantity)) {
        return Promise.reject(new InvalidArgumentError('consume() needs a positive safe integer quantity'));
      }
      return db.transact('readwrite', ['balances'], async (tx) => {
        const balances = tx.objectStore('balances');
        const available = ((await promisifyRequest(balances.get(sku))) as number | undefined) ?? 0;
        if (available < quantity) throw new InsufficientBalanceError(sku, quantity, available);
        balances.put(available - quantity, sku);
        return available - quantity;
      });
    },

    compact: (now, retention) =>
      db.transact('readwrite', ['events', 'orders', 'links', 'acks'], async (tx) => {
        const pending = new Set((await promisifyRequest(tx.objectStore('acks').getAllKeys())) as number[]);
        const clock = { deviceNow: now, serverNow: await newestServerTime(tx.objectStore('events')) };
        const removed = { events: 0, orders: 0 };
        await eachRecord<EventRecord>(tx.objectStore('events'), (record) => {
          const expired = isExpiredEvent(record, clock, retention, pending.has(record.id));
          if (expired) removed.events++;
          return expired;
        });
        await eachRecord<OrderRecord>(tx.objectStore('orders'), (order) => {
          const expired = isExpiredOrder(
            order,
            clock,
            retention,
            order.eventIds.some((id) => pending.has(id)),
          );
          if (!expired) return false;
          for (const link of linkKeys(order)) tx.objectStore('links').delete(link);
          removed.orders++;
          return true;
        });
        return removed;
      }),

    restored: async () => (await values<RestoredRecord>(restoredStore)).map(({ sku, quantity }) => ({ sku, quantity })),

    generation: async () => (await get<number>(GENERATION_KEY, metaStore)) ?? 0,

    applyRestore: (inventory, generation, now) => applyRestore(db, inventory, generation, now),

    // Read and written in one transaction: two tabs with different players cannot both record.
    recordPlayer: (sub) =>
      db.transact('readwrite', ['meta'], async (tx) => {
        const meta = tx.objectStore('meta');
        const recorded: unknown = await promisifyRequest(meta.get(PLAYER_KEY));
        if (typeof recorded === 'string') return recorded;
        meta.put(sub, PLAYER_KEY);
        return sub;
      }),

    close: () => db.close(),
  };
}

/**
 * The server's clock as far as the ledger knows it: the newest `created_at` it holds. The
 * newest record is never old by it, so compaction never lowers it.
 */
async function newestServerTime(events: IDBObjectStore): Promise<number | undefined> {
  let newest: number | undefined;
  await eachRecord<EventRecord>(events, ({ createdAt }) => {
    if (createdAt !== undefined && !(createdAt <= (newest ?? -Infinity))) newest = createdAt;
    return false;
  });
  return newest;
}

/** Walks a store with a cursor, deleting each record `remove` says to. */
function eachRecord<T>(store: IDBObjectStore, remove: (value: T) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = store.openCursor();
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const cursor = request.result;
      if (!cursor) return resolve();
      if (remove(cursor.value as T)) cursor.delete();
      cursor.continue();
    };
  });
}
