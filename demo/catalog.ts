/** The demo game's shop: what each buy button asks the emulator to sell. */
import type { GrantLine } from '../src';

export interface Product {
  /** Also the buy button's test id: `buy-<id>`. */
  id: string;
  name: string;
  blurb: string;
  price: string;
  /** A glyph from common system fonts (no emoji font is assumed). */
  icon: string;
  items: GrantLine[];
}

export const PRODUCTS: Product[] = [
  {
    id: 'health_potion',
    name: 'Health Potion',
    blurb: 'Restores 50 HP. Consumable.',
    price: '$0.99',
    icon: '⚗',
    items: [{ sku: 'health_potion', quantity: 1, type: 'virtual_good' }],
  },
  {
    id: 'dragon_blade',
    name: 'Dragon Blade',
    blurb: 'Legendary sword. Yours for good.',
    price: '$4.99',
    icon: '⚔',
    items: [{ sku: 'dragon_blade', quantity: 1, type: 'virtual_good' }],
  },
  {
    id: 'gold',
    name: '500 Gold',
    blurb: 'Virtual currency for the tavern.',
    price: '$1.99',
    icon: '◉',
    items: [{ sku: 'gold', quantity: 500, type: 'virtual_currency' }],
  },
  {
    id: 'starter_pack',
    name: 'Starter Pack',
    blurb: 'Bundle: 1,000 gold and 3 potions.',
    price: '$7.99',
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
