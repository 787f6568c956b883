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
import { viewOf, type TxView } from './tx-view';

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
        const view = viewOf(tx);
        const sorted = [...events].sort((a, b) => a.id - b.id);
        await prefetch(view, sorted);
        const applied: AppliedEvent[] = [];
        // Sequential on purpose: a later event must see what an earlier one wrote.
        for (const event of sorted) applied.push(await applyOne(view, event, now));
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
    const key = await view.get<string>('links', link); // known now: no request
    if (key !== undefined) orderKeys.push(key);
  }
  await view.prefetch('orders', orderKeys);
  const skus = new Set(events.flatMap((event) => (event.plan.kind === 'grant' ? event.plan.lines.map((line) => line.sku) : [])));
  for (const key of orderKeys) (await view.get<OrderRecord>('orders', key))?.lines.forEach((line) => skus.add(line.sku));
  await view.prefetch('balances', skus);
}

async function applyOne(view: TxView, event: ParsedEvent, now: number): Promise<AppliedEvent> {
  const base = { id: event.id, type: event.type, changed: [] as string[] };
  const known = await view.get<EventRecord>('events', event.id);
  if (known) {
    // Redelivered: already applied (ack again) or already set aside (leave alone).
    const setAside = known.outcome === 'quarantined' || known.outcome === 'otherProject';
    if (!setAside) view.put('acks', event.id, true);
    return { ...base, outcome: setAside ? 'skipped' : 'duplicate', ack: !setAside, record: known };
  }

  const { plan } = event;
  const record: EventRecord = { id: event.id, type: event.type, outcome: 'unsupported', appliedAt: now };
  switch (plan.kind) {
    case 'unsupported':
      return commitRecord(view, base, record, true);
    case 'otherProject':
      return commitRecord(view, base, { ...record, outcome: 'otherProject', detail: `project ${plan.projectId}` }, false);
    case 'quarantine':
      return commitRecord(view, base, quarantined(record, event.data, plan.reason, plan.detail), false);
  }

  const { keys } = plan;
  const found = await findOrders(view, keys);
  if (found.length === 0 && linkKeys(keys).length === 0) {
    // A partial refund naming no purchase: nothing to link, only to record.
    return commitRecord(view, base, { ...record, outcome: 'partialRefund', data: event.data }, true);
  }
  const current = found.reduce<OrderRecord | undefined>((kept, other) => (kept ? mergeOrders(kept, other) : other), undefined);
  const lines = plan.kind === 'grant' ? plan.lines : undefined;
  const next = transition(current ?? newOrder(keys), ORDER_ACTIONS[plan.kind], { id: event.id, keys, lines }, now);
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
  if (outcome === 'partialRefund') finalRecord.data = event.data;
  const result = commitRecord(view, base, finalRecord, true);
  return { ...result, order: toOrder(order), changed: [...nextBalances.keys()] };
}

function quarantined(record: EventRecord, data: unknown, reason: QuarantineReason, detail: string): EventRecord {
  return { ...record, outcome: 'quarantined', reason, detail, data };
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
    const key = await view.get<string>('links', link);
    if (key === undefined || found.has(key)) continue;
    const order = await view.get<OrderRecord>('orders', key);
    if (order) found.set(key, order);
  }
  return [...found.values()];
}
