/**
 * Order status by short polling (Get order) while the order-status socket is off or down, on a
 * virtual clock against the real emulator: only the waiting is skipped.
 */
import type { AxiosInstance } from 'axios';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AuthError, OrderNotFoundError, type GetUpdatesClientOptions } from '../src';
import { startEmulator, type Emulator } from '../src/emulator';
import { clientsClosedAfterEach } from './support/closed-after-each';
import { countedHttp } from './support/counted-http';
import { recordEmitted } from './support/emitted';
import { VirtualClock } from './support/virtual-clock';
import { soloPlayer } from './support/solo-player';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
afterEach(() => emulator.setPushDown(false));
const clients = clientsClosedAfterEach();

const WATCH_MS = 800;

/** A player whose client runs on a virtual clock and counts its requests by route. */
function timedPlayer(options: Partial<GetUpdatesClientOptions> = {}) {
  const clock = new VirtualClock();
  const {
    http,
    requests: counted,
    settle,
  } = countedHttp((config) => {
    if (String(config.url).includes('/order/')) requests.order++;
    else if (config.method?.toUpperCase() === 'GET' && String(config.url).endsWith('/events')) requests.events++;
    return config;
  });
  const requests = Object.assign(counted, { events: 0, order: 0 });
  const { userId, client } = soloPlayer(emulator, 'order-poll', { http, clock, restore: { storeUrl: emulator.url }, ...options });
  clients.push(client);
  const emitted = recordEmitted(client);
  const advanceTo = (ms: number) => clock.runUntil(ms, settle);
  return { userId, client, clock, http, requests, emitted, settle, advanceTo };
}

/** Get order answers `status` instead, while `when` says so for the request's bearer token. */
function getOrderAnswers(http: AxiosInstance, status: number, when: (authorization: string) => boolean) {
  http.interceptors.response.use((response) => {
    const authorization = String(response.config.headers.Authorization);
    if (!String(response.config.url).includes('/order/') || !when(authorization)) return response;
    return { ...response, status, data: JSON.stringify({ statusCode: status, errorMessage: 'refused by the test' }) };
  });
}

/**
 * Each status once, in order: `new`, then `done` unless a GetUpdates drain that was due delivered
 * the order before Get order's next tick asked (either may come first; the first test of this
 * file pins `done` where no drain was due).
 */
const expectStatusesOfAPaidOrder = (updates: ReadonlyArray<{ status: string }>) =>
  expect([['new'], ['new', 'done']]).toContainEqual(updates.map(({ status }) => status));

const socketDown = () => {
  emulator.setPushDown(true);
  return { orderStatus: { url: `${emulator.url.replace('http', 'ws')}/connection/websocket`, websocket: WebSocket } };
};

describe('order status by Get order', () => {
  it('with the socket down, reports each status once, in order, and drains at once when paid', async () => {
    const p = timedPlayer(socketDown());
    const { orderId } = emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 5 }], pending: true });
    const watching = p.client.watchOrder(orderId);
    await p.settle();
    await p.advanceTo(10_000);
    expect(p.emitted('orderStatus')).toEqual([{ orderId: String(orderId), status: 'new', source: 'poll' }]);
    const eventsBefore = p.requests.events;
    emulator.pay(orderId);
    await p.advanceTo(10_000 + WATCH_MS);
    await expect(watching).resolves.toMatchObject({ orderId: String(orderId), status: 'granted' });
    expect(p.emitted('orderStatus')).toEqual([
      { orderId: String(orderId), status: 'new', source: 'poll' },
      { orderId: String(orderId), status: 'done', source: 'poll' },
    ]);
    expect(p.requests.events - eventsBefore).toBeLessThanOrEqual(2); // the drain `done` asked for
    expect(await p.client.inventory.balance('gold')).toBe(5);
    // While Get order answered, GetUpdates was not short-polled: about one Get order per watch interval instead.
    expect(p.requests.order).toBeGreaterThanOrEqual(12);
    expect(eventsBefore).toBeLessThanOrEqual(3);
  });

  it('with no socket at all, polls Get order the same way; a watch of an order already delivered asks nothing', async () => {
    const p = timedPlayer();
    const { orderId } = emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }], pending: true });
    const watching = p.client.watchOrder(orderId);
    await p.settle();
    await p.advanceTo(2_000);
    emulator.pay(orderId);
    await p.advanceTo(4_000);
    await watching;
    emulator.refund(orderId);
    const asked = p.requests.order;
    const again = p.client.watchOrder(orderId); // settled already: resolves without asking Get order
    await p.advanceTo(8_000);
    await expect(again).resolves.toMatchObject({ status: 'granted' });
    expect(p.requests.order).toBe(asked);
    expectStatusesOfAPaidOrder(p.emitted('orderStatus'));
  });

  it('a 404 for an unknown order is reported once as OrderNotFoundError, asked a few more times only, and GetUpdates short polling takes over', async () => {
    const p = timedPlayer();
    const controller = new AbortController();
    const watching = p.client.watchOrder(987_654_321, { signal: controller.signal }).catch((error: unknown) => error);
    await p.settle();
    await p.advanceTo(8_000);
    expect(p.emitted('error')).toEqual([{ phase: 'order', error: expect.any(OrderNotFoundError) }]);
    expect(p.requests.events).toBeGreaterThanOrEqual(8); // the fallback: every watch interval
    const asked = p.requests.order;
    expect(asked).toBeGreaterThan(1);
    expect(asked).toBeLessThanOrEqual(5);
    await p.advanceTo(60_000);
    expect(p.requests.order).toBe(asked); // it gave up on that order
    expect(p.emitted('error')).toHaveLength(1);
    controller.abort(new Error('gave up'));
    expect(await watching).toMatchObject({ message: 'gave up' });
  });

  it('an order Get order does not show yet (404) is asked again on the next tick, and its statuses follow once it shows', async () => {
    const p = timedPlayer();
    let notYet = 2;
    getOrderAnswers(p.http, 404, () => notYet-- > 0);
    const { orderId } = emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 3 }], pending: true });
    const watching = p.client.watchOrder(orderId);
    await p.settle();
    await p.advanceTo(3 * WATCH_MS);
    expect(p.requests.order).toBeGreaterThanOrEqual(3); // two 404s, then the answer
    expect(p.emitted('orderStatus')).toEqual([{ orderId: String(orderId), status: 'new', source: 'poll' }]);
    emulator.pay(orderId);
    await p.advanceTo(10_000);
    await expect(watching).resolves.toMatchObject({ orderId: String(orderId), status: 'granted' });
    expectStatusesOfAPaidOrder(p.emitted('orderStatus'));
    expect(await p.client.inventory.balance('gold')).toBe(3);
  });

  it('Get order refusing the token (403) asks again once setToken gives a new one, and reports the statuses', async () => {
    const p = timedPlayer();
    let refused: string | undefined;
    getOrderAnswers(p.http, 403, (authorization) => (refused ??= authorization) === authorization);
    const { orderId } = emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 4 }], pending: true });
    const watching = p.client.watchOrder(orderId);
    await p.settle();
    await p.advanceTo(60_000);
    expect(p.emitted('orderStatus')).toEqual([]);
    expect(p.requests.order).toBeLessThanOrEqual(20); // a refused token is not asked again at every tick

    p.client.setToken(emulator.issueToken(p.userId, 7_200)); // a token of its own, not the refused one
    await p.advanceTo(130_000); // the backoff after the last refusal (at most 60 s) runs out first
    expect(p.emitted('orderStatus')).toEqual([{ orderId: String(orderId), status: 'new', source: 'poll' }]);
    emulator.pay(orderId);
    await p.advanceTo(140_000);
    await expect(watching).resolves.toMatchObject({ orderId: String(orderId), status: 'granted' });
    expectStatusesOfAPaidOrder(p.emitted('orderStatus'));
    expect(p.emitted('error').filter(({ error }) => error instanceof AuthError)).toEqual([]);
  });

  it('a watched order that is never paid is polled until the watch ends, then not at all', async () => {
    const p = timedPlayer(socketDown());
    const { orderId } = emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }], pending: true });
    const controller = new AbortController();
    const watching = p.client.watchOrder(orderId, { signal: controller.signal }).catch(() => 'ended');
    await p.settle();
    await p.advanceTo(60_000);
    expect(p.requests.order).toBeGreaterThanOrEqual(60_000 / WATCH_MS - 2);
    expect(p.emitted('orderStatus')).toEqual([{ orderId: String(orderId), status: 'new', source: 'poll' }]);
    controller.abort();
    expect(await watching).toBe('ended');
    const after = { ...p.requests };
    await p.advanceTo(120_000);
    expect(p.requests.order).toBe(after.order);
  });

  it('a 10-minute watch window (paid at minute 2): Get order replaces GetUpdates short polling, request for request', async () => {
    const window = async (options: Partial<GetUpdatesClientOptions>) => {
      const p = timedPlayer(options);
      p.client.start();
      const { orderId } = emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 100 }], pending: true });
      void p.client.watchOrder(orderId).catch(() => undefined);
      await p.settle();
      await p.advanceTo(120_000);
      emulator.pay(orderId);
      await p.advanceTo(600_000);
      expect(await p.client.inventory.balance('gold')).toBe(100);
      return { ...p.requests };
    };
    const withGetOrder = await window({});
    const getUpdatesAlone = await window({ restore: undefined });
    console.info(`10-minute watch window: ${JSON.stringify(withGetOrder)} with Get order, ${JSON.stringify(getUpdatesAlone)} without`);
    // Get order asks in place of GetUpdates: a tick next to a slow GetUpdates poll (one that just
    // ran, or one due within the interval) is skipped, so the window costs no more in all.
    expect(withGetOrder.events).toBeLessThan(20);
    // Within 10%: between virtual ticks the clock waits a few real milliseconds for requests to
    // settle, and on a busy machine a tick's request may start after that, merging two ticks
    // (one run saw 153 requests instead of 161 for GetUpdates alone). Twice the cost fails.
    expect(withGetOrder.total).toBeLessThanOrEqual(getUpdatesAlone.total * 1.1);
  });
});
