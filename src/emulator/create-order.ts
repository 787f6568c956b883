/**
 * Xsolla's "Create order with specified item" (`POST /v2/project/{id}/payment/item/{sku}`),
 * checked against the catalog: what a game's Create order asks for, as the lines of an unpaid
 * order. Refusals carry Xsolla's statuses: 404 for a SKU the store does not have, 422 for one
 * it does not sell for real money or a body it cannot process.
 */
import { orderLines, type Shop } from './catalog';
import { EmulatorInputError, requireObject } from './input';
import type { PurchaseRequest } from './state';

/** Xsolla documents no upper bound; this one keeps every price and content line exact. */
export const MAX_ORDER_QUANTITY = 10_000;

/** Xsolla's `errorCode` for an item that cannot be ordered ("[0401-1411]: Invalid item"). */
const INVALID_ITEM = 1411;

/** A Create order body (`{quantity?, sandbox?, settings?, custom_parameters?}`) as an order's fields. */
export function orderRequest(shop: Shop, sku: string, body: Record<string, unknown>): Omit<PurchaseRequest, 'userId'> {
  const listing = shop.listings.get(sku);
  if (!listing) throw new EmulatorInputError(`Item with sku = '${sku}' not found`, 404);
  if (listing.price === null) throw new EmulatorInputError(`Invalid item: '${sku}' is not sold for real money`, 422, INVALID_ITEM);
  const { quantity = 1, sandbox = false, settings, custom_parameters: customParameters } = body;
  if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_ORDER_QUANTITY) {
    throw new EmulatorInputError(`quantity must be an integer from 1 to ${MAX_ORDER_QUANTITY}`, 422);
  }
  if (typeof sandbox !== 'boolean') throw new EmulatorInputError('sandbox must be true or false', 422);
  // Pay Station's look and return_url: accepted, and nothing in the emulator's page depends on them.
  if (settings !== undefined) requireObject(settings, 'settings');
  return {
    items: orderLines(shop, listing, quantity),
    sandbox,
    ...(customParameters === undefined ? {} : { customParameters: requireObject(customParameters, 'custom_parameters') }),
  };
}
