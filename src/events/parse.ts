/**
 * Pure parsing of GetUpdates events into plans (DESIGN.md §2). No I/O, and no input makes
 * these functions throw: anything they cannot read becomes a quarantine plan.
 */
import { INVALID, field, isRecord, isValidQuantity, isValidSku, path, readId } from './fields';
import type { EventPlan, GrantLine, OrderKeys, ParsedEvent, QuarantineReason, UnreadableEvent } from './plan';

/**
 * Raise it whenever the parser learns to read an event it used to quarantine: the ledger looks
 * once more at events quarantined by an older version (see store/apply.ts).
 */
export const PARSER_VERSION = 1;

class Quarantine extends Error {
  constructor(
    readonly reason: QuarantineReason,
    readonly detail: string,
  ) {
    super(detail);
  }
}

function quarantine(reason: QuarantineReason, detail: string): never {
  throw new Quarantine(reason, detail);
}

/** Reads an event's envelope and plans its effect for the client of `projectId`. */
export function parseEvent(raw: unknown, projectId: string): ParsedEvent | UnreadableEvent {
  const id = field(raw, 'id');
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) {
    return { id: undefined, detail: 'event has no positive integer id' };
  }
  const data = field(raw, 'data');
  const createdAt = readTime(field(raw, 'created_at'));
  const type = field(data, 'notification_type');
  if (typeof type !== 'string' || type.length === 0) {
    const plan: EventPlan = { kind: 'quarantine', reason: 'malformed-data', detail: 'data.notification_type is not a string' };
    return { id, type: 'unknown', plan, data, createdAt };
  }
  return { id, type, plan: planEvent(type, data, projectId), data, createdAt };
}

/** An ISO time from the server, in ms since the epoch; anything else is no time at all. */
function readTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const time = Date.parse(value);
  return Number.isFinite(time) ? time : undefined;
}

/** What an event's `data` means. Exported for table-driven tests over plain payloads. */
export function planEvent(type: string, data: unknown, projectId: string): EventPlan {
  try {
    const owner = readProject(data);
    if (owner !== undefined && owner !== projectId) return { kind: 'otherProject', projectId: owner, keys: foreignKeys(data) };
    switch (type) {
      case 'order_paid':
        return { kind: 'grant', keys: readKeys(data), lines: readOrderItems(data) };
      case 'payment': {
        const keys = readKeys(data);
        const lines = readPaymentLines(data);
        return lines.length > 0 ? { kind: 'grant', keys, lines } : { kind: 'recordTransaction', keys };
      }
      case 'refund':
      case 'order_canceled':
        return { kind: 'revoke', keys: readKeys(data) };
      case 'partial_refund':
        return { kind: 'partialRefund', keys: readKeys(data, { required: false }) };
      default:
        return { kind: 'unsupported' };
    }
  } catch (error) {
    if (error instanceof Quarantine) return { kind: 'quarantine', reason: error.reason, detail: error.detail };
    return { kind: 'quarantine', reason: 'malformed-data', detail: 'unreadable event data' };
  }
}

function readProject(data: unknown): string | undefined {
  const candidates = [path(data, 'settings', 'project_id'), path(data, 'billing', 'settings', 'project_id')];
  for (const candidate of candidates) {
    const id = readId(candidate);
    if (id === INVALID) quarantine('malformed-data', 'settings.project_id is not an id');
    if (id !== undefined) return id;
  }
  return undefined;
}

/** Another project's order ids, as far as they are readable: not ours to judge, only to recognise. */
function foreignKeys(data: unknown): OrderKeys {
  try {
    return readKeys(data, { required: false });
  } catch {
    return {};
  }
}

/** The first present id among candidates; a present but unusable one quarantines the event. */
function firstId(name: string, candidates: Array<[string, unknown]>): string | undefined {
  for (const [where, value] of candidates) {
    const id = readId(value);
    if (id === INVALID) quarantine('malformed-data', `${where} is not a valid ${name}`);
    if (id !== undefined) return id;
  }
  return undefined;
}

function readKeys(data: unknown, { required = true } = {}): OrderKeys {
  if (!isRecord(data)) quarantine('malformed-data', 'data is not an object');
  const orderId = firstId('order id', [
    ['order.id', path(data, 'order', 'id')],
    ['purchase.order.id', path(data, 'purchase', 'order', 'id')],
    ['billing.purchase.order.id', path(data, 'billing', 'purchase', 'order', 'id')],
  ]);
  const transactionId = firstId('transaction id', [
    ['transaction.id', path(data, 'transaction', 'id')],
    ['billing.transaction.id', path(data, 'billing', 'transaction', 'id')],
    ['order.invoice_id', path(data, 'order', 'invoice_id')],
  ]);
  if (required && orderId === undefined && transactionId === undefined) {
    quarantine('missing-order-key', 'no order id and no transaction id');
  }
  const keys: OrderKeys = {};
  if (orderId !== undefined) keys.orderId = orderId;
  if (transactionId !== undefined) keys.transactionId = transactionId;
  return keys;
}

function readArray(value: unknown, where: string): unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) quarantine('malformed-data', `${where} is not an array`);
  return value;
}

function readLine(item: unknown, where: string, quantityField: 'quantity' | 'amount'): GrantLine {
  if (!isRecord(item)) quarantine('malformed-data', `${where} is not an object`);
  const sku = field(item, 'sku');
  if (!isValidSku(sku)) quarantine('invalid-sku', `${where}.sku is not a non-empty string`);
  const quantity = field(item, quantityField);
  if (!isValidQuantity(quantity)) {
    quarantine('invalid-quantity', `${where}.${quantityField} is not a positive safe integer`);
  }
  const line: GrantLine = { sku, quantity };
  const type = field(item, 'type');
  if (typeof type === 'string') line.type = type;
  const flags = [
    ['is_bundle_content', 'isBundleContent'],
    ['is_free', 'isFree'],
    ['is_bonus', 'isBonus'],
  ] as const;
  for (const [source, target] of flags) {
    const flag = field(item, source);
    if (typeof flag === 'boolean') line[target] = flag;
  }
  return line;
}

function readLines(items: unknown[], where: string, quantityField: 'quantity' | 'amount'): GrantLine[] {
  return items.map((item, index) => readLine(item, `${where}[${index}]`, quantityField));
}

function readOrderItems(data: unknown): GrantLine[] {
  const items = readArray(field(data, 'items'), 'items');
  if (!items || items.length === 0) quarantine('missing-items', 'order_paid has no items');
  return checkTotals(readLines(items, 'items', 'quantity'));
}

/** Line items when present, else the legacy virtual_items + virtual_currency pair. */
function readPaymentLines(data: unknown): GrantLine[] {
  const lineItems = readArray(path(data, 'purchase', 'order', 'lineitems'), 'purchase.order.lineitems');
  if (lineItems && lineItems.length > 0) {
    return checkTotals(readLines(lineItems, 'purchase.order.lineitems', 'quantity'));
  }
  const legacyItems = readArray(path(data, 'purchase', 'virtual_items', 'items'), 'purchase.virtual_items.items') ?? [];
  const lines = readLines(legacyItems, 'purchase.virtual_items.items', 'amount');
  const currency = path(data, 'purchase', 'virtual_currency');
  if (currency !== undefined && currency !== null) {
    const sku = field(currency, 'sku') ?? field(currency, 'name');
    lines.push(readLine({ sku, quantity: field(currency, 'quantity') }, 'purchase.virtual_currency', 'quantity'));
  }
  return checkTotals(lines);
}

/** Lines of one SKU must also add up to a safe integer, or the grant could not be exact. */
function checkTotals(lines: GrantLine[]): GrantLine[] {
  const totals = new Map<string, number>();
  for (const { sku, quantity } of lines) {
    const total = (totals.get(sku) ?? 0) + quantity;
    if (!Number.isSafeInteger(total)) quarantine('invalid-quantity', `quantities of "${sku}" add up past the safe range`);
    totals.set(sku, total);
  }
  return lines;
}
