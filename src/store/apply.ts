/**
 * Applying parsed events inside one readwrite transaction: reading what they need, deciding
 * each one's effect with the pure ledger, and writing balances, orders, links, the event record
 * and its pending ack together. Nothing here commits or aborts: the caller's transaction does.
 */
import { linkKeys, mergeOrders, newOrder, transition, balanceDelta, effectiveOutcome, type OrderRecord } from '../ledger/order';
import { newRecord, quarantined, toOrder, type AppliedEvent, type EventRecord } from '../ledger/records';
import { absorbRestored, type RestoredRecord } from '../ledger/restored';
import { boundedCopy } from '../events/bounded';
import { PARSER_VERSION } from '../events/parse';
import type { OrderKeys, ParsedEvent } from '../events/plan';
import type { TxView } from './tx-view';

/**
 * The value of a link that another project's event named: that order is foreign. Order keys
 * start with `o:` or `t:`, so no order key equals it.
 */
export const FOREIGN = '!other-project';
export const ownOrderKey = (key: string | undefined) => (key === FOREIGN ? undefined : key);

/**
 * Reads what a batch will need in three parallel rounds (event records and links, then the
 * orders they lead to, then the balances those orders and the new lines touch), instead of
 * several awaited requests per event. Anything missed is still read on demand.
 */
export async function prefetch(view: TxView, events: readonly ParsedEvent[]): Promise<void> {
  const keysOf = (event: ParsedEvent) => ('keys' in event.plan ? linkKeys(event.plan.keys) : []);
  await Promise.all([
    view.prefetch(
      'events',
      events.map((event) => event.id),
    ),
    view.prefetch('links', events.flatMap(keysOf)),
  ]);
  const orderKeys: string[] = [];
  for (const link of new Set(events.flatMap(keysOf))) {
    const key = ownOrderKey(await view.get<string>('links', link)); // known now: no request
    if (key !== undefined) orderKeys.push(key);
  }
  await view.prefetch('orders', orderKeys);
  const skus = new Set(events.flatMap((event) => (event.plan.kind === 'grant' ? event.plan.lines.map((line) => line.sku) : [])));
  for (const key of orderKeys) (await view.get<OrderRecord>('orders', key))?.lines.forEach((line) => skus.add(line.sku));
  await Promise.all([view.prefetch('balances', skus), view.prefetch('restored', skus)]);
}

/** What holds for a whole page: the device clock, and the links its other-project events name. */
export interface Page {
  now: number;
  /** Known before any event is applied, so a sibling listed before its foreign payment is foreign too. */
  foreign: ReadonlySet<string>;
}

export function foreignLinks(events: readonly ParsedEvent[]): Set<string> {
  return new Set(events.flatMap((event) => (event.plan.kind === 'otherProject' ? linkKeys(event.plan.keys) : [])));
}

/**
 * A quarantine recorded by an older parser gets one more look: the current parse may read it.
 * One that still cannot be read is stamped with this version and skipped from then on.
 */
function isStaleQuarantine(record: EventRecord): boolean {
  return record.outcome === 'quarantined' && (record.parserVersion ?? 0) < PARSER_VERSION;
}

export async function applyOne(view: TxView, event: ParsedEvent, page: Page): Promise<AppliedEvent> {
  const base = { id: event.id, type: event.type, changed: [] as string[] };
  const stored = await view.get<EventRecord>('events', event.id);
  // An event set aside as unstorable gets a new try each time it comes back: what failed may
  // have been the disk for a moment, not the event, and a valid purchase must not stay aside.
  const known = stored?.reason === 'unstorable' ? undefined : stored;
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
  const next = transition(current ?? newOrder(keys), plan.kind, { id: event.id, keys, lines, createdAt: event.createdAt }, page.now);
  const { order } = next;
  const outcome = effectiveOutcome(found, order, next.outcome);

  const orderDelta = balanceDelta(found, [order]);
  const restored = new Map<string, RestoredRecord>();
  for (const [sku, change] of orderDelta) {
    const record = change > 0 ? await view.get<RestoredRecord>('restored', sku) : undefined;
    if (record) restored.set(sku, record);
  }
  const { delta, absorbed } = absorbRestored(orderDelta, (sku) => restored.get(sku)?.quantity ?? 0);
  const nextBalances = new Map<string, number>();
  for (const [sku, change] of delta) {
    const next = ((await view.get<number>('balances', sku)) ?? 0) + change;
    if (!Number.isSafeInteger(next)) {
      return commitRecord(
        view,
        base,
        quarantined(record, event.data, 'balance-overflow', `balance of "${sku}" would leave the safe range`),
        false,
      );
    }
    nextBalances.set(sku, next);
  }

  for (const [sku, balance] of nextBalances) view.put('balances', sku, balance);
  for (const [sku, taken] of absorbed) putRestored(view, { ...restored.get(sku)!, quantity: restored.get(sku)!.quantity - taken });
  if (orderDelta.size > 0) await bumpGeneration(view);
  for (const stale of found) if (stale.key !== order.key) view.delete('orders', stale.key);
  view.put('orders', order.key, order);
  // Every id this purchase was ever named by, this event's included, finds the one record.
  for (const link of new Set([order, ...found, keys].flatMap(linkKeys))) view.put('links', link, order.key);
  const finalRecord: EventRecord = { ...record, outcome, orderKey: order.key };
  if (outcome === 'partialRefund') finalRecord.data = boundedCopy(event.data);
  const result = commitRecord(view, base, finalRecord, true);
  const taken = [...absorbed].map(([sku, quantity]) => ({ sku, quantity }));
  return { ...result, order: toOrder(order), changed: [...nextBalances.keys()], ...(taken.length > 0 ? { absorbed: taken } : {}) };
}

/** Writes a SKU's restored units; none left deletes the record. */
export function putRestored(view: TxView, record: RestoredRecord): void {
  if (record.quantity > 0) view.put('restored', record.sku, record);
  else view.delete('restored', record.sku);
}

/**
 * The ledger's change counter: bumped by every transaction that changes what orders grant. A
 * restore reads it before it fetches the inventory and applies only if it is unchanged, so a
 * grant or refund committed meanwhile is never judged against an inventory read before it.
 */
export const GENERATION_KEY = 'generation';
export const readGeneration = async (view: TxView) => (await view.get<number>('meta', GENERATION_KEY)) ?? 0;
async function bumpGeneration(view: TxView): Promise<void> {
  view.put('meta', GENERATION_KEY, (await readGeneration(view)) + 1);
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

export function commitRecord(
  view: TxView,
  base: Pick<AppliedEvent, 'id' | 'type' | 'changed'>,
  record: EventRecord,
  ack: boolean,
): AppliedEvent {
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
