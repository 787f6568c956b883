/**
 * The demo game's shop: what each buy button sells. Prices are not here: the buttons show the
 * catalog's (`client.catalog()`).
 */
import type { GrantLine } from '../src';

export interface Product {
  /** Also the buy button's test id: `buy-<id>`. */
  id: string;
  name: string;
  blurb: string;
  /** The store's SKU that `client.purchase()` orders. */
  sku: string;
  /** A glyph from common system fonts (no emoji font is assumed). */
  icon: string;
  /** What the admin back door (`?checkout=instant`) sells: the lines the store's order holds. */
  items: GrantLine[];
}

export const PRODUCTS: Product[] = [
  {
    id: 'health_potion',
    name: 'Health Potion',
    blurb: 'Restores 50 HP. Consumable.',
    sku: 'health_potion',
    icon: '⚗',
    items: [{ sku: 'health_potion', quantity: 1, type: 'virtual_good' }],
  },
  {
    id: 'dragon_blade',
    name: 'Dragon Blade',
    blurb: 'Legendary sword. Yours for good.',
    sku: 'dragon_blade',
    icon: '⚔',
    items: [{ sku: 'dragon_blade', quantity: 1, type: 'virtual_good' }],
  },
  {
    id: 'gold',
    name: '500 Gold',
    blurb: 'Virtual currency for the tavern.',
    sku: 'gold_500',
    icon: '◉',
    items: [{ sku: 'gold', quantity: 500, type: 'virtual_currency' }],
  },
  {
    id: 'starter_pack',
    name: 'Starter Pack',
    blurb: 'Bundle: 1,000 gold and 3 potions.',
    sku: 'starter_pack',
    icon: '✦',
    items: [
      { sku: 'starter_pack', quantity: 1, type: 'bundle' },
      { sku: 'gold', quantity: 1000, type: 'virtual_currency', isBundleContent: true },
      { sku: 'health_potion', quantity: 3, type: 'virtual_good', isBundleContent: true },
    ],
  },
];

/** Display names of the SKUs the inventory always shows. */
export const ITEM_NAMES: Record<string, string> = {
  gold: 'Gold',
  health_potion: 'Health Potions',
  dragon_blade: 'Dragon Blade',
  starter_pack: 'Starter Packs',
};
