/**
 * The purchase path a game ships, against the emulator over real HTTP: the catalog with its
 * prices, Create order with the player's JWT, and Pay Station's page with its buttons Pay,
 * Pay later and Decline. Paying on the page pays through the same world as `pay()`: events in
 * the order's webhook mode, the Player Inventory, Get order and the order-status channel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planEvent } from '../src/events/parse';
import { startEmulator, type Emulator } from '../src/emulator';
import { withEmulatorOnVite } from './support/emulator-vite';
import { openPayStation } from './support/paystation-window';
import { publishedStatuses } from './support/published-statuses';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

type Init = { token?: string | null; body?: unknown; method?: string; on?: Emulator };
/** A Store API call as the game makes it: the player's JWT unless `token` says otherwise. */
function store(userId: string, path: string, { token, body, method, on = emulator }: Init = {}) {
  const bearer = token === undefined ? on.issueToken(userId) : token;
  return fetch(`${on.url}/v2/project/${on.projectId}${path}`, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { 'Content-Type': 'application/json', ...(bearer === null ? {} : { Authorization: `Bearer ${bearer}` }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}
const createOrder = (userId: string, sku: string, body: unknown = {}, init: Init = {}) =>
  store(userId, `/payment/item/${sku}`, { body, ...init });
/** Create order that must succeed: `{order_id, token}`. */
async function openOrder(userId: string, sku: string, body: unknown = {}, on = emulator) {
  const answer = await createOrder(userId, sku, body, { on });
  expect(answer.status).toBe(200);
  return (await answer.json()) as { order_id: number; token: string };
}
const getOrder = async (userId: string, orderId: number, on = emulator) => (await store(userId, `/order/${orderId}`, { on })).json();
const payStationUrl = (token: string, on = emulator) => `${on.url}/paystation4/?token=${encodeURIComponent(token)}`;
/** What the page's buttons call. */
const payStationAction = (action: string, body: unknown, on = emulator) =>
  fetch(`${on.url}/paystation4/${action}`, { method: 'POST', body: JSON.stringify(body) });
const orderIn = (userId: string, orderId: number, on = emulator) =>
  on.state(userId).orders.find((order) => order.orderId === String(orderId));
const notificationTypes = (userId: string, on = emulator) =>
  on.state(userId).events.map((event) => (event.data as { notification_type: string }).notification_type);

/** The Store API's error body. */
const storeError = (status: number) => ({ statusCode: status, errorCode: expect.any(Number), errorMessage: expect.any(String) });

describe('Create order (POST /v2/project/{projectId}/payment/item/{sku})', () => {
  it('opens an order in status new with a Pay Station token: no events, `new` on the channel, nothing in the inventory', async () => {
    const { order_id: orderId, token } = await openOrder('co1', 'dragon_blade');
    expect(orderId).toEqual(expect.any(Number));
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(emulator.state('co1')).toEqual({
      events: [],
      orders: [
        {
          orderId: String(orderId),
          transactionId: expect.any(String),
          items: [{ sku: 'dragon_blade', quantity: 1, type: 'virtual_good' }],
          mode: 'combined',
          status: 'new',
          refunded: false,
          projectId: emulator.projectId,
          sandbox: false,
          price: { amount: '4.99', currency: 'USD' },
        },
      ],
      inventory: { items: [], virtualCurrency: {} },
    });
    expect(await getOrder('co1', orderId)).toMatchObject({
      order_id: orderId,
      status: 'new',
      content: { price: { amount: '4.99', currency: 'USD' }, items: [{ sku: 'dragon_blade', quantity: 1 }] },
    });
    expect(await publishedStatuses(emulator, 'co1', orderId)).toEqual(['new']);
  });

  it('orders a bundle or a currency package with what it holds, times the quantity, at the catalog price; sandbox is recorded', async () => {
    const pack = await openOrder('co2', 'starter_pack', { quantity: 2, sandbox: true });
    const gold = await openOrder('co2', 'gold_500', { quantity: 1, custom_parameters: { campaign: 'spring' } });
    const coins = await openOrder('co2', 'gold', { quantity: 250 });
    expect(orderIn('co2', pack.order_id)).toMatchObject({
      sandbox: true,
      price: { amount: '15.98', currency: 'USD' },
      items: [
        { sku: 'starter_pack', quantity: 2, type: 'bundle' },
        { sku: 'gold', quantity: 2000, type: 'virtual_currency', isBundleContent: true },
        { sku: 'health_potion', quantity: 6, type: 'virtual_good', isBundleContent: true },
      ],
    });
    expect(orderIn('co2', gold.order_id)).toMatchObject({
      sandbox: false,
      price: { amount: '1.99', currency: 'USD' },
      items: [
        { sku: 'gold_500', quantity: 1, type: 'bundle' },
        { sku: 'gold', quantity: 500, type: 'virtual_currency', isBundleContent: true },
      ],
    });
    expect(orderIn('co2', coins.order_id)).toMatchObject({ price: { amount: '2.50' }, items: [{ sku: 'gold', quantity: 250 }] });
    // Get order lists what was bought, never what a bundle holds.
    expect((await getOrder('co2', pack.order_id)).content.items).toEqual([
      { sku: 'starter_pack', quantity: 2, is_free: false, price: { amount: '15.98', amount_without_discount: '15.98', currency: 'USD' } },
    ]);
    // The buyer's custom_parameters reach the payment events.
    await payStationAction('pay', { token: gold.token });
    expect(emulator.state('co2').events[0]!.data).toMatchObject({ custom_parameters: { campaign: 'spring' } });
    expect(emulator.state('co2').inventory.virtualCurrency).toEqual({ gold: 500 });
  });

  it('refuses as the Store API does, and opens no order: unknown SKU 404, not for sale or bad body 422, bad token 401', async () => {
    const refusals: Array<[string, unknown, number, Init?]> = [
      ['elixir', {}, 404],
      ['dragon_blade', { quantity: 0 }, 422],
      ['dragon_blade', { quantity: -1 }, 422],
      ['dragon_blade', { quantity: 1.5 }, 422],
      ['dragon_blade', { quantity: '1' }, 422],
      ['dragon_blade', { quantity: null }, 422],
      ['dragon_blade', { quantity: 10_001 }, 422],
      ['dragon_blade', { sandbox: 'yes' }, 422],
      ['dragon_blade', { settings: 'dark' }, 422],
      ['dragon_blade', { custom_parameters: [1] }, 422],
      ['dragon_blade', '{not json', 422],
      ['dragon_blade', '[1]', 422],
      ['dragon_blade', {}, 401, { token: null }],
      ['dragon_blade', {}, 401, { token: 'not-a-jwt' }],
      ['dragon_blade', {}, 401, { token: emulator.issueToken('co3', -10) }],
    ];
    for (const [sku, body, status, init] of refusals) {
      const answer = await createOrder('co3', sku, body, init);
      const what = `${sku} ${JSON.stringify(body)} ${init?.token === undefined ? '' : 'with a bad token'}`;
      expect([what, answer.status]).toEqual([what, status]);
      expect(await answer.json()).toEqual(storeError(status));
    }
    const unknown = await (await createOrder('co3', 'elixir')).json();
    expect(unknown).toEqual({ statusCode: 404, errorCode: 4001, errorMessage: "[0401-4001]: Item with sku = 'elixir' not found" });
    const elsewhere = await fetch(`${emulator.url}/v2/project/1/payment/item/dragon_blade`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${emulator.issueToken('co3')}` },
    });
    expect(elsewhere.status).toBe(404);
    expect((await store('co3', '/payment/item/dragon_blade')).status).toBe(405);
    expect(emulator.state('co3').orders).toEqual([]);
    // An empty body is Xsolla's defaults: one unit, not sandbox.
    const plain = await store('co3', '/payment/item/health_potion', { method: 'POST' });
    expect(plain.status).toBe(200);
    expect(emulator.state('co3').orders).toEqual([
      expect.objectContaining({ items: [expect.objectContaining({ quantity: 1 })], sandbox: false }),
    ]);
  });
});

describe('the Pay Station page (/paystation4/?token=)', () => {
  it('is a real page with the item, its quantity and price, and the buttons Pay, Pay later and Decline, under a CSP', async () => {
    const { token } = await openOrder('ps1', 'starter_pack', { quantity: 2 });
    const page = await openPayStation(payStationUrl(token));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect([...page.html.matchAll(/<button[^>]*>([^<]*)<\/button>/g)].map((match) => match[1])).toEqual([
      'Pay',
      'Pay later',
      'Decline',
      'Close',
    ]);
    expect(page.visible('actions')).toBe(true);
    expect(page.visible('done')).toBe(false);
    expect(page.html).toContain('Starter Pack × 2');
    expect(page.html).toContain('Gold × 2000');
    expect(page.html).toContain('Health Potion × 6');
    expect(page.html).toMatch(/id="total">15\.98 USD</);
    // Only its own nonce'd style and script run, and nothing is loaded from anywhere.
    const csp = page.headers.get('content-security-policy')!;
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`script-src 'nonce-${nonce}'`);
    expect(page.html).toContain(`<script nonce="${nonce}">`);
    expect(page.html).not.toMatch(/\b(src|href)=/);
    // A fresh nonce for every page.
    expect((await fetch(payStationUrl(token))).headers.get('content-security-policy')).not.toContain(nonce);
  });

  it('Pay pays the order as pay() does, in the order’s webhook mode: events, inventory, Get order, socket, and Pay Station’s messages', async () => {
    const combined = await openOrder('ps2', 'dragon_blade');
    expect(await (await fetch(`${emulator.url}/__emulator/webhook-mode`)).json()).toEqual({ mode: 'combined' });
    const switched = await fetch(`${emulator.url}/__emulator/webhook-mode`, { method: 'POST', body: JSON.stringify({ mode: 'separate' }) });
    expect(await switched.json()).toEqual({ mode: 'separate' });
    try {
      const separate = await openOrder('ps2', 'health_potion', { quantity: 3 });
      for (const [order, types] of [
        [combined, ['order_paid']],
        [separate, ['payment', 'order_paid']],
      ] as const) {
        const before = emulator.state('ps2').events.length;
        const page = await openPayStation(payStationUrl(order.token));
        await page.click('pay');
        expect(page.text('message')).toBe('Payment successful');
        expect(page.visible('actions')).toBe(false);
        const { transactionId, status } = orderIn('ps2', order.order_id)!;
        expect(status).toBe('done');
        // Pay Station's own message, a JSON string as Xsolla's, to the window that opened it.
        expect(page.posted).toEqual([
          { command: 'status', data: { paymentInfo: { status: 'done', invoice: transactionId } }, targetOrigin: '*' },
        ]);
        const events = emulator.state('ps2').events.slice(before);
        expect(events.map((event) => (event.data as { notification_type: string }).notification_type)).toEqual(types);
        // The client's parser reads each as a grant of this order (its ledger grants the order once).
        for (const event of events) {
          const plan = planEvent((event.data as { notification_type: string }).notification_type, event.data, String(emulator.projectId));
          expect(plan).toMatchObject({ kind: 'grant', keys: { orderId: String(order.order_id) } });
        }
        expect((await getOrder('ps2', order.order_id)).status).toBe('done');
        expect(await publishedStatuses(emulator, 'ps2', order.order_id)).toEqual(['new', 'paid', 'done']);
        // The page closing afterwards tells the opener too.
        page.unload();
        expect(page.posted.at(-1)).toEqual({ command: 'close', data: {}, targetOrigin: '*' });
      }
      expect(emulator.state('ps2').orders.map((order) => order.mode)).toEqual(['combined', 'separate']);
      expect(emulator.state('ps2').inventory.items).toEqual([
        expect.objectContaining({ sku: 'dragon_blade', quantity: 1 }),
        expect.objectContaining({ sku: 'health_potion', quantity: 3 }),
      ]);
      // The order's payment carries the catalog's price.
      expect(emulator.state('ps2').events[0]!.data).toMatchObject({ order: { amount: '4.99', currency: 'USD' } });
      // A used token opens an error page, and paying again is refused.
      expect((await fetch(payStationUrl(combined.token))).status).toBe(409);
      expect((await payStationAction('pay', { token: combined.token })).status).toBe(409);
      expect(emulator.state('ps2').events).toHaveLength(3);
    } finally {
      emulator.setWebhookMode('combined');
    }
  });

  it('Pay later leaves the order new: the page tells its opener `close` and closes; the order can still be paid', async () => {
    const { order_id: orderId, token } = await openOrder('ps3', 'gold_500');
    const page = await openPayStation(payStationUrl(token));
    await page.click('later');
    expect(page.posted).toEqual([{ command: 'close', data: {}, targetOrigin: '*' }]);
    expect(page.closed()).toBe(true);
    page.unload();
    expect(page.posted).toHaveLength(1);
    expect(orderIn('ps3', orderId)!.status).toBe('new');
    expect(emulator.state('ps3').events).toEqual([]);
    expect((await getOrder('ps3', orderId)).status).toBe('new');
    // The same token opens Pay Station again, and the order pays once, later.
    expect((await fetch(payStationUrl(token))).status).toBe(200);
    expect(emulator.pay(orderId).eventIds).toHaveLength(1);
    expect(emulator.state('ps3').inventory.virtualCurrency).toEqual({ gold: 500 });
  });

  it('a declined card leaves the order unpaid and the page says so; Pay afterwards pays it once', async () => {
    const { order_id: orderId, token } = await openOrder('ps4', 'dragon_blade');
    const page = await openPayStation(payStationUrl(token));
    await page.click('decline');
    expect(page.text('message')).toMatch(/^Payment declined/);
    expect(page.posted).toEqual([
      { command: 'status', data: { paymentInfo: { status: 'troubled', invoice: expect.any(String) } }, targetOrigin: '*' },
    ]);
    expect(orderIn('ps4', orderId)!.status).toBe('new');
    expect(emulator.state('ps4').events).toEqual([]);
    expect(emulator.state('ps4').inventory.items).toEqual([]);
    expect((await getOrder('ps4', orderId)).status).toBe('new');

    await page.click('pay');
    expect(page.text('message')).toBe('Payment successful');
    expect(notificationTypes('ps4')).toEqual(['order_paid']);
    expect(emulator.state('ps4').inventory.items).toEqual([expect.objectContaining({ sku: 'dragon_blade', quantity: 1 })]);
    expect(await publishedStatuses(emulator, 'ps4', orderId)).toEqual(['new', 'paid', 'done']);
    // Its buttons are gone, and what they call refuses to pay it twice.
    expect(page.visible('actions')).toBe(false);
    expect((await payStationAction('pay', { token })).status).toBe(409);
    expect((await payStationAction('decline', { token })).status).toBe(409);
    expect(notificationTypes('ps4')).toEqual(['order_paid']);
  });

  it('closing the window tells the opener `close`, once', async () => {
    const { order_id: orderId, token } = await openOrder('ps5', 'health_potion');
    const page = await openPayStation(payStationUrl(token));
    page.unload();
    page.unload();
    expect(page.posted).toEqual([{ command: 'close', data: {}, targetOrigin: '*' }]);
    expect(orderIn('ps5', orderId)!.status).toBe('new');
  });

  it('an unknown, missing or spent token gets an error page, not a crash; the buttons’ endpoints answer 404 and 409', async () => {
    const canceled = await openOrder('ps6', 'dragon_blade');
    emulator.refund(canceled.order_id);
    for (const [url, status, says] of [
      [payStationUrl('nope'), 404, 'not valid'],
      [`${emulator.url}/paystation4/`, 404, 'not valid'],
      [payStationUrl(canceled.token), 409, 'canceled'],
    ] as const) {
      const page = await openPayStation(url);
      expect([url, page.status]).toEqual([url, status]);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.html).toContain(says);
      expect(page.html).not.toContain('<button');
      expect(page.html).not.toContain('<script');
    }
    for (const [action, body, status] of [
      ['pay', { token: 'nope' }, 404],
      ['pay', {}, 404],
      ['pay', { token: 7 }, 404],
      ['decline', { token: 'nope' }, 404],
      ['pay', { token: canceled.token }, 409],
      ['decline', { token: canceled.token }, 409],
    ] as const) {
      const answer = await payStationAction(action, body);
      expect([action, body, answer.status]).toEqual([action, body, status]);
      expect(await answer.json()).toEqual({ error: { code: String(status), description: expect.any(String) } });
    }
    expect((await fetch(`${emulator.url}/paystation4/`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${emulator.url}/paystation4/pay`)).status).toBe(405);
    expect((await fetch(`${emulator.url}/paystation4/refund`, { method: 'POST' })).status).toBe(404);
    expect(emulator.state('ps6').events).toEqual([]);
  });

  it(
    'is mounted on the Vite dev server’s origin with Create order, so a demo page opens it from its own origin',
    { timeout: 15_000 },
    async () => {
      await withEmulatorOnVite(async (origin, mounted) => {
        const answer = await fetch(`${origin}/v2/project/${mounted.projectId}/payment/item/dragon_blade`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${mounted.issueToken('vite-buyer')}` },
          body: '{}',
        });
        const { order_id: orderId, token } = await answer.json();
        const page = await openPayStation(`${origin}/paystation4/?token=${token}`);
        await page.click('pay');
        expect(page.text('message')).toBe('Payment successful');
        expect(mounted.state('vite-buyer').orders).toEqual([expect.objectContaining({ orderId: String(orderId), status: 'done' })]);
      });
    },
  );
});

describe('the catalog routes', () => {
  const skus = (body: { items: Array<{ sku: string }> }) => body.items.map((item) => item.sku);

  it('list what the demo shop sells with real prices; /items covers every kind, and each kind has its own route', async () => {
    // The catalog needs no JWT.
    const all = await (await store('', '/items', { token: null })).json();
    expect(all.has_more).toBe(false);
    expect(skus(all)).toEqual(['dragon_blade', 'health_potion', 'gold', 'gold_500', 'starter_pack']);
    const [blade, potion, gold, gold500, pack] = all.items;
    expect(blade).toEqual({
      item_id: expect.any(Number),
      sku: 'dragon_blade',
      name: 'Dragon Blade',
      type: 'virtual_good',
      description: null,
      image_url: null,
      attributes: [],
      groups: [],
      is_free: false,
      price: { amount: '4.99', amount_without_discount: '4.99', currency: 'USD' },
      virtual_prices: [],
      can_be_bought: true,
      promotions: [],
      limits: null,
      virtual_item_type: 'non_consumable',
      inventory_options: { consumable: null, expiration_period: null },
    });
    expect(potion).toMatchObject({
      price: { amount: '0.99' },
      virtual_item_type: 'consumable',
      virtual_prices: [{ sku: 'gold', name: 'Gold', type: 'virtual_currency', amount: 50, amount_without_discount: 50, is_default: true }],
    });
    expect(gold).toMatchObject({ type: 'virtual_currency', price: { amount: '0.01', currency: 'USD' } });
    expect(gold).not.toHaveProperty('content');
    expect(gold500).toMatchObject({
      type: 'bundle',
      bundle_type: 'virtual_currency_package',
      price: { amount: '1.99' },
      content: [{ sku: 'gold', name: 'Gold', type: 'virtual_currency', quantity: 500 }],
    });
    expect(pack).toMatchObject({
      type: 'bundle',
      bundle_type: 'standard',
      price: { amount: '7.99' },
      content: [
        { sku: 'gold', type: 'virtual_currency', quantity: 1000 },
        { sku: 'health_potion', type: 'virtual_good', virtual_item_type: 'consumable', quantity: 3 },
      ],
    });
    for (const [route, expected] of [
      ['/items/virtual_items', ['dragon_blade', 'health_potion']],
      ['/items/virtual_currency', ['gold']],
      ['/items/virtual_currency/package', ['gold_500']],
      ['/items/bundle', ['starter_pack']],
    ] as const) {
      const answer = await store('cat1', route);
      expect([route, answer.status]).toEqual([route, 200]);
      expect([route, skus(await answer.json())]).toEqual([route, expected]);
    }
  });

  it('pages by limit (at most 50) and offset with has_more; a JWT is optional, but a bad one is refused', async () => {
    const catalog = Object.fromEntries(
      Array.from({ length: 120 }, (_, i) => [`sword_${i}`, { type: 'non_consumable', price: `${i}.50` } as const]),
    );
    const big = await startEmulator({ catalog });
    try {
      const page = async (query: string, token?: string | null) => (await store('pager', `/items${query}`, { on: big, token })).json();
      const pages = [await page(''), await page('?limit=50&offset=50'), await page('?offset=100', null)];
      expect(pages.map((p) => [p.items.length, p.has_more])).toEqual([
        [50, true],
        [50, true],
        [20, false],
      ]);
      expect(pages.flatMap(skus)).toEqual(Object.keys(catalog));
      expect(pages[2].items[19].price).toEqual({ amount: '119.50', amount_without_discount: '119.50', currency: 'USD' });
      expect(await page('?limit=7&offset=115')).toMatchObject({ has_more: false, items: { length: 5 } });
      expect(await page('?limit=5&offset=110')).toMatchObject({ has_more: true, items: { length: 5 } });
      expect(await page('?offset=120')).toEqual({ has_more: false, items: [] });
      for (const query of ['limit=51', 'limit=0', 'limit=x', 'offset=-1', 'offset=1.5']) {
        const answer = await store('pager', `/items/virtual_items?${query}`, { on: big });
        expect([query, answer.status]).toEqual([query, 422]);
        expect(await answer.json()).toEqual(storeError(422));
      }
      for (const token of ['not-a-jwt', big.issueToken('pager', -10)]) {
        const answer = await store('pager', '/items', { on: big, token });
        expect(answer.status).toBe(401);
        expect(await answer.json()).toEqual(storeError(401));
      }
    } finally {
      await big.close();
    }
  });

  it('takes prices and contents from startEmulator({ catalog }), the short SKU → type form too; what has no real price cannot be ordered', async () => {
    const custom = await startEmulator({
      catalog: {
        sword: 'non_consumable',
        amulet: { type: 'non_consumable', name: 'Amulet', price: null, virtualPrices: [{ sku: 'gems', amount: 100 }] },
        gems: { type: 'virtual_currency', name: 'Gems', price: { amount: '0.05', currency: 'EUR' } },
        gem_chest: { type: 'virtual_currency_package', name: 'Chest of gems', price: 9.99, content: [{ sku: 'gems', quantity: 250 }] },
        relic: { type: 'consumable', price: null },
      },
    });
    try {
      const listed = await (await store('', '/items', { on: custom, token: null })).json();
      expect(
        listed.items.map((item: { sku: string; price: unknown }) => [item.sku, item.price && (item.price as { amount: string }).amount]),
      ).toEqual([
        ['sword', '1.99'],
        ['amulet', null],
        ['gems', '0.05'],
        ['gem_chest', '9.99'],
      ]);
      expect(
        listed.items.every((item: { price: { currency: string } | null }) => item.price === null || item.price.currency === 'EUR'),
      ).toBe(true);
      expect(listed.items[1].virtual_prices).toEqual([expect.objectContaining({ sku: 'gems', name: 'Gems', amount: 100 })]);

      const chest = await openOrder('shopper', 'gem_chest', { quantity: 2 }, custom);
      expect(orderIn('shopper', chest.order_id, custom)).toMatchObject({ price: { amount: '19.98', currency: 'EUR' } });
      await payStationAction('pay', { token: chest.token }, custom);
      expect(custom.inventory('shopper')).toEqual({ items: [], virtualCurrency: { gems: 500 } });

      for (const sku of ['amulet', 'relic']) {
        const refused = await createOrder('shopper', sku, {}, { on: custom });
        expect(refused.status).toBe(422);
        expect(await refused.json()).toMatchObject({ statusCode: 422, errorCode: 1411 });
      }
    } finally {
      await custom.close();
    }
    for (const [catalog, says] of [
      [{ potion: { type: 'consumable', content: [{ sku: 'gold', quantity: 1 }] } }, /catalog\["potion"\]\.content/],
      [
        {
          a: { type: 'consumable', price: { amount: '1.00', currency: 'USD' } },
          b: { type: 'consumable', price: { amount: '1.00', currency: 'EUR' } },
        },
        /one currency/,
      ],
      [{ a: { type: 'consumable', price: '4,99' } }, /catalog\["a"\]\.price/],
      [{ a: { type: 'consumable', price: { amount: '1', currency: 'dollars' } } }, /currency/],
      [{ a: { type: 'bundle', content: [{ sku: 'x', quantity: 0 }] } }, /content/],
      [{ a: { type: 'consumable', virtualPrices: [{ sku: 'gold' }] } }, /virtualPrices/],
      [{ a: { price: '1.00' } }, /catalog\["a"\]/],
    ] as const) {
      await expect(startEmulator({ catalog: catalog as never }), JSON.stringify(catalog)).rejects.toThrow(says);
    }
  });
});
