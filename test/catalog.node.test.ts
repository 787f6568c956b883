/**
 * `catalog()`: what the player can buy, with Xsolla's prices, read page by page from the Store
 * API's sellable items list (`GET /v2/project/{projectId}/items`, which lists virtual items,
 * virtual currency packages and bundles together). The Store API is a canned axios instance
 * answering in Xsolla's shapes.
 */
import type { InternalAxiosRequestConfig } from 'axios';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { createGetUpdatesClient, HttpError, ProtocolError, type ClientEvents, type GetUpdatesClient } from '../src';
import { cannedHttp } from './support/canned-http';

const clients: GetUpdatesClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

const jwtFor = (sub: string) => `e30.${Buffer.from(JSON.stringify({ sub })).toString('base64url')}.sig`;

/** A shop whose catalog is `rows`, served 50 at most a page as Xsolla does; `answer` may answer a request instead. */
function shop(rows: unknown[], answer?: (config: InternalAxiosRequestConfig) => { status: number; data: string } | undefined) {
  const requests: Array<{ url: string; params: unknown }> = [];
  const http = cannedHttp((config) => {
    requests.push({ url: String(config.url), params: config.params });
    const answered = answer?.(config);
    if (answered) return answered;
    const { limit, offset } = config.params as { limit: number; offset: number };
    const page = rows.slice(offset, offset + Math.min(limit, 50));
    return { data: JSON.stringify({ has_more: offset + page.length < rows.length, items: page }) };
  });
  const client = createGetUpdatesClient({
    projectId: 308077,
    token: jwtFor('player-1'),
    http,
    indexedDB: new IDBFactory(),
    locks: null,
    retries: 1,
    cadence: { errorBackoff: { baseDelayMs: 1, maxDelayMs: 1 } },
  });
  clients.push(client);
  const errors: Array<ClientEvents['error']> = [];
  client.on('error', (error) => errors.push(error));
  return { client, requests, errors };
}

const potion = (n: number) => ({
  sku: `potion_${n}`,
  name: `Potion ${n}`,
  type: 'virtual_good',
  price: { amount: '0.99', amount_without_discount: '0.99', currency: 'USD' },
  virtual_prices: [],
  can_be_bought: true,
});

describe('catalog()', () => {
  it('reads every page (limit 50, offsets 0, 50, 100) and gives each item its real price as Xsolla’s decimal string', async () => {
    const rows = [
      {
        sku: 'dragon_blade',
        name: 'Dragon blade',
        type: 'virtual_good',
        price: { amount: '4.9900000000000000', currency: 'EUR' },
        virtual_prices: [{ sku: 'gold', amount: 500, is_default: true }],
        can_be_bought: false,
      },
      { sku: 'elixir', name: 'Elixir', type: 'virtual_good', price: null, virtual_prices: [{ sku: 'gold', amount: 120 }] },
      {
        sku: 'gold_500',
        name: '500 gold',
        type: 'bundle',
        bundle_type: 'virtual_currency_package',
        price: { amount: '1.99', currency: 'USD' },
        content: [{ sku: 'gold', name: 'Gold', type: 'virtual_currency', quantity: 500 }],
      },
      {
        sku: 'starter_pack',
        name: 'Starter pack',
        type: 'bundle',
        bundle_type: 'standard',
        price: { amount: '9.99', currency: 'USD' },
        content: [
          { sku: 'dragon_blade', quantity: 1 },
          { sku: 'gold', quantity: 100 },
        ],
      },
      ...Array.from({ length: 99 }, (_, n) => potion(n)),
    ];
    const { client, requests, errors } = shop(rows);
    const items = await client.catalog();
    expect(requests.map(({ url, params }) => [url, params])).toEqual([
      ['https://store.xsolla.com/api/v2/project/308077/items', { limit: 50, offset: 0 }],
      ['https://store.xsolla.com/api/v2/project/308077/items', { limit: 50, offset: 50 }],
      ['https://store.xsolla.com/api/v2/project/308077/items', { limit: 50, offset: 100 }],
    ]);
    expect(items).toHaveLength(103);
    expect(items.slice(0, 5)).toEqual([
      {
        sku: 'dragon_blade',
        name: 'Dragon blade',
        type: 'virtual_good',
        price: { amount: '4.9900000000000000', currency: 'EUR' },
        virtualPrices: [{ sku: 'gold', amount: 500 }],
        canBeBought: false,
      },
      { sku: 'elixir', name: 'Elixir', type: 'virtual_good', virtualPrices: [{ sku: 'gold', amount: 120 }], canBeBought: true },
      {
        sku: 'gold_500',
        name: '500 gold',
        type: 'virtual_currency_package',
        price: { amount: '1.99', currency: 'USD' },
        content: [{ sku: 'gold', quantity: 500 }],
        canBeBought: true,
      },
      {
        sku: 'starter_pack',
        name: 'Starter pack',
        type: 'bundle',
        price: { amount: '9.99', currency: 'USD' },
        content: [
          { sku: 'dragon_blade', quantity: 1 },
          { sku: 'gold', quantity: 100 },
        ],
        canBeBought: true,
      },
      { sku: 'potion_0', name: 'Potion 0', type: 'virtual_good', price: { amount: '0.99', currency: 'USD' }, canBeBought: true },
    ]);
    expect(errors).toEqual([]);
  });

  it('an empty shop is one request and no items; a row seen twice (the catalog changed between pages) is listed once', async () => {
    expect(await shop([]).client.catalog()).toEqual([]);
    const rows = Array.from({ length: 50 }, (_, n) => potion(n));
    const { client } = shop(rows, (config) => {
      const { offset } = config.params as { offset: number };
      // Between the pages an item was added at the top: the second page starts with the first page's last row.
      return offset === 50 ? { status: 200, data: JSON.stringify({ items: [potion(49), potion(50)] }) } : undefined;
    });
    expect((await client.catalog()).map(({ sku }) => sku)).toEqual([...rows.map(({ sku }) => sku), 'potion_50']);
  });

  it('rows a shop cannot sell from are left out, said once in an error event (phase catalog); the rest are listed', async () => {
    const rows = [
      potion(1),
      { name: 'no sku', type: 'virtual_good', price: { amount: '1.00', currency: 'USD' } },
      { ...potion(2), price: { amount: 1.99, currency: 'USD' } }, // a number: not Xsolla's decimal string
      { ...potion(3), type: undefined },
      { sku: 'broken_pack', type: 'bundle', content: [{ sku: 'gold', quantity: -1 }] },
      { ...potion(4), virtual_prices: 'gold' },
      { sku: 42, type: 'virtual_good' },
      { sku: '__proto__', name: 'A SKU like any other', type: 'virtual_good', price: { amount: '2', currency: 'USD' } },
    ];
    const { client, errors } = shop(rows);
    const items = await client.catalog();
    expect(items.map(({ sku }) => sku)).toEqual(['potion_1', '__proto__']);
    expect(errors).toEqual([{ phase: 'catalog', error: expect.any(ProtocolError) }]);
    const { message } = errors[0]!.error;
    expect(message).toContain('row 1 has no SKU');
    expect(message).toContain('row 2 ("potion_2") has a price without a decimal amount');
    expect(message).toContain('row 3 ("potion_3") has no type');
    expect(message).toContain('row 4 ("broken_pack") has virtual prices or content that cannot be read');
    expect(message).toContain('and 1 more');
  });

  it('a Store API that fails rejects with an HttpError after its retries; an answer that is not a list is a ProtocolError', async () => {
    const down = shop([potion(1)], () => ({ status: 503, data: JSON.stringify({ statusCode: 503, errorMessage: 'maintenance' }) }));
    const error = await down.client.catalog().catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 503, message: expect.stringContaining('maintenance') });
    expect(down.requests).toHaveLength(2); // the first try and one retry
    const odd = shop([], () => ({ status: 200, data: JSON.stringify({ products: [] }) }));
    await expect(odd.client.catalog()).rejects.toBeInstanceOf(ProtocolError);
  });

  it('reads from the storeUrl option, and the caller’s signal aborts it', async () => {
    const requests: string[] = [];
    const http = cannedHttp((config) => (requests.push(String(config.url)), { data: '{"items":[]}' }));
    const client = createGetUpdatesClient({
      projectId: 308077,
      token: jwtFor('player-2'),
      http,
      indexedDB: new IDBFactory(),
      locks: null,
      storeUrl: 'https://store.example/xsolla/',
    });
    clients.push(client);
    await client.catalog();
    expect(requests).toEqual(['https://store.example/xsolla/v2/project/308077/items']);
    const controller = new AbortController();
    controller.abort();
    await expect(client.catalog({ signal: controller.signal })).rejects.toBe(controller.signal.reason);
  });
});
