/**
 * `purchase()`: Create order, Pay Station, and the outcome a game shows, on a virtual clock
 * against the real emulator (Create order, events, acks, Get order, paying and cancelling). Pay
 * Station is an injected `open()` here (Node has no windows); purchase-popup.node.test.ts runs
 * the popup with a minimal fake window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetUpdatesError, HttpError, InvalidArgumentError, PurchaseInProgressError, type PurchaseOptions } from '../src';
import { resolveOptions } from '../src/client/options';
import { DEFAULT_CATALOG, startEmulator, type CatalogEntry, type Emulator } from '../src/emulator';
import { payStationUrl } from '../src/purchase/pay-station';
import { buyersOf, track } from './support/buyers';
import { eventually } from './support/eventually';

let emulator: Emulator;
beforeAll(async () => {
  // The demo's shop, and an item sold for gold only: Create order refuses it.
  const goldOnly: CatalogEntry = { type: 'non_consumable', name: 'Gold Crown', price: null, virtualPrices: [{ sku: 'gold', amount: 900 }] };
  emulator = await startEmulator({ catalog: { ...DEFAULT_CATALOG, gold_crown: goldOnly } });
});
afterAll(() => emulator.close());

const buyer = buyersOf(() => emulator);

/** An `open()` standing in for Pay Station: it records the URL, and `close()` is the buyer closing it. */
function payStation({ tellsClosed = true } = {}) {
  const view = { url: undefined as string | undefined, orderId: undefined as string | undefined, close: () => {} };
  const open: NonNullable<PurchaseOptions['open']> = (url, { orderId }) => {
    Object.assign(view, { url, orderId });
    return tellsClosed ? { closed: new Promise<void>((resolve) => (view.close = resolve)) } : undefined;
  };
  return { view, open };
}

describe('purchase() with the game’s own open()', () => {
  it('a paid order is delivered once: granted once, acked once, and the outcome is the ledger’s order', async () => {
    const p = buyer();
    const shop = payStation();
    const buying = track(p.client.purchase('dragon_blade', { open: shop.open }));
    await p.shown(shop.view);
    const orderId = shop.view.orderId!;
    expect(p.created).toEqual([
      { sku: 'dragon_blade', body: { quantity: 1 }, url: expect.any(String), orderId, token: expect.any(String) },
    ]);
    expect(shop.view.url).toBe(`${emulator.url}/paystation4/?token=${p.created[0]!.token}`);
    await p.advance(5_000);
    expect(buying.done).toBe(false); // unpaid: the buyer is still in Pay Station

    const { eventIds } = emulator.pay(orderId);
    await p.until(() => expect(buying.done).toBe(true), 10_000);
    expect(buying.value).toEqual({
      status: 'delivered',
      orderId,
      order: expect.objectContaining({
        orderId,
        status: 'granted',
        items: [expect.objectContaining({ sku: 'dragon_blade', quantity: 1 })],
      }),
    });
    await p.until(() => expect(eventIds.map(p.acksOf)).toEqual(eventIds.map(() => 1)));
    await p.until(() => expect(p.clock.pending).toBe(0)); // the purchase left no timer behind, nor a loop the game did not start
    shop.view.close();
    await p.advance(60_000);
    expect(p.grantsOf(orderId)).toHaveLength(1);
    expect(eventIds.map(p.acksOf)).toEqual(eventIds.map(() => 1));
    expect(await p.client.inventory.balance('dragon_blade')).toBe(1);
  });

  it('the buyer closes Pay Station unpaid: closed, nothing granted; paid later, the loop delivers it once', async () => {
    const p = buyer();
    const shop = payStation();
    const buying = track(p.client.purchase('health_potion', { quantity: 3, open: shop.open }));
    await p.shown(shop.view);
    const orderId = shop.view.orderId!;
    shop.view.close();
    await p.until(() => expect(buying.done).toBe(true), 5_000);
    expect(buying.value).toEqual({ status: 'closed', orderId });
    expect(p.grantsOf(orderId)).toEqual([]);
    expect(await p.client.inventory.balance('health_potion')).toBe(0);

    p.client.start(); // as the README says a game does: later payments are delivered by the loop
    const { eventIds } = emulator.pay(orderId);
    await p.until(() => expect(eventIds.map(p.acksOf)).toEqual(eventIds.map(() => 1)), 120_000);
    await p.advance(180_000);
    expect(p.grantsOf(orderId)).toHaveLength(1);
    expect(eventIds.map(p.acksOf)).toEqual(eventIds.map(() => 1));
    expect(await p.client.inventory.balance('health_potion')).toBe(3);
  });

  it('an order canceled before it is paid ends canceled, from Get order, with nothing granted', async () => {
    const p = buyer();
    const shop = payStation({ tellsClosed: false });
    const buying = track(p.client.purchase('dragon_blade', { open: shop.open }));
    await p.shown(shop.view);
    const orderId = shop.view.orderId!;
    await p.advance(2_000);
    emulator.refund(orderId); // an unpaid order: canceled, no events
    await p.until(() => expect(buying.done).toBe(true), 5_000);
    expect(buying.value).toEqual({ status: 'canceled', orderId });
    expect(p.emitted('granted')).toEqual([]);
  });

  it('paid, but the Events API is not turned on: pending after the bounded wait, with an error naming the cause; delivered once it is on', async () => {
    const p = buyer();
    p.state.eventsApiOff = true;
    const shop = payStation();
    const buying = track(p.client.purchase('dragon_blade', { open: shop.open }));
    await p.shown(shop.view);
    const orderId = shop.view.orderId!;
    emulator.pay(orderId);
    shop.view.close();
    await p.advance(60_000);
    expect(buying.done).toBe(false); // paid: the event has two minutes to arrive
    await p.until(() => expect(buying.done).toBe(true), 65_000);
    expect(buying.value).toEqual({ status: 'pending', orderId });
    const errors = p.emitted('error').filter(({ phase }) => phase === 'purchase');
    expect(errors).toEqual([{ phase: 'purchase', error: expect.any(GetUpdatesError) }]);
    expect(errors[0]!.error.message).toContain(`order ${orderId} is paid`);
    expect(errors[0]!.error.message).toContain('Events API is not turned on');
    expect(errors[0]!.error.message).toContain('"Use API"');

    p.state.eventsApiOff = false; // the developer turns it on
    p.client.start();
    await p.until(() => expect(p.grantsOf(orderId)).toHaveLength(1), 120_000);
    await p.advance(120_000);
    expect(p.grantsOf(orderId)).toHaveLength(1);
  });

  it('with an open() that tells nothing, an order never paid ends after the longer wait: closed, as Get order says', async () => {
    const p = buyer({ cadence: { watchIntervalMs: 5_000 } }); // fewer requests over the quarter of an hour
    const shop = payStation({ tellsClosed: false });
    const buying = track(p.client.purchase('dragon_blade', { open: shop.open }));
    await p.shown(shop.view);
    await p.advance(10 * 60_000);
    expect(buying.done).toBe(false);
    await p.advance(5 * 60_000);
    await p.until(() => expect(buying.done).toBe(true), 10_000);
    expect(buying.value).toEqual({ status: 'closed', orderId: shop.view.orderId });
  });

  it('a second purchase while one is open rejects with PurchaseInProgressError and makes no second order', async () => {
    const p = buyer();
    const shop = payStation();
    const first = track(p.client.purchase('dragon_blade', { open: shop.open }));
    await expect(p.client.purchase('dragon_blade', { open: payStation().open })).rejects.toBeInstanceOf(PurchaseInProgressError);
    await p.shown(shop.view);
    await expect(p.client.purchase('health_potion', { open: payStation().open })).rejects.toBeInstanceOf(PurchaseInProgressError);
    expect(p.created).toHaveLength(1);
    shop.view.close();
    await p.until(() => expect(first.value).toMatchObject({ status: 'closed' }), 5_000);
    // Once it has ended, the next purchase goes ahead.
    const next = payStation();
    void p.client.purchase('dragon_blade', { open: next.open }).catch(() => undefined);
    await eventually(() => expect(next.view.url).toBeDefined());
    expect(p.created).toHaveLength(2);
  });

  it('the caller’s signal rejects it with the abort reason; close() rejects it as every pending call', async () => {
    const p = buyer();
    const controller = new AbortController();
    const shop = payStation();
    const aborted = track(p.client.purchase('dragon_blade', { open: shop.open, signal: controller.signal }));
    await p.shown(shop.view);
    controller.abort();
    await eventually(() => expect(aborted.done).toBe(true));
    expect(aborted.error).toBe(controller.signal.reason);
    expect((aborted.error as Error).name).toBe('AbortError');

    const other = payStation();
    const closing = track(p.client.purchase('dragon_blade', { open: other.open }));
    await p.shown(other.view);
    await p.client.close();
    await eventually(() => expect(closing.done).toBe(true));
    expect(closing.error).toBeInstanceOf(GetUpdatesError);
    expect((closing.error as Error).message).toMatch(/closed/);
    await expect(p.client.purchase('dragon_blade', { open: payStation().open })).rejects.toThrow(/closed/);
  });

  it('Create order’s refusals (an unknown SKU, one not sold for money, too many) are HttpErrors carrying the Store API’s message, and open no order; bad arguments make no request', async () => {
    const p = buyer();
    const error = await p.client.purchase('no_such_item', { open: payStation().open }).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 404, retryable: false });
    expect((error as Error).message).toContain("Item with sku = 'no_such_item' not found");
    const notForMoney = await p.client.purchase('gold_crown', { open: payStation().open }).catch((failure: unknown) => failure);
    expect(notForMoney).toBeInstanceOf(HttpError);
    expect(notForMoney).toMatchObject({ status: 422, retryable: false });
    expect((notForMoney as Error).message).toContain("'gold_crown' is not sold for real money");
    const tooMany = await p.client
      .purchase('health_potion', { quantity: 1_000_000, open: payStation().open })
      .catch((failure: unknown) => failure);
    expect(tooMany).toBeInstanceOf(HttpError);
    expect(tooMany).toMatchObject({ status: 422, retryable: false });
    expect((tooMany as Error).message).toContain('quantity must be an integer from 1 to');
    await expect(p.client.purchase('dragon_blade', { quantity: 0, open: payStation().open })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(p.client.purchase('', { open: payStation().open })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(p.client.purchase('dragon_blade', { open: 'popup' as never })).rejects.toBeInstanceOf(InvalidArgumentError);
    // In Node there is no window: a purchase needs an open().
    await expect(p.client.purchase('dragon_blade')).rejects.toThrow(/open\(url\)/);
    expect(p.created.map(({ sku, orderId }) => [sku, orderId])).toEqual([
      ['no_such_item', undefined],
      ['gold_crown', undefined],
      ['health_potion', undefined],
    ]);
    expect(emulator.state(p.userId).orders).toEqual([]);
  });

  it('sandbox is sent with the order; Create order and Get order never grant', async () => {
    const p = buyer();
    const shop = payStation();
    const buying = track(p.client.purchase('dragon_blade', { sandbox: true, open: shop.open }));
    await p.shown(shop.view);
    expect(p.created[0]!.body).toEqual({ quantity: 1, sandbox: true });
    await p.advance(10_000);
    expect(p.emitted('orderStatus')).toEqual([{ orderId: shop.view.orderId, status: 'new', source: 'poll' }]);
    expect(p.emitted('granted')).toEqual([]);
    shop.view.close();
    await p.until(() => expect(buying.value).toMatchObject({ status: 'closed' }), 5_000);
  });
});

describe('where Pay Station is, and where the Store API is', () => {
  it('Xsolla’s Pay Station, its sandbox, or the emulator’s own page', () => {
    expect(payStationUrl('https://store.xsolla.com/api', 'a b', false)).toBe('https://secure.xsolla.com/paystation4/?token=a%20b');
    expect(payStationUrl('https://store.xsolla.com/api', 't', true)).toBe('https://sandbox-secure.xsolla.com/paystation4/?token=t');
    expect(payStationUrl('http://127.0.0.1:5000/', 't', true)).toBe('http://127.0.0.1:5000/paystation4/?token=t');
  });

  it('storeUrl is a top-level option; restore.storeUrl stays its alias; the emulator’s baseUrl serves both', () => {
    const base = { projectId: 1, token: 't', userId: 'p' };
    expect(resolveOptions(base).storeUrl).toBe('https://store.xsolla.com/api');
    expect(resolveOptions({ ...base, baseUrl: 'http://127.0.0.1:5000' }).storeUrl).toBe('http://127.0.0.1:5000');
    expect(resolveOptions({ ...base, storeUrl: 'https://a.example/api' }).storeUrl).toBe('https://a.example/api');
    expect(resolveOptions({ ...base, restore: { storeUrl: 'https://b.example/api' } }).storeUrl).toBe('https://b.example/api');
    expect(resolveOptions({ ...base, storeUrl: 'https://a.example/api', restore: { storeUrl: 'https://b.example/api' } }).storeUrl).toBe(
      'https://a.example/api',
    );
    expect(() => resolveOptions({ ...base, storeUrl: 'store.xsolla.com' })).toThrow(/^storeUrl must be an absolute/);
  });
});
