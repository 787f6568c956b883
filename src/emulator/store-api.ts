/**
 * The part of Xsolla's Store API (`https://store.xsolla.com/api`) a game client calls with the
 * player's JWT: the catalog, Create order, the Player Inventory, consume, the virtual currency
 * balance and Get order. It answers errors in the Store API's own shape,
 * `{statusCode, errorCode, errorMessage}`, which is not the Events API's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { orderRequest } from './create-order';
import { readJson, send } from './http';
import { EmulatorInputError } from './input';
import { orderStatusBody } from './payloads';
import type { PurchaseRequest, World } from './state';
import { catalogPage, type CatalogKind } from './store-catalog';

export type StoreRouteName = 'inventory' | 'consume' | 'virtualCurrencyBalance' | 'order' | 'createOrder' | 'catalog';

export interface StoreRoute {
  name: StoreRouteName;
  method: 'GET' | 'POST';
  /** The project named in the path, as written there. */
  projectId: string;
  /** The path's own part, as written there: Get order's `{orderId}`, Create order's `{sku}`, the catalog's kind. */
  param?: string;
  /** Served without the player's JWT too (Xsolla's catalog is), though a JWT sent must be good. */
  public?: true;
}

const PROJECT = '/v2/project/([^/]+)';
const ROUTES: Array<[StoreRouteName, StoreRoute['method'], RegExp]> = [
  ['inventory', 'GET', new RegExp(`^${PROJECT}/user/inventory/items$`)],
  ['consume', 'POST', new RegExp(`^${PROJECT}/user/inventory/item/consume$`)],
  ['virtualCurrencyBalance', 'GET', new RegExp(`^${PROJECT}/user/virtual_currency_balance$`)],
  ['order', 'GET', new RegExp(`^${PROJECT}/order/([^/]+)$`)],
  ['createOrder', 'POST', new RegExp(`^${PROJECT}/payment/item/([^/]+)$`)],
  ['catalog', 'GET', new RegExp(`^${PROJECT}/items(?:/(virtual_items|virtual_currency|virtual_currency/package|bundle))?$`)],
];

/** Whether a path (or a request target that is no valid URL) is the Store API's: all of `/v2/`. */
export const isStorePath = (path: string | undefined) => path?.startsWith('/v2/') === true;

/** Xsolla allows at most 50 rows (and catalog items) a page; it is also the default. */
export const INVENTORY_PAGE_LIMIT = 50;

export function matchStoreRoute(path: string): StoreRoute | undefined {
  for (const [name, method, pattern] of ROUTES) {
    const match = pattern.exec(path);
    if (match) {
      return {
        name,
        method,
        projectId: match[1]!,
        ...(match[2] === undefined ? {} : { param: match[2] }),
        ...(name === 'catalog' ? { public: true as const } : {}),
      };
    }
  }
  return undefined;
}

/** Store API error codes in Xsolla's style (`[0401-<code>]: ...`); other statuses use their own number. */
const ERROR_CODES: Record<number, number> = { 401: 1501, 403: 1501, 404: 4001, 422: 1102 };

export const storeErrorBody = (status: number, message: string, code?: number) => {
  const errorCode = code ?? ERROR_CODES[status] ?? status;
  return { statusCode: status, errorCode, errorMessage: `[0401-${errorCode}]: ${message}` };
};

/** Same signature as `sendError`, so the server's shared checks answer in either API's shape. */
export function sendStoreError(response: ServerResponse, status: number, message: string, headers: Record<string, string> = {}) {
  send(response, status, storeErrorBody(status, message), headers);
}

export interface StoreRequest {
  world: World;
  /** The authenticated player (the JWT's `sub`); empty on a public route asked without a JWT. */
  userId: string;
  request: IncomingMessage;
  response: ServerResponse;
  query: URLSearchParams;
  /** Opens an unpaid order as Pay Station's would be, and gives its Pay Station token. */
  openOrder(request: PurchaseRequest): { order_id: number; token: string };
}

/** Serves one Store API request that passed faults and authentication. */
export async function serveStoreRoute(route: StoreRoute, context: StoreRequest): Promise<void> {
  const { world, response } = context;
  if (route.projectId !== String(world.projectId)) return sendStoreError(response, 404, `project ${route.projectId} not found`);
  try {
    send(response, 200, await answer(route, context));
  } catch (error) {
    if (!(error instanceof EmulatorInputError)) throw error;
    // A body that is no JSON object is, for the Store API, an entity it cannot process.
    const status = error.status === 400 ? 422 : error.status;
    send(response, status, storeErrorBody(status, error.message, error.errorCode));
  }
}

async function answer(route: StoreRoute, { world, userId, request, query, openOrder }: StoreRequest): Promise<unknown> {
  switch (route.name) {
    case 'inventory': {
      const { offset, limit } = pageParams(query);
      return { items: world.inventories.page(userId, offset, limit) };
    }
    case 'catalog': {
      const { offset, limit } = pageParams(query);
      return catalogPage(world.shop, (route.param ?? 'items') as CatalogKind, offset, limit);
    }
    case 'createOrder': {
      const body = await readJson(request);
      return openOrder({ userId, ...orderRequest(world.shop, decodeURIComponent(route.param!), body), pending: true });
    }
    case 'consume':
      world.inventories.consume(userId, await readJson(request));
      return undefined;
    case 'virtualCurrencyBalance': {
      const balance = world.inventories.snapshot(userId).virtualCurrency;
      return {
        items: Object.entries(balance).map(([sku, amount]) => ({
          sku,
          type: 'virtual_currency',
          name: sku,
          description: null,
          image_url: null,
          amount,
        })),
      };
    }
    case 'order': {
      const orderId = /^\d+$/.test(route.param!) ? Number(route.param) : NaN;
      // Another player's order is as unknown to this player as one that never was.
      const order = Number.isSafeInteger(orderId) ? world.orderOf(userId, orderId) : undefined;
      if (!order) throw new EmulatorInputError(`order ${route.param} not found`, 404);
      return orderStatusBody(order, order.status);
    }
  }
}

/** `limit` (1 to 50, default 50) and `offset` (default 0) of a paged route. */
const pageParams = (query: URLSearchParams) => ({
  limit: integerParam(query, 'limit', INVENTORY_PAGE_LIMIT, 1, INVENTORY_PAGE_LIMIT),
  offset: integerParam(query, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
});

/** A query integer within [min, max], `fallback` when absent; 422 otherwise, as Xsolla answers. */
function integerParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new EmulatorInputError(`${name} must be an integer from ${min} to ${max}`, 422);
  return value;
}
