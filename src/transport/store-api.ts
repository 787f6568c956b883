/**
 * Xsolla's Store API, as this library calls it with the player's JWT: the Player Inventory
 * (paged, at most 50 items a page, read until two reads agree), Get order, Create order and the
 * catalog of sellable items (paged the same way). Same request core as the Events API: token
 * refresh, typed errors, retries with Retry-After (never for Create order: a retry could make a
 * second order).
 */
import type { AxiosInstance } from 'axios';
import { GetUpdatesError, OrderNotFoundError, ProtocolError } from '../errors';
import { field, INVALID, readId } from '../events/fields';
import { isConsistent, type InventoryRead } from '../restore/listing';
import { createApi, readArray, readJson } from './request';
import type { TokenSource } from './token';

export const DEFAULT_STORE_URL = 'https://store.xsolla.com/api';

/** Xsolla's page size limit for the Player Inventory and the catalog. */
export const INVENTORY_PAGE_SIZE = 50;
/** 10,000 items: a server that never answers a short page fails the read instead of looping. */
const MAX_PAGES = 200;
/** Reads of a listing of several pages: the first, and up to three more to find two that agree. */
const MAX_INVENTORY_READS = 4;

export interface StoreApiOptions {
  storeUrl: string;
  projectId: string;
  tokens: TokenSource;
  http?: AxiosInstance;
  /** Retries of one inventory page after its first failure. */
  retries?: number;
}

export interface StoreApi {
  /**
   * Every row of the player's inventory exactly once, as the server sent them, paging until a
   * short page. A listing of several pages is read again until two reads agree (it may change
   * between page reads); when none do, rejects with a GetUpdatesError.
   */
  inventoryItems(signal?: AbortSignal): Promise<InventoryRead>;
  /**
   * The order as Get order answers it (`{order_id, status, content}`), unchecked. Not retried:
   * its caller polls. A 404 rejects with OrderNotFoundError.
   */
  getOrder(orderId: string, signal?: AbortSignal): Promise<unknown>;
  /**
   * Create order with specified item: an order in status `new`, and the token that opens Pay
   * Station for it. Xsolla's refusals (unknown SKU, not for sale, bad quantity) are HttpErrors
   * that carry its message.
   */
  createOrder(sku: string, body: { quantity: number; sandbox?: true }, signal?: AbortSignal): Promise<{ orderId: string; token: string }>;
  /** Every row of the sellable items list (virtual items, currency packages, bundles), unchecked. */
  catalogItems(signal?: AbortSignal): Promise<readonly unknown[]>;
}

export function createStoreApi(options: StoreApiOptions): StoreApi {
  const api = createApi({ baseUrl: options.storeUrl, tokens: options.tokens, http: options.http });
  const project = `/v2/project/${encodeURIComponent(options.projectId)}`;
  const inventoryPath = `${project}/user/inventory/items`;

  /** One pass over the pages of a listing, until a short page: consistent only if nothing changed meanwhile. */
  async function readPages(path: string, signal?: AbortSignal): Promise<InventoryRead> {
    const items: unknown[] = [];
    for (let pages = 1; pages <= MAX_PAGES; pages++) {
      const params = { limit: INVENTORY_PAGE_SIZE, offset: items.length };
      const response = await api.getWithRetries(path, { params, signal, retries: options.retries ?? 3 });
      const page = readArray(response.data, 'items', api.where('GET', path));
      items.push(...page);
      if (page.length < INVENTORY_PAGE_SIZE) return { items, pages };
    }
    throw new ProtocolError(`${api.where('GET', path)}: more than ${MAX_PAGES} full pages`);
  }

  return {
    async inventoryItems(signal) {
      let previous: InventoryRead | undefined;
      for (let reads = 1; reads <= MAX_INVENTORY_READS; reads++) {
        const read = await readPages(inventoryPath, signal);
        if (isConsistent(read, previous)) return read;
        previous = read;
      }
      throw new GetUpdatesError(
        `${api.where('GET', inventoryPath)}: the inventory changed while it was read (${MAX_INVENTORY_READS} reads, no two in a row alike); try again later`,
      );
    },
    async getOrder(orderId, signal) {
      const path = `${project}/order/${encodeURIComponent(orderId)}`;
      const response = await api.request('GET', path, { signal, accept: [404] });
      if (response.status === 404) throw new OrderNotFoundError(`${api.where('GET', path)}: no such order`, orderId);
      return readJson(response.data, api.where('GET', path));
    },
    async createOrder(sku, body, signal) {
      const path = `${project}/payment/item/${encodeURIComponent(sku)}`;
      const response = await api.request('POST', path, { data: body, signal });
      const answer = readJson(response.data, api.where('POST', path));
      const orderId = readId(field(answer, 'order_id'));
      const token = field(answer, 'token');
      if (orderId === undefined || orderId === INVALID || typeof token !== 'string' || token === '') {
        throw new ProtocolError(`${api.where('POST', path)}: the response has no order_id and token`);
      }
      return { orderId, token };
    },
    catalogItems: async (signal) => (await readPages(`${project}/items`, signal)).items,
  };
}
