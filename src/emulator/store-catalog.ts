/**
 * The Store API's catalog, as a shop reads what it can sell: every sellable item
 * (`GET /v2/project/{id}/items`), or one kind at a time (`/items/virtual_items`,
 * `/items/virtual_currency`, `/items/virtual_currency/package`, `/items/bundle`), in Xsolla's
 * shapes. A SKU with neither a real nor a virtual price is not for sale and is not listed.
 */
import { contentTypeOf, xsollaTypeOf, type CatalogItemType, type Listing, type Shop } from './catalog';

/** Which catalog route: `items` lists every kind. */
export type CatalogKind = 'items' | 'virtual_items' | 'virtual_currency' | 'virtual_currency/package' | 'bundle';

const OF_KIND: Record<CatalogKind, (type: CatalogItemType) => boolean> = {
  items: () => true,
  virtual_items: (type) => xsollaTypeOf(type) === 'virtual_good',
  virtual_currency: (type) => type === 'virtual_currency',
  'virtual_currency/package': (type) => type === 'virtual_currency_package',
  bundle: (type) => type === 'bundle',
};

/** One page of a catalog route: `{has_more, items}`. */
export function catalogPage(shop: Shop, kind: CatalogKind, offset: number, limit: number) {
  const listed = [...shop.listings.values()];
  const sellable = listed.filter((listing) => (listing.price !== null || listing.virtualPrices.length > 0) && OF_KIND[kind](listing.type));
  return {
    has_more: offset + limit < sellable.length,
    items: sellable.slice(offset, offset + limit).map((listing) => sellableItem(shop, listing, listed.indexOf(listing) + 1)),
  };
}

function sellableItem(shop: Shop, listing: Listing, itemId: number) {
  const { sku, name, type, price } = listing;
  return {
    item_id: itemId,
    sku,
    name,
    type: xsollaTypeOf(type),
    description: null,
    image_url: null,
    attributes: [],
    groups: [],
    is_free: false,
    price: price && { amount: price.amount, amount_without_discount: price.amount, currency: price.currency },
    virtual_prices: listing.virtualPrices.map((virtual, index) => ({
      sku: virtual.sku,
      name: shop.listings.get(virtual.sku)?.name ?? virtual.sku,
      type: 'virtual_currency',
      image_url: null,
      amount: virtual.amount,
      amount_without_discount: virtual.amount,
      calculated_price: { amount: String(virtual.amount), amount_without_discount: String(virtual.amount) },
      is_default: index === 0,
    })),
    can_be_bought: true,
    promotions: [],
    limits: null,
    ...kindFields(shop, listing),
  };
}

/** What only some kinds carry: an item's inventory type, a bundle's or a package's content. */
function kindFields(shop: Shop, listing: Listing) {
  if (xsollaTypeOf(listing.type) === 'virtual_good') return itemFields(listing.type);
  if (listing.type === 'virtual_currency') return {};
  return {
    bundle_type: listing.type === 'bundle' ? 'standard' : 'virtual_currency_package',
    total_content_price: null,
    content: listing.content.map(({ sku, quantity }) => {
      const type = contentTypeOf(shop, listing, sku);
      return {
        sku,
        name: shop.listings.get(sku)?.name ?? sku,
        type: xsollaTypeOf(type),
        description: null,
        image_url: null,
        quantity,
        ...(xsollaTypeOf(type) === 'virtual_good' ? itemFields(type) : {}),
      };
    }),
  };
}

const itemFields = (type: CatalogItemType) => ({
  virtual_item_type: type,
  inventory_options: { consumable: type === 'consumable' ? { usages_count: 1 } : null, expiration_period: null },
});
