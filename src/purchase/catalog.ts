/**
 * What the player can buy, with Xsolla's prices, so a shop never hard-codes them: the Store API's
 * sellable items list (virtual items, virtual currency packages and bundles on one route, 50 a
 * page), read from untrusted JSON. A row a shop cannot sell from (no SKU or type, a price or
 * content that cannot be read) is left out, and said so once per read (as restore skips a row).
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
/** The reasons quoted in the one error of a read: enough to find the rows. */
const QUOTED = 5;

/** Every row the shop can use, in the catalog's order, each SKU once; `onSkipped` hears of the rest. */
export async function readCatalog(storeApi: StoreApi, signal: AbortSignal, onSkipped: (error: ProtocolError) => void) {
  const items: CatalogItem[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  (await storeApi.catalogItems(signal)).forEach((row, index) => {
    const item = readItem(row);
    if (typeof item === 'string') skipped.push(`row ${index} ${item}`);
    else if (!seen.has(item.sku)) {
      seen.add(item.sku);
      items.push(item);
    }
  });
  if (skipped.length > 0) {
    const more = skipped.length > QUOTED ? ` and ${skipped.length - QUOTED} more` : '';
    onSkipped(new ProtocolError(`the catalog has rows a shop cannot use, left out: ${skipped.slice(0, QUOTED).join('; ')}${more}`));
  }
  return items;
}

/** The row as a CatalogItem, or why it cannot be one. */
function readItem(row: unknown): CatalogItem | string {
  const sku = field(row, 'sku');
  const type = field(row, 'type');
  const name = field(row, 'name');
  const price = field(row, 'price');
  if (!isValidSku(sku)) return 'has no SKU';
  if (typeof type !== 'string' || type === '') return `("${sku}") has no type`;
  const item: CatalogItem = {
    sku,
    name: typeof name === 'string' ? name : sku,
    type: field(row, 'bundle_type') === 'virtual_currency_package' ? 'virtual_currency_package' : type,
    canBeBought: field(row, 'can_be_bought') !== false,
  };
  if (price !== undefined && price !== null) {
    const amount = field(price, 'amount');
    const currency = field(price, 'currency');
    if (typeof amount !== 'string' || !DECIMAL.test(amount) || typeof currency !== 'string' || currency === '') {
      return `("${sku}") has a price without a decimal amount and a currency`;
    }
    item.price = { amount, currency };
  }
  const virtualPrices = readLines(field(row, 'virtual_prices'), 'amount');
  const content = readLines(field(row, 'content'), 'quantity');
  if (virtualPrices === undefined || content === undefined) return `("${sku}") has virtual prices or content that cannot be read`;
  if (virtualPrices.length > 0) item.virtualPrices = virtualPrices.map(([sku, amount]) => ({ sku, amount }));
  if (content.length > 0) item.content = content.map(([sku, quantity]) => ({ sku, quantity }));
  return item;
}

/** `[sku, count]` of each line of a list (none when absent), or undefined when one cannot be read. */
function readLines(value: unknown, count: string): Array<[string, number]> | undefined {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return undefined;
  const lines = value.map((line): [unknown, unknown] => [field(line, 'sku'), field(line, count)]);
  const readable = lines.every(([sku, n]) => isValidSku(sku) && Number.isSafeInteger(n) && (n as number) >= 0);
  return readable ? (lines as Array<[string, number]>) : undefined;
}
