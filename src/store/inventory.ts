/**
 * The persisted inventory and ledger. A batch of parsed events is applied in one readwrite
 * transaction: balances, order records, links, event records and pending acks are written
 * together, so after a crash either all of an event's effect is there or none of it is.
 */
import { entries, get, values } from 'idb-keyval';
import { promisifyRequest } from 'idb-keyval';
import { InsufficientBalanceError, InvalidArgumentError } from '../errors';
import { INVALID, isValidQuantity, readId } from '../events/fields';
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
import type { Database } from './database';

/** What the ledger did with one event. */
export type EventOutcome =
  | OrderOutcome
  /** Type this library does not act on: recorded and acked. */
  | 'unsupported'
  /** Belongs to another project: recorded, never acked. */
  | 'otherProject'
  /** Known type, invalid content: recorded with its raw data, never applied or acked. */
  | 'quarantined';

/** The ledger's record of one event id. */
export interface EventRecord {
  id: number;
  type: string;
  outcome: EventOutcome;
  appliedAt: number;
  orderKey?: string;
  reason?: QuarantineReason;
  detail?: string;
  /** Raw event data, kept for quarantined events and partial refunds. */
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
  /** Forgets what the retention rules allow (see ledger/retention.ts); returns what it removed. */
  compact(now: number, retention: Retention): Promise<{ events: number; orders: number }>;
  close(): Promise<void>;
}

const ORDER_ACTIONS = { grant: 'grant', revoke: 'revoke', recordTransaction: 'recordTransaction', partialRefund: 'partialRefund' } as const;

export function createInventory(db: Database): Inventory {
  const balancesStore = db.useStore('balances');
  const ordersStore = db.useStore('orders');
  const linksStore = db.useStore('links');
  const eventsStore = db.useStore('events');

  return {
    applyBatch: (events, now) =>
      db.transact('readwrite', ['balances', 'orders', 'links', 'events', 'acks'], async (tx) => {
        const applied: AppliedEvent[] = [];
        // Sequential on purpose: a later event must see what an earlier one wrote.
        for (const event of [...events].sort((a, b) => a.id - b.id)) applied.push(await applyOne(tx, event, now));
        return applied;
      }),

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
      const key = (await get<string>(`o:${normalized}`, linksStore)) ?? (await get<string>(`t:${normalized}`, linksStore));
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
        const removed = { events: 0, orders: 0 };
        await eachRecord<EventRecord>(tx.objectStore('events'), (record) => {
          const expired = isExpiredEvent(record, now, retention, pending.has(record.id));
          if (expired) removed.events++;
          return expired;
        });
        await eachRecord<OrderRecord>(tx.objectStore('orders'), (order) => {
          const expired = isExpiredOrder(order, now, retention, order.eventIds.some((id) => pending.has(id)));
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

async function read<T>(tx: IDBTransaction, store: string, key: IDBValidKey): Promise<T | undefined> {
  return (await promisifyRequest(tx.objectStore(store).get(key))) as T | undefined;
}

async function applyOne(tx: IDBTransaction, event: ParsedEvent, now: number): Promise<AppliedEvent> {
  const base = { id: event.id, type: event.type, changed: [] as string[] };
  const known = await read<EventRecord>(tx, 'events', event.id);
  if (known) {
    // Redelivered: already applied (ack again) or already set aside (leave alone).
    const setAside = known.outcome === 'quarantined' || known.outcome === 'otherProject';
    if (!setAside) tx.objectStore('acks').put(true, event.id);
    return { ...base, outcome: setAside ? 'skipped' : 'duplicate', ack: !setAside, record: known };
  }

  const { plan } = event;
  const record: EventRecord = { id: event.id, type: event.type, outcome: 'unsupported', appliedAt: now };
  switch (plan.kind) {
    case 'unsupported':
      return commitRecord(tx, base, record, true);
    case 'otherProject':
      return commitRecord(tx, base, { ...record, outcome: 'otherProject', detail: `project ${plan.projectId}` }, false);
    case 'quarantine':
      return commitRecord(tx, base, quarantined(record, event.data, plan.reason, plan.detail), false);
  }

  const { keys } = plan;
  const found = await findOrders(tx, keys);
  if (found.length === 0 && linkKeys(keys).length === 0) {
    // A partial refund naming no purchase: nothing to link, only to record.
    return commitRecord(tx, base, { ...record, outcome: 'partialRefund', data: event.data }, true);
  }
  const current = found.reduce<OrderRecord | undefined>((kept, other) => (kept ? mergeOrders(kept, other) : other), undefined);
  const lines = plan.kind === 'grant' ? plan.lines : undefined;
  const next = transition(current ?? newOrder(keys), ORDER_ACTIONS[plan.kind], { id: event.id, keys, lines }, now);
  const { order } = next;
  const outcome = effectiveOutcome(found, order, next.outcome);

  const delta = balanceDelta(found, [order]);
  const nextBalances = new Map<string, number>();
  for (const [sku, change] of delta) {
    const next = ((await read<number>(tx, 'balances', sku)) ?? 0) + change;
    if (!Number.isSafeInteger(next)) {
      return commitRecord(tx, base, quarantined(record, event.data, 'balance-overflow', `balance of "${sku}" would leave the safe range`), false);
    }
    nextBalances.set(sku, next);
  }

  for (const [sku, balance] of nextBalances) tx.objectStore('balances').put(balance, sku);
  for (const stale of found) if (stale.key !== order.key) tx.objectStore('orders').delete(stale.key);
  tx.objectStore('orders').put(order, order.key);
  // Every id this purchase was ever named by, this event's included, finds the one record.
  for (const link of new Set([order, ...found, keys].flatMap(linkKeys))) tx.objectStore('links').put(order.key, link);
  const finalRecord: EventRecord = { ...record, outcome, orderKey: order.key };
  if (outcome === 'partialRefund') finalRecord.data = event.data;
  const result = commitRecord(tx, base, finalRecord, true);
  return { ...result, order: toOrder(order), changed: [...nextBalances.keys()] };
}

function quarantined(record: EventRecord, data: unknown, reason: QuarantineReason, detail: string): EventRecord {
  return { ...record, outcome: 'quarantined', reason, detail, data };
}

function commitRecord(tx: IDBTransaction, base: Pick<AppliedEvent, 'id' | 'type' | 'changed'>, record: EventRecord, ack: boolean): AppliedEvent {
  tx.objectStore('events').put(record, record.id);
  if (ack) tx.objectStore('acks').put(true, record.id);
  return { ...base, outcome: record.outcome, ack, record };
}

/** Every distinct order record reachable from these ids (two when they were first seen apart). */
async function findOrders(tx: IDBTransaction, keys: OrderKeys): Promise<OrderRecord[]> {
  const found = new Map<string, OrderRecord>();
  for (const link of linkKeys(keys)) {
    const key = await read<string>(tx, 'links', link);
    if (key === undefined || found.has(key)) continue;
    const order = await read<OrderRecord>(tx, 'orders', key);
    if (order) found.set(key, order);
  }
  return [...found.values()];
}
