/**
 * The emulated store's catalog: what kind of thing each SKU is, which decides where a paid line
 * lands in Xsolla's Player Inventory (an item row, the virtual currency balance, or nowhere).
 */
import { EmulatorInputError, requireObject } from './input';
import type { PurchaseItem } from './payloads';

/**
 * `consumable`, `non_consumable` and `non_renewing_subscription` are Xsolla's
 * `virtual_item_type`s and become inventory rows; `virtual_currency` goes to the separate
 * balance; a `bundle` itself is never kept (its contents come as their own lines).
 */
export type CatalogItemType = 'consumable' | 'non_consumable' | 'non_renewing_subscription' | 'virtual_currency' | 'bundle';

/** SKU → item type. */
export type Catalog = Readonly<Record<string, CatalogItemType>>;

/** The demo shop's catalog (`demo/catalog.ts`). */
export const DEFAULT_CATALOG: Catalog = Object.freeze({
  dragon_blade: 'non_consumable',
  health_potion: 'consumable',
  gold: 'virtual_currency',
  starter_pack: 'bundle',
});

const ITEM_TYPES: readonly string[] = ['consumable', 'non_consumable', 'non_renewing_subscription', 'virtual_currency', 'bundle'];

export function requireCatalog(value: unknown): Catalog {
  const entries = Object.entries(requireObject(value, 'catalog'));
  for (const [sku, type] of entries) {
    if (typeof type !== 'string' || !ITEM_TYPES.includes(type)) {
      throw new EmulatorInputError(`catalog["${sku}"] must be one of ${ITEM_TYPES.join(', ')}`);
    }
  }
  // A null-prototype copy: SKUs such as `__proto__` or `constructor` are data, not inherited keys.
  return Object.freeze(Object.assign(Object.create(null) as Record<string, CatalogItemType>, Object.fromEntries(entries)));
}

/**
 * What a paid line is. The catalog decides; a SKU it does not list follows the line's own
 * `type` when that says currency or bundle, and is otherwise a consumable (Xsolla's default
 * for a virtual item, and the type a restore never acts on).
 */
export function itemTypeOf(catalog: Catalog, line: PurchaseItem): CatalogItemType {
  if (Object.hasOwn(catalog, line.sku)) return catalog[line.sku]!;
  if (line.type === 'virtual_currency' || line.type === 'bundle') return line.type;
  return 'consumable';
}
