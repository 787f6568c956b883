/**
 * The emulator's Store API, over real HTTP: the Player Inventory follows purchases, refunds and
 * consumes as Xsolla's does; Get order follows a Pay Station order from `new` to `done` to
 * `canceled`; and the same tokens, faults and CORS apply as on the Events API.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PRODUCTS } from '../demo/catalog';
import { DEFAULT_CATALOG, NO_FAULTS, startEmulator, type Emulator } from '../src/emulator';
import { withEmulatorOnVite } from './support/emulator-vite';
import { publishedStatuses } from './support/published-statuses';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
afterEach(() => void emulator.setFaults(NO_FAULTS));

const store = (userId: string, path: string, init: RequestInit & { token?: string | null; base?: string } = {}) => {
  const token = init.token === undefined ? emulator.issueToken(userId) : init.token;
  return fetch(`${init.base ?? emulator.url}/v2/project/${emulator.projectId}${path}`, {
    ...init,
    headers: { ...(token === null ? {} : { Authorization: `Bearer ${token}` }), ...init.headers },
  });
};
const inventoryPage = async (userId: string, query = '') => {
  const response = await store(userId, `/user/inventory/items${query}`);
  expect(response.status).toBe(200);
  return (await response.json()).items as Array<Record<string, unknown>>;
};
const consume = (userId: string, body: unknown) =>
  store(userId, '/user/inventory/item/consume', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
const getOrder = (userId: string, orderId: number | string) => store(userId, `/order/${orderId}`);
const admin = (path: string, body: unknown) => fetch(`${emulator.url}/__emulator/${path}`, { method: 'POST', body: JSON.stringify(body) });

/** The Store API's error body: not the Events API's `{error: {code, description}}`. */
const storeError = (status: number) => ({ statusCode: status, errorCode: expect.any(Number), errorMessage: expect.any(String) });

const SWORD = { sku: 'dragon_blade', quantity: 1, type: 'virtual_good' };
const POTION = { sku: 'health_potion', quantity: 1, type: 'virtual_good' };
const GOLD = { sku: 'gold', quantity: 500, type: 'virtual_currency' };
const STARTER_PACK = [
  { sku: 'starter_pack', quantity: 1, type: 'bundle' },
  { sku: 'gold', quantity: 1000, type: 'virtual_currency', isBundleContent: true },
  { sku: 'health_potion', quantity: 3, type: 'virtual_good', isBundleContent: true },
];

describe('the Player Inventory', () => {
  it('lists what the player bought, one row per SKU, typed by the demo catalog; currency and bundles are not rows', async () => {
    emulator.purchase({ userId: 'inv1', items: [SWORD] });
    emulator.purchase({ userId: 'inv1', items: [POTION], mode: 'separate' });
    emulator.purchase({ userId: 'inv1', items: [GOLD] });
    emulator.purchase({ userId: 'inv1', items: STARTER_PACK });
    emulator.purchase({ userId: 'someone-else', items: [SWORD] });

    expect(await inventoryPage('inv1')).toEqual([
      {
        sku: 'dragon_blade',
        name: 'dragon_blade',
        type: 'virtual_good',
        virtual_item_type: 'non_consumable',
        description: null,
        image_url: null,
        attributes: [],
        groups: [],
        instance_id: null,
        quantity: 1,
        remaining_uses: null,
      },
      expect.objectContaining({ sku: 'health_potion', virtual_item_type: 'consumable', quantity: 4 }),
    ]);
    const balance = await (await store('inv1', '/user/virtual_currency_balance')).json();
    expect(balance).toEqual({ items: [expect.objectContaining({ sku: 'gold', type: 'virtual_currency', amount: 1500 })] });
    expect(emulator.inventory('inv1').virtualCurrency).toEqual({ gold: 1500 });
    expect(await inventoryPage('nobody')).toEqual([]);
  });

  it('a refund takes the order’s items back out; what was consumed meanwhile is simply gone', async () => {
    const sword = emulator.purchase({ userId: 'inv2', items: [SWORD] });
    const pack = emulator.purchase({ userId: 'inv2', items: STARTER_PACK });
    emulator.purchase({ userId: 'inv2', items: [POTION] });
    expect((await consume('inv2', { sku: 'health_potion', quantity: 3 })).status).toBe(200);
    emulator.refund(sword.orderId);
    emulator.refund(pack.orderId);
    // 4 potions bought, 3 consumed, the pack's 3 refunded: none left, and never below zero.
    expect(await inventoryPage('inv2')).toEqual([]);
    expect(emulator.inventory('inv2').virtualCurrency).toEqual({ gold: 0 });
  });

  it('consume takes units of a consumable; 404 when not owned or not enough, 422 for bad input or a non-consumable', async () => {
    emulator.purchase({ userId: 'inv3', items: [{ ...POTION, quantity: 5 }, SWORD] });
    expect((await consume('inv3', { sku: 'health_potion', quantity: 2 })).status).toBe(200);
    expect(await inventoryPage('inv3')).toContainEqual(expect.objectContaining({ sku: 'health_potion', quantity: 3 }));

    const refusals: Array<[unknown, number]> = [
      [{ sku: 'health_potion', quantity: 4 }, 404],
      [{ sku: 'elixir', quantity: 1 }, 404],
      [{ sku: 'health_potion', quantity: 1, instance_id: 'no-such-instance' }, 404],
      [{ sku: 'dragon_blade', quantity: 1 }, 422],
      [{ sku: 'health_potion', quantity: 0 }, 422],
      [{ sku: 'health_potion', quantity: 1.5 }, 422],
      [{ sku: 'health_potion', quantity: '1' }, 422],
      [{ sku: 'health_potion' }, 422],
      [{ quantity: 1 }, 422],
      [{ sku: 'health_potion', quantity: 1, instance_id: 7 }, 422],
      ['{not json', 422],
      ['[1]', 422],
    ];
    for (const [body, status] of refusals) {
      const answer = await consume('inv3', body);
      expect([JSON.stringify(body), answer.status]).toEqual([JSON.stringify(body), status]);
      expect(await answer.json()).toEqual(storeError(status));
    }
    expect(await inventoryPage('inv3')).toEqual([
      expect.objectContaining({ sku: 'health_potion', quantity: 3 }),
      expect.objectContaining({ sku: 'dragon_blade', quantity: 1 }),
    ]);
    expect((await consume('inv3', { sku: 'health_potion', quantity: 3 })).status).toBe(200);
    expect(await inventoryPage('inv3')).toEqual([expect.objectContaining({ sku: 'dragon_blade' })]);
  });

  it('consumes a planted instance by instance_id', async () => {
    emulator.setInventory('inv4', [
      { sku: 'charm', quantity: 1, virtual_item_type: 'consumable', instance_id: 'a' },
      { sku: 'charm', quantity: 1, virtual_item_type: 'consumable', instance_id: 'b' },
    ]);
    expect((await consume('inv4', { sku: 'charm', quantity: null, instance_id: 'b' })).status).toBe(200);
    expect((await inventoryPage('inv4')).map((row) => row.instance_id)).toEqual(['a']);
  });

  it('pages at most 50 rows: offset 0, 50, 100 of 120 planted rows, each row once', async () => {
    const rows = Array.from({ length: 120 }, (_, i) => ({ sku: `sword_${i}`, quantity: 1, virtual_item_type: 'non_consumable' }));
    emulator.setInventory('pager', rows);
    const pages = [
      await inventoryPage('pager'),
      await inventoryPage('pager', '?limit=50&offset=50'),
      await inventoryPage('pager', '?offset=100'),
    ];
    expect(pages.map((page) => page.length)).toEqual([50, 50, 20]);
    expect(pages.flat().map((row) => row.sku)).toEqual(rows.map((row) => row.sku));
    expect(await inventoryPage('pager', '?limit=7&offset=115')).toHaveLength(5);
    expect(await inventoryPage('pager', '?offset=120')).toEqual([]);
    for (const query of ['limit=51', 'limit=0', 'limit=x', 'offset=-1', 'offset=1.5', 'limit=']) {
      const answer = await store('pager', `/user/inventory/items?${query}`);
      expect([query, answer.status]).toEqual([query, 422]);
      expect(await answer.json()).toEqual(storeError(422));
    }
  });

  it('serves planted odd content as it is: unknown types, malformed rows; a later purchase still lands', async () => {
    const odd = [
      { sku: 'mystery', quantity: 1, type: 'virtual_good', virtual_item_type: 'time_limited', instance_id: null },
      { sku: 42, quantity: 'many' },
      'not an object',
      null,
    ];
    const planted = await admin('inventory', { userId: 'odd', items: odd });
    expect(planted.status).toBe(200);
    expect(await planted.json()).toEqual({ items: odd, virtualCurrency: {} });
    emulator.purchase({ userId: 'odd', items: [SWORD] });
    expect(await inventoryPage('odd')).toEqual([...odd, expect.objectContaining({ sku: 'dragon_blade', quantity: 1 })]);
    const read = await fetch(`${emulator.url}/__emulator/inventory?userId=odd`);
    expect((await read.json()).items).toHaveLength(5);
    for (const bad of [{ userId: 'odd', items: 'x' }, { userId: '', items: [] }, { items: [] }]) {
      const answer = await admin('inventory', bad);
      expect(answer.status).toBe(400);
      expect(await answer.json()).toEqual({ error: { code: '400', description: expect.any(String) } });
    }
    expect(() => emulator.setInventory('odd', [{ big: 1n }])).toThrow(/JSON/);
  });

  it('takes its catalog from startEmulator({ catalog }); an unlisted SKU is a consumable', async () => {
    const custom = await startEmulator({ catalog: { gold: 'non_consumable', season_pass: 'non_renewing_subscription' } });
    try {
      custom.purchase({ userId: 'c', items: [GOLD, { sku: 'season_pass', quantity: 1 }, { sku: 'dragon_blade', quantity: 1 }] });
      expect(custom.inventory('c').items).toEqual([
        expect.objectContaining({ sku: 'gold', virtual_item_type: 'non_consumable', quantity: 500 }),
        expect.objectContaining({ sku: 'season_pass', virtual_item_type: 'non_renewing_subscription' }),
        expect.objectContaining({ sku: 'dragon_blade', virtual_item_type: 'consumable' }),
      ]);
    } finally {
      await custom.close();
    }
    await expect(startEmulator({ catalog: { sword: 'weapon' as 'consumable' } })).rejects.toThrow(/catalog\["sword"\]/);
  });

  it('knows every SKU the demo shop sells, with the type its shelf says and a price', () => {
    for (const item of PRODUCTS.flatMap((product) => product.items)) {
      expect(DEFAULT_CATALOG[item.sku], item.sku).toEqual(expect.objectContaining({ price: expect.stringMatching(/^\d+\.\d\d$/) }));
      if (item.type === 'virtual_currency' || item.type === 'bundle') expect(DEFAULT_CATALOG[item.sku]!.type).toBe(item.type);
    }
  });

  it('keeps orders stamped with another project out of this project’s inventory', async () => {
    emulator.purchase({ userId: 'foreign', items: [SWORD], projectId: 1 });
    expect(await inventoryPage('foreign')).toEqual([]);
  });
});

describe('Get order and Pay Station-like pending orders', () => {
  it('follows an order from new (no events) through pay (events, inventory, done) to refund (canceled)', async () => {
    const opened = await admin('purchase', { userId: 'po1', items: [SWORD], pending: true });
    const { orderId, eventIds } = await opened.json();
    expect(eventIds).toEqual([]);
    expect(emulator.state('po1').events).toEqual([]);
    expect(await (await getOrder('po1', orderId)).json()).toEqual({
      order_id: Number(orderId),
      status: 'new',
      content: {
        price: { amount: expect.any(String), amount_without_discount: expect.any(String), currency: 'USD' },
        virtual_price: null,
        is_free: false,
        items: [{ sku: 'dragon_blade', quantity: 1, is_free: false, price: expect.objectContaining({ currency: 'USD' }) }],
      },
    });
    expect(await inventoryPage('po1')).toEqual([]);
    expect(await publishedStatuses(emulator, 'po1', orderId)).toEqual(['new']);

    const paid = await (await admin('pay', { orderId })).json();
    expect(paid.eventIds).toHaveLength(1);
    expect(emulator.state('po1').events.map((event) => event.id)).toEqual(paid.eventIds);
    expect((await (await getOrder('po1', orderId)).json()).status).toBe('done');
    expect(await inventoryPage('po1')).toEqual([expect.objectContaining({ sku: 'dragon_blade', quantity: 1 })]);
    expect(await publishedStatuses(emulator, 'po1', orderId)).toEqual(['new', 'paid', 'done']);

    const repeat = await admin('pay', { orderId });
    expect(repeat.status).toBe(409);
    expect((await admin('pay', { orderId: 1 })).status).toBe(404);
    expect((await admin('pay', { orderId: 'x' })).status).toBe(400);

    expect(emulator.refund(orderId).eventIds).toHaveLength(1);
    expect((await (await getOrder('po1', orderId)).json()).status).toBe('canceled');
    expect(await inventoryPage('po1')).toEqual([]);
    expect(await publishedStatuses(emulator, 'po1', orderId)).toEqual(['new', 'paid', 'done', 'canceled']);
    expect(() => emulator.pay(orderId)).toThrow(/canceled/);
  });

  it('a paid purchase is done at once; an unpaid order can be canceled, with no events', async () => {
    const paid = emulator.purchase({ userId: 'po2', items: [POTION] });
    expect((await (await getOrder('po2', paid.orderId)).json()).status).toBe('done');
    expect(await publishedStatuses(emulator, 'po2', paid.orderId)).toEqual(['new', 'paid', 'done']);

    const unpaid = emulator.purchase({ userId: 'po2', items: [SWORD], pending: true });
    expect(emulator.refund(unpaid.orderId)).toEqual({ eventIds: [] });
    expect((await (await getOrder('po2', unpaid.orderId)).json()).status).toBe('canceled');
    expect(emulator.state('po2').orders.find((order) => order.orderId === unpaid.orderId)).toMatchObject({
      status: 'canceled',
      refunded: true,
    });
    expect(() => emulator.pay(unpaid.orderId)).toThrow(/canceled/);
    expect(emulator.state('po2').events).toHaveLength(1);
  });

  it('answers 404 for an unknown order, another player’s, or an id that is no number', async () => {
    const theirs = emulator.purchase({ userId: 'po3-other', items: [SWORD] });
    for (const id of [1, theirs.orderId, 'abc', '9'.repeat(30)]) {
      const answer = await getOrder('po3', id);
      expect([id, answer.status]).toEqual([id, 404]);
      expect(await answer.json()).toEqual(storeError(404));
    }
    expect((await admin('purchase', { userId: 'po3', items: [SWORD], pending: 'yes' })).status).toBe(400);
  });
});

describe('the Store API’s tokens, project, faults, counts and CORS', () => {
  it('refuses a missing, bad or expired token with 401 in the Store API’s shape, or faults.authFailureStatus', async () => {
    const { orderId } = emulator.purchase({ userId: 'auth', items: [SWORD] });
    const requests = (token: string | null) => [
      store('auth', '/user/inventory/items', { token }),
      store('auth', `/order/${orderId}`, { token }),
      store('auth', '/user/inventory/item/consume', { token, method: 'POST', body: '{}' }),
    ];
    for (const token of [null, '', emulator.issueToken('auth', -10), `${emulator.issueToken('auth')}x`]) {
      for (const answer of await Promise.all(requests(token))) {
        expect(answer.status).toBe(401);
        expect(await answer.json()).toEqual(storeError(401));
      }
    }
    emulator.setFaults({ authFailureStatus: 403 });
    expect((await store('auth', '/user/inventory/items', { token: null })).status).toBe(403);
  });

  it('answers 404 for another project in the path, and 405 for a wrong method', async () => {
    const token = emulator.issueToken('proj');
    const other = await fetch(`${emulator.url}/v2/project/1/user/inventory/items`, { headers: { Authorization: `Bearer ${token}` } });
    expect(other.status).toBe(404);
    expect(await other.json()).toEqual(storeError(404));
    const wrongMethod = await store('proj', '/user/inventory/items', { method: 'POST' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
  });

  it('injects faults on every Store API route, with Retry-After, and counts requests per route', async () => {
    const { orderId } = emulator.purchase({ userId: 'faulty', items: [{ ...POTION, quantity: 2 }] });
    const before = structuredClone((await (await fetch(`${emulator.url}/__emulator/stats`)).json()).storeRequests);
    const eventsBefore = (await (await fetch(`${emulator.url}/__emulator/stats`)).json()).requests;
    emulator.setFaults({ errorRate: 1, status: 429, retryAfterS: 3 });
    for (const answer of [
      await store('faulty', '/user/inventory/items'),
      await getOrder('faulty', orderId),
      await consume('faulty', { sku: 'health_potion', quantity: 1 }),
      await store('faulty', '/user/virtual_currency_balance'),
      await store('faulty', '/items'),
      await store('faulty', '/payment/item/health_potion', { method: 'POST', body: '{}' }),
    ]) {
      expect(answer.status).toBe(429);
      expect(answer.headers.get('retry-after')).toBe('3');
      expect(await answer.json()).toEqual(storeError(429));
    }
    // Injected latency delays them too (a lower bound only: load can add, never take away).
    emulator.setFaults({ errorRate: 0, latencyMs: 150 });
    const started = performance.now();
    expect((await store('faulty', '/user/inventory/items')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    emulator.setFaults(NO_FAULTS);
    // The failed consume took nothing, and the failed Create order opened nothing.
    expect(await inventoryPage('faulty')).toEqual([expect.objectContaining({ sku: 'health_potion', quantity: 2 })]);
    expect(emulator.state('faulty').orders).toHaveLength(1);
    await getOrder('faulty', orderId);
    const stats = await (await fetch(`${emulator.url}/__emulator/stats`)).json();
    expect(stats.storeRequests).toEqual({
      inventory: before.inventory + 3,
      order: before.order + 2,
      consume: before.consume + 1,
      virtualCurrencyBalance: before.virtualCurrencyBalance + 1,
      catalog: before.catalog + 1,
      createOrder: before.createOrder + 1,
    });
    // Store API calls are not Events API requests.
    expect(stats.requests).toBe(eventsBefore);
  });

  it('answers CORS preflights on the Store API routes', async () => {
    const preflight = await store('cors', '/user/inventory/items', {
      method: 'OPTIONS',
      token: null,
      headers: { Origin: 'http://localhost:5173' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Authorization');
    const answer = await store('cors', '/user/inventory/items', { headers: { Origin: 'http://localhost:5173' } });
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('is mounted on the Vite dev server’s origin by the plugin, next to /events', { timeout: 15_000 }, async () => {
    await withEmulatorOnVite(async (origin, mounted) => {
      const { orderId } = mounted.purchase({ userId: 'vite', items: [SWORD], pending: true });
      const headers = { Authorization: `Bearer ${mounted.issueToken('vite')}` };
      const base = `${origin}/v2/project/${mounted.projectId}`;
      expect((await (await fetch(`${base}/order/${orderId}`, { headers })).json()).status).toBe('new');
      const paid = await fetch(`${origin}/__emulator/pay`, { method: 'POST', body: JSON.stringify({ orderId }) });
      const { eventIds } = await paid.json();
      const listed = await (await fetch(`${origin}/events?project_id=${mounted.projectId}`, { headers })).json();
      expect(listed.events.map((event: { id: number }) => event.id)).toEqual(eventIds);
      expect((await (await fetch(`${base}/user/inventory/items`, { headers })).json()).items).toEqual([
        expect.objectContaining({ sku: 'dragon_blade', virtual_item_type: 'non_consumable' }),
      ]);
      expect((await (await fetch(`${base}/order/${orderId}`, { headers })).json()).status).toBe('done');
    });
  });
});
