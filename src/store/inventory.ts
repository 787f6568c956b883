/**
 * The persisted inventory and ledger. A batch of parsed events is applied in one readwrite
 * transaction: balances, order records, links, event records and pending acks are written
 * together, so after a crash either all of an event's effect is there or none of it is.
 */
import { entries, get, values } from 'idb-keyval';
import { promisifyRequest } from 'idb-keyval';
import { InsufficientBalanceError, InvalidArgumentError, StorageError } from '../errors';
import { boundedCopy } from '../events/bounded';
import { INVALID, isValidQuantity, readId } from '../events/fields';
import { PARSER_VERSION } from '../events/parse';
import type { GrantLine, OrderKeys, ParsedEvent, QuarantineReason } from '../events/plan';
import {
  balanceDelta,
  effectiveOutcome,
  linkKeys,
  mergeOrders,
  newOrder,
  transition,
  type OrderOutcome,
  type OrderRecord,
  type OrderStatus,
} from '../ledger/order';
import { isExpiredEvent, isExpiredOrder, type Retention } from '../ledger/retention';
import type { Database, StoreName } from './database';
import { viewOf, type TxView } from './tx-view';

/** What the ledger did with one event. */
export type EventOutcome =
  | OrderOutcome
  /** Type this library does not act on: recorded and acked. */
  | 'unsupported'
  /** Belongs to another project, or to an order another project's event named: recorded, never acked. */
  | 'otherProject'
  /** Known type, invalid content: recorded with (a bounded copy of) its raw data, never applied or acked. */
  | 'quarantined';

/** The ledger's record of one event id. */
export interface EventRecord {
  id: number;
  type: string;
  outcome: EventOutcome;
  /** The device's clock when it was recorded. */
  appliedAt: number;
  /** The server's `created_at`, when the event had a readable one. */
  createdAt?: number;
  orderKey?: string;
  reason?: QuarantineReason;
  detail?: string;
  /** Which PARSER_VERSION quarantined it (absent: 0, before versions were recorded). */
  parserVersion?: number;
  /** Raw event data, bounded in depth and size, kept for quarantined events and partial refunds. */
  data?: unknown;
}

/** An order as the game sees it. */
export interface Order {
  orderId?: string;
  transactionId?: string;
  status: OrderStatus;
  items: GrantLine[];
  eventIds: number[];
  grantedAt?: number;
  revokedAt?: number;
  /** The server's `created_at` of the event that revoked or voided it. */
  revokedAtServer?: number;
}

/** The result of offering one event to the ledger. */
export interface AppliedEvent {
  id: number;
  type: string;
  /** `skipped`: already recorded as quarantined or another project's; left alone again. */
  outcome: EventOutcome | 'skipped';
  /** True when the event's effect is committed and the server should be told. */
  ack: boolean;
  order?: Order;
  record?: EventRecord;
  /** SKUs whose balance this event changed. */
  changed: string[];
}

export interface Inventory {
  /**
   * Applies a page of events in ascending id order, in one transaction. If that fails for a
   * reason that may be one event's fault, the page is applied event by event, and an event
   * that cannot be stored even alone is quarantined as `unstorable`. `now` is the device clock.
   */
  applyBatch(events: readonly ParsedEvent[], now: number): Promise<AppliedEvent[]>;
  pendingAcks(): Promise<number[]>;
  clearAcks(ids: readonly number[]): Promise<void>;
  /** The balance of one SKU (0 when never granted). */
  balance(sku: string): Promise<number>;
  /** Every balance, as an object without prototype (any SKU is a safe key). */
  balances(): Promise<Record<string, number>>;
  /** One order, by order id or transaction id. */
  order(id: string | number): Promise<Order | undefined>;
  /** Every order, oldest first. */
  orders(): Promise<Order[]>;
  /** The ledger's record of one event id (outcome, and reason when quarantined). */
  event(id: number): Promise<EventRecord | undefined>;
  /** Atomically takes `quantity` of `sku` and returns what is left; throws InsufficientBalanceError and takes nothing if short. */
  consume(sku: string, quantity: number): Promise<number>;
  /**
   * Forgets what the retention rules allow (see ledger/retention.ts); returns what it removed.
   * `now` is the device clock; a record also has to be old by the server's time to go.
   */
  compact(now: number, retention: Retention): Promise<{ events: number; orders: number }>;
  close(): Promise<void>;
}

const ORDER_ACTIONS = { grant: 'grant', revoke: 'revoke', recordTransaction: 'recordTransaction', partialRefund: 'partialRefund' } as const;
const LEDGER_STORES: readonly StoreName[] = ['balances', 'orders', 'links', 'events', 'acks'];

/**
 * The value of a link that another project's event named: that order is foreign. Order keys
 * start with `o:` or `t:`, so no order key equals it.
 */
const FOREIGN = '!other-project';
const ownOrderKey = (key: string | undefined) => (key === FOREIGN ? undefined : key);

/**
 * Worth trying alone: the page failed for a reason that may be one event's (an unclonable
 * value, a record that cannot be read back), not a full disk or a database this page cannot use.
 */
const mayBeOneEvent = (error: unknown) => error instanceof StorageError && error.reason === 'failed';

export function createInventory(db: Database): Inventory {
  const balancesStore = db.useStore('balances');
  const ordersStore = db.useStore('orders');
  const linksStore = db.useStore('links');
  const eventsStore = db.useStore('events');

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
      for (const event of sorted) applied.push(await applyAlone(event, page));
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
      const key = ownOrderKey(await get<string>(`o:${normalized}`, linksStore)) ?? ownOrderKey(await get<string>(`t:${normalized}`, linksStore));
      const record = key === undefined ? undefined : await get<OrderRecord>(key, ordersStore);
      return record && toOrder(record);
    },

    orders: async () =>
      (await values<OrderRecord>(ordersStore)).sort((a, b) => (a.eventIds[0] ?? 0) - (b.eventIds[0] ?? 0)).map(toOrder),

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
          const expired = isExpiredOrder(order, clock, retention, order.eventIds.some((id) => pending.has(id)));
          if (!expired) return false;
          for (const link of linkKeys(order)) tx.objectStore('links').delete(link);
          removed.orders++;
          return true;
        });
        return removed;
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

function toOrder(record: OrderRecord): Order {
  const { key: _key, lines, ...rest } = record;
  return { ...rest, items: lines };
}

/**
 * Reads what a batch will need in three parallel rounds (event records and links, then the
 * orders they lead to, then the balances those orders and the new lines touch), instead of
 * several awaited requests per event. Anything missed is still read on demand.
 */
async function prefetch(view: TxView, events: readonly ParsedEvent[]): Promise<void> {
  const keysOf = (event: ParsedEvent) => ('keys' in event.plan ? linkKeys(event.plan.keys) : []);
  await Promise.all([view.prefetch('events', events.map((event) => event.id)), view.prefetch('links', events.flatMap(keysOf))]);
  const orderKeys: string[] = [];
  for (const link of new Set(events.flatMap(keysOf))) {
    const key = ownOrderKey(await view.get<string>('links', link)); // known now: no request
    if (key !== undefined) orderKeys.push(key);
  }
  await view.prefetch('orders', orderKeys);
  const skus = new Set(events.flatMap((event) => (event.plan.kind === 'grant' ? event.plan.lines.map((line) => line.sku) : [])));
  for (const key of orderKeys) (await view.get<OrderRecord>('orders', key))?.lines.forEach((line) => skus.add(line.sku));
  await view.prefetch('balances', skus);
}

/** What holds for a whole page: the device clock, and the links its other-project events name. */
interface Page {
  now: number;
  /** Known before any event is applied, so a sibling listed before its foreign payment is foreign too. */
  foreign: ReadonlySet<string>;
}

function foreignLinks(events: readonly ParsedEvent[]): Set<string> {
  return new Set(events.flatMap((event) => (event.plan.kind === 'otherProject' ? linkKeys(event.plan.keys) : [])));
}

function newRecord(event: ParsedEvent, now: number): EventRecord {
  const record: EventRecord = { id: event.id, type: event.type, outcome: 'unsupported', appliedAt: now };
  if (event.createdAt !== undefined) record.createdAt = event.createdAt;
  return record;
}

/**
 * A quarantine recorded by an older parser gets one more look: the current parse may read it.
 * One that still cannot be read is stamped with this version and skipped from then on.
 */
function isStaleQuarantine(record: EventRecord): boolean {
  return record.outcome === 'quarantined' && (record.parserVersion ?? 0) < PARSER_VERSION;
}

async function applyOne(view: TxView, event: ParsedEvent, page: Page): Promise<AppliedEvent> {
  const base = { id: event.id, type: event.type, changed: [] as string[] };
  const known = await view.get<EventRecord>('events', event.id);
  if (known && isStaleQuarantine(known) && event.plan.kind === 'quarantine') {
    const restamped = { ...known, parserVersion: PARSER_VERSION };
    view.put('events', event.id, restamped);
    return { ...base, outcome: 'skipped', ack: false, record: restamped };
  }
  if (known && !isStaleQuarantine(known)) {
    // Redelivered: already applied (ack again) or already set aside (leave alone).
    const setAside = known.outcome === 'quarantined' || known.outcome === 'otherProject';
    if (!setAside) view.put('acks', event.id, true);
    return { ...base, outcome: setAside ? 'skipped' : 'duplicate', ack: !setAside, record: known };
  }

  const { plan } = event;
  const record = newRecord(event, page.now);
  switch (plan.kind) {
    case 'unsupported':
      return commitRecord(view, base, record, true);
    case 'otherProject':
      await markForeign(view, plan.keys);
      return commitRecord(view, base, { ...record, outcome: 'otherProject', detail: `project ${plan.projectId}` }, false);
    case 'quarantine':
      return commitRecord(view, base, quarantined(record, event.data, plan.reason, plan.detail), false);
  }

  const { keys } = plan;
  if (await isForeignOrder(view, keys, page.foreign)) {
    await markForeign(view, keys);
    return commitRecord(view, base, { ...record, outcome: 'otherProject', detail: "linked to another project's order" }, false);
  }
  const found = await findOrders(view, keys);
  if (found.length === 0 && linkKeys(keys).length === 0) {
    // A partial refund naming no purchase: nothing to link, only to record.
    return commitRecord(view, base, { ...record, outcome: 'partialRefund', data: boundedCopy(event.data) }, true);
  }
  const current = found.reduce<OrderRecord | undefined>((kept, other) => (kept ? mergeOrders(kept, other) : other), undefined);
  const lines = plan.kind === 'grant' ? plan.lines : undefined;
  const next = transition(current ?? newOrder(keys), ORDER_ACTIONS[plan.kind], { id: event.id, keys, lines, createdAt: event.createdAt }, page.now);
  const { order } = next;
  const outcome = effectiveOutcome(found, order, next.outcome);

  const delta = balanceDelta(found, [order]);
  const nextBalances = new Map<string, number>();
  for (const [sku, change] of delta) {
    const next = ((await view.get<number>('balances', sku)) ?? 0) + change;
    if (!Number.isSafeInteger(next)) {
      return commitRecord(view, base, quarantined(record, event.data, 'balance-overflow', `balance of "${sku}" would leave the safe range`), false);
    }
    nextBalances.set(sku, next);
  }

  for (const [sku, balance] of nextBalances) view.put('balances', sku, balance);
  for (const stale of found) if (stale.key !== order.key) view.delete('orders', stale.key);
  view.put('orders', order.key, order);
  // Every id this purchase was ever named by, this event's included, finds the one record.
  for (const link of new Set([order, ...found, keys].flatMap(linkKeys))) view.put('links', link, order.key);
  const finalRecord: EventRecord = { ...record, outcome, orderKey: order.key };
  if (outcome === 'partialRefund') finalRecord.data = boundedCopy(event.data);
  const result = commitRecord(view, base, finalRecord, true);
  return { ...result, order: toOrder(order), changed: [...nextBalances.keys()] };
}

/**
 * Another project's verdict covers its whole order: an event is foreign when one of its ids was
 * named by a foreign event and none leads to an order of ours (ids do not collide across projects;
 * if they ever did, the order we know wins, so a refund of ours is never left unapplied).
 */
async function isForeignOrder(view: TxView, keys: OrderKeys, pageForeign: ReadonlySet<string>): Promise<boolean> {
  const targets = await Promise.all(
    linkKeys(keys).map(async (link) => (await view.get<string>('links', link)) ?? (pageForeign.has(link) ? FOREIGN : undefined)),
  );
  return targets.includes(FOREIGN) && targets.every((target) => target === undefined || target === FOREIGN);
}

/** Remembers these ids as another project's, unless one already names an order of ours. */
async function markForeign(view: TxView, keys: OrderKeys): Promise<void> {
  for (const link of linkKeys(keys)) if ((await view.get<string>('links', link)) === undefined) view.put('links', link, FOREIGN);
}

function quarantined(record: EventRecord, data: unknown, reason: QuarantineReason, detail: string): EventRecord {
  const result: EventRecord = { ...record, outcome: 'quarantined', reason, detail, parserVersion: PARSER_VERSION };
  // What is kept of the raw data is bounded: one deep or huge payload must not fail its page.
  if (data !== undefined) result.data = boundedCopy(data);
  return result;
}

function commitRecord(view: TxView, base: Pick<AppliedEvent, 'id' | 'type' | 'changed'>, record: EventRecord, ack: boolean): AppliedEvent {
  view.put('events', record.id, record);
  if (ack) view.put('acks', record.id, true);
  return { ...base, outcome: record.outcome, ack, record };
}

/** Every distinct order record reachable from these ids (two when they were first seen apart). */
async function findOrders(view: TxView, keys: OrderKeys): Promise<OrderRecord[]> {
  const found = new Map<string, OrderRecord>();
  for (const link of linkKeys(keys)) {
    const key = ownOrderKey(await view.get<string>('links', link));
    if (key === undefined || found.has(key)) continue;
    const order = await view.get<OrderRecord>('orders', key);
    if (order) found.set(key, order);
  }
  return [...found.values()];
}
