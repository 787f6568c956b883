/**
 * What the player can buy, with Xsolla's prices, so a shop never hard-codes them: the Store API's
 * sellable items list (virtual items, virtual currency packages and bundles on one route, 50 a
 * page), read from untrusted JSON. A row a shop cannot sell from (no SKU or type, a price or
 * content that cannot be read) is left out, and its index said once per read (as restore skips
 * a row).
 */
import { ProtocolError } from '../errors';
import { field, isValidSku } from '../events/fields';
import type { StoreApi } from '../transport/store-api';

export interface CatalogItem {
  sku: string;
  /** Xsolla's name for it (the SKU when it has none). */
  name: string;
  /**
   * Xsolla's type: `virtual_good`, `virtual_currency`, `bundle`, or another it adds; a bundle of
   * virtual currency (a currency package) is `virtual_currency_package`.
   */
  type: string;
  /** The real price, `amount` as Xsolla's decimal string (`"1.99"`); absent for an item sold only for virtual currency. */
  price?: { amount: string; currency: string };
  /** Its prices in virtual currency: `amount` units of the currency `sku`. */
  virtualPrices?: Array<{ sku: string; amount: number }>;
  /** What a bundle or a currency package holds. */
  content?: Array<{ sku: string; quantity: number }>;
  /** False when Xsolla says this player cannot buy it now (a purchase limit reached, say). */
  canBeBought: boolean;
}

const DECIMAL = /^\d+(\.\d+)?$/;

/** Every row the shop can use, in the catalog's order, each SKU once; `onSkipped` hears once of the rest. */
export async function readCatalog(storeApi: StoreApi, signal: AbortSignal, onSkipped: (error: ProtocolError) => void) {
  const items = new Map<string, CatalogItem>();
  const skipped: number[] = [];
  (await storeApi.catalogItems(signal)).forEach((row, index) => {
    const item = readItem(row);
    if (!item) skipped.push(index);
    else if (!items.has(item.sku)) items.set(item.sku, item);
  });
  if (skipped.length > 0)
    onSkipped(
      new ProtocolError(`catalog rows left out (no SKU or type, or a price, virtual prices or content unread): ${skipped.join(', ')}`),
    );
  return [...items.values()];
}

/** The row as a CatalogItem, or undefined when a shop cannot sell from it. */
function readItem(row: unknown): CatalogItem | undefined {
  const sku = field(row, 'sku');
  const type = field(row, 'type');
  const name = field(row, 'name');
  const price = field(row, 'price') ?? undefined;
  const amount = field(price, 'amount');
  const currency = field(price, 'currency');
  const virtualPrices = readLines(field(row, 'virtual_prices'), 'amount');
  const content = readLines(field(row, 'content'), 'quantity');
  const priced = price === undefined || (typeof amount === 'string' && DECIMAL.test(amount) && isValidSku(currency));
  if (!isValidSku(sku) || !isValidSku(type) || !priced || !virtualPrices || !content) return undefined;
  return {
    sku,
    name: typeof name === 'string' ? name : sku,
    type: field(row, 'bundle_type') === 'virtual_currency_package' ? 'virtual_currency_package' : type,
    ...(price && { price: { amount: amount as string, currency: currency as string } }),
    ...(virtualPrices.length > 0 && { virtualPrices: virtualPrices as CatalogItem['virtualPrices'] }),
    ...(content.length > 0 && { content: content as CatalogItem['content'] }),
    canBeBought: field(row, 'can_be_bought') !== false,
  };
}

/** The lines of a list as `{sku, [count]}` (none when absent), or undefined when one cannot be read. */
function readLines(value: unknown, count: string): Array<Record<string, unknown>> | undefined {
  if (value === undefined || value === null) return [];
  const lines = Array.isArray(value) ? value.map((line) => ({ sku: field(line, 'sku'), [count]: field(line, count) })) : [];
  const readable = lines.every((line) => isValidSku(line.sku) && Number.isSafeInteger(line[count]) && (line[count] as number) >= 0);
  return Array.isArray(value) && readable ? lines : undefined;
}
