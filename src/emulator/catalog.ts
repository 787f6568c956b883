/**
 * The emulated store's catalog: what kind of thing each SKU is (which decides where a paid line
 * lands in Xsolla's Player Inventory: an item row, the virtual currency balance, or nowhere),
 * what it costs, and what a bundle or a currency package holds.
 */
import { EmulatorInputError, requireObject } from './input';
import { requireAmount, requireCurrency, total, type Money } from './money';
import type { PurchaseItem } from './payloads';

/**
 * `consumable`, `non_consumable` and `non_renewing_subscription` are Xsolla's
 * `virtual_item_type`s and become inventory rows; `virtual_currency` goes to the separate
 * balance; a `bundle` or a `virtual_currency_package` itself is never kept (its contents come
 * as their own lines).
 */
export type CatalogItemType =
  'consumable' | 'non_consumable' | 'non_renewing_subscription' | 'virtual_currency' | 'virtual_currency_package' | 'bundle';

/** One SKU of the store, as `startEmulator({ catalog })` takes it. */
export interface CatalogEntry {
  type: CatalogItemType;
  /** What the catalog and Pay Station call it (default: the SKU). */
  name?: string;
  /**
   * Its real-money price: `'4.99'` (the catalog's currency, USD unless a price names another),
   * `{ amount: '4.99', currency: 'EUR' }`, or `null`: not sold for real money (Create order
   * refuses it). Absent: 1.99, what every emulated order cost before catalogs had prices.
   */
  price?: string | number | { amount: string | number; currency?: string } | null;
  /** Its prices in virtual currency, e.g. `[{ sku: 'gold', amount: 50 }]`. */
  virtualPrices?: Array<{ sku: string; amount: number }>;
  /** What one unit of a bundle or a currency package holds. */
  content?: Array<{ sku: string; quantity: number }>;
}

/** SKU → its entry, or just its type (the short form: priced at 1.99, no content). */
export type Catalog = Readonly<Record<string, CatalogItemType | CatalogEntry>>;

/** A SKU as the emulator sells it: its entry checked and filled in. */
export interface Listing {
  sku: string;
  type: CatalogItemType;
  name: string;
  /** null: not sold for real money. */
  price: Money | null;
  virtualPrices: Array<{ sku: string; amount: number }>;
  content: Array<{ sku: string; quantity: number }>;
}

/** The catalog the emulator works from: its listings in the order given, and its one currency. */
export interface Shop {
  listings: ReadonlyMap<string, Listing>;
  currency: string;
}

/** The demo shop's catalog (`demo/catalog.ts`), with prices; `gold_500` is a currency package. */
export const DEFAULT_CATALOG: Readonly<Record<string, CatalogEntry>> = deepFreeze({
  dragon_blade: { type: 'non_consumable', name: 'Dragon Blade', price: '4.99' },
  health_potion: { type: 'consumable', name: 'Health Potion', price: '0.99', virtualPrices: [{ sku: 'gold', amount: 50 }] },
  gold: { type: 'virtual_currency', name: 'Gold', price: '0.01' },
  gold_500: { type: 'virtual_currency_package', name: '500 Gold', price: '1.99', content: [{ sku: 'gold', quantity: 500 }] },
  starter_pack: {
    type: 'bundle',
    name: 'Starter Pack',
    price: '7.99',
    content: [
      { sku: 'gold', quantity: 1000 },
      { sku: 'health_potion', quantity: 3 },
    ],
  },
});

const ITEM_TYPES: readonly string[] = [
  'consumable',
  'non_consumable',
  'non_renewing_subscription',
  'virtual_currency',
  'virtual_currency_package',
  'bundle',
];
const DEFAULT_AMOUNT = '1.99';
/** Enough for any real content line; times the largest order it stays a safe integer. */
const MAX_CONTENT_QUANTITY = 1_000_000;

const holdsContent = (type: CatalogItemType) => type === 'bundle' || type === 'virtual_currency_package';

export function requireCatalog(value: unknown): Shop {
  const entries = Object.entries(requireObject(value, 'catalog')).map(([sku, entry]) => readEntry(sku, entry));
  const currencies = new Set(entries.flatMap(({ currency }) => (currency === undefined ? [] : [currency])));
  if (currencies.size > 1) throw new EmulatorInputError(`catalog prices must share one currency, not ${[...currencies].join(' and ')}`);
  const currency = [...currencies][0] ?? 'USD';
  const listings = new Map<string, Listing>();
  for (const { listing, amount } of entries) {
    listings.set(listing.sku, { ...listing, price: amount === null ? null : { amount, currency } });
  }
  return { listings, currency };
}

/** One entry checked, its price still apart from the currency the whole catalog settles on. */
function readEntry(sku: string, value: unknown) {
  const where = `catalog["${sku}"]`;
  const entry = typeof value === 'string' ? { type: value } : requireObject(value, where);
  const { type, name = sku, price = DEFAULT_AMOUNT, virtualPrices = [], content = [] } = entry as Record<string, unknown>;
  if (typeof type !== 'string' || !ITEM_TYPES.includes(type)) {
    throw new EmulatorInputError(`${where} must be one of ${ITEM_TYPES.join(', ')}${typeof value === 'string' ? '' : ' (as its type)'}`);
  }
  if (typeof name !== 'string' || name === '') throw new EmulatorInputError(`${where}.name must be a non-empty string`);
  const { amount, currency } = readPrice(price, `${where}.price`);
  if (!Array.isArray(content) || (content.length > 0 && !holdsContent(type as CatalogItemType))) {
    throw new EmulatorInputError(`${where}.content must be an array, and only a bundle or a virtual_currency_package has one`);
  }
  if (!Array.isArray(virtualPrices)) throw new EmulatorInputError(`${where}.virtualPrices must be an array`);
  const listing: Omit<Listing, 'price'> = {
    sku,
    type: type as CatalogItemType,
    name,
    virtualPrices: virtualPrices.map((line: unknown) => readLine(line, `${where}.virtualPrices`, 'amount')),
    content: content.map((line: unknown) => readLine(line, `${where}.content`, 'quantity')),
  };
  return { listing, amount, currency };
}

function readPrice(price: unknown, where: string): { amount: string | null; currency?: string } {
  if (price === null) return { amount: null };
  if (typeof price !== 'object') return { amount: requireAmount(price, where) };
  const { amount, currency } = requireObject(price, where);
  return {
    amount: requireAmount(amount, `${where}.amount`),
    ...(currency === undefined ? {} : { currency: requireCurrency(currency, `${where}.currency`) }),
  };
}

/** `{sku, amount}` of a virtual price or `{sku, quantity}` of a content line: a SKU and a positive count. */
function readLine<K extends 'amount' | 'quantity'>(value: unknown, where: string, count: K): { sku: string } & Record<K, number> {
  const line = requireObject(value, `each of ${where}`);
  const n = line[count];
  if (
    typeof line.sku !== 'string' ||
    line.sku === '' ||
    typeof n !== 'number' ||
    !Number.isSafeInteger(n) ||
    n <= 0 ||
    n > MAX_CONTENT_QUANTITY
  ) {
    throw new EmulatorInputError(`each of ${where} needs a sku and a ${count} from 1 to ${MAX_CONTENT_QUANTITY}`);
  }
  return { sku: line.sku, [count]: n } as { sku: string } & Record<K, number>;
}

/**
 * What a paid line is. The catalog decides; a SKU it does not list follows the line's own
 * `type` when that says currency or bundle, and is otherwise a consumable (Xsolla's default
 * for a virtual item, and the type a restore never acts on).
 */
export function itemTypeOf(shop: Shop, line: PurchaseItem): CatalogItemType {
  const listed = shop.listings.get(line.sku);
  if (listed) return listed.type;
  if (line.type === 'virtual_currency' || line.type === 'bundle') return line.type;
  return 'consumable';
}

/** The `type` Xsolla's catalog and webhooks give a SKU of this kind. */
export function xsollaTypeOf(type: CatalogItemType): 'virtual_good' | 'virtual_currency' | 'bundle' {
  if (type === 'virtual_currency') return 'virtual_currency';
  return holdsContent(type) ? 'bundle' : 'virtual_good';
}

/** The kind of a SKU inside `holder`: as listed, else currency in a currency package, else an item. */
export function contentTypeOf(shop: Shop, holder: Listing, sku: string): CatalogItemType {
  return shop.listings.get(sku)?.type ?? (holder.type === 'virtual_currency_package' ? 'virtual_currency' : 'consumable');
}

/** The lines of an order for `quantity` of a listed SKU: the SKU itself, then what it holds. */
export function orderLines(shop: Shop, listing: Listing, quantity: number): PurchaseItem[] {
  return [
    { sku: listing.sku, quantity, type: xsollaTypeOf(listing.type) },
    ...listing.content.map((part) => ({
      sku: part.sku,
      quantity: part.quantity * quantity,
      type: xsollaTypeOf(contentTypeOf(shop, listing, part.sku)),
      isBundleContent: true,
    })),
  ];
}

/**
 * What an order costs: each charged line (not bundle content, not free) at its catalog price,
 * or at 1.99 when the catalog has none for it (the admin back door sells anything).
 */
export function priceOrder(shop: Shop, items: PurchaseItem[]): Money & { lineAmounts: Array<string | null> } {
  const lineAmounts = items.map((line) =>
    line.isBundleContent || line.isFree ? null : total([{ amount: unitAmount(shop, line.sku), quantity: line.quantity }]),
  );
  const charged = lineAmounts.flatMap((amount) => (amount === null ? [] : [{ amount, quantity: 1 }]));
  return { amount: total(charged), currency: shop.currency, lineAmounts };
}

const unitAmount = (shop: Shop, sku: string) => shop.listings.get(sku)?.price?.amount ?? DEFAULT_AMOUNT;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}
