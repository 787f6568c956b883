/** The order-status channel: the real `centrifuge` client against the emulator's WebSocket. */
import axios from 'axios';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createGetUpdatesClient, type ClientEvents, type GetUpdatesClient } from '../src';
import { startEmulator, type Emulator } from '../src/emulator';
import { eventually } from './support/eventually';

let emulator: Emulator;
const clients: GetUpdatesClient[] = [];
let players = 0;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
afterEach(async () => {
  emulator.setPushDown(false);
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

/** A WebSocket that counts the server's connect replies: the player's channel is subscribed from then on. */
function connectCounting() {
  const counter = { connects: 0 };
  class CountingWebSocket extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      this.on('message', (data) => {
        if (String(data).includes('"connect":')) counter.connects++;
      });
    }
  }
  return { counter, CountingWebSocket };
}

function pushPlayer() {
  const userId = `push-player-${++players}`;
  const { counter, CountingWebSocket } = connectCounting();
  const http = Object.assign(axios.create(), { gets: 0 });
  http.interceptors.request.use((config) => {
    if (config.method?.toUpperCase() === 'GET') http.gets++;
    return config;
  });
  const client = createGetUpdatesClient({
    projectId: emulator.projectId,
    baseUrl: emulator.url,
    token: () => emulator.issueToken(userId),
    indexedDB: new IDBFactory(),
    locks: null,
    http,
    cadence: { intervalMs: 60_000, watchIntervalMs: 100 },
    orderStatus: { url: `${emulator.url.replace('http', 'ws')}/connection/websocket`, websocket: CountingWebSocket },
  });
  clients.push(client);
  const statuses: Array<ClientEvents['orderStatus']> = [];
  client.on('orderStatus', (status) => statuses.push(status));
  const loopStatuses: string[] = [];
  client.on('status', ({ status }) => loopStatuses.push(status));
  /** Until the socket is connected and the player's channel subscribed. */
  const subscribed = () => eventually(() => expect(counter.connects).toBeGreaterThan(0));
  return { userId, client, http, statuses, loopStatuses, subscribed };
}

const nextOrderId = () => String(Number(emulator.purchase({ userId: 'bystander', items: [{ sku: 'x', quantity: 1 }] }).orderId) + 1);

describe('order statuses over WebSocket', () => {
  it('arrive in order: new, paid, done; then canceled on refund', async () => {
    const p = pushPlayer();
    p.client.start();
    await eventually(() => expect(p.loopStatuses).toContain('waiting'));
    await p.subscribed();
    const { orderId } = emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] });
    await eventually(() => expect(p.statuses.map(({ status }) => status)).toEqual(['new', 'paid', 'done']));
    expect(p.statuses.every((status) => status.orderId === String(orderId))).toBe(true);
    emulator.refund(orderId);
    await eventually(() => expect(p.statuses.at(-1)).toEqual({ orderId: String(orderId), status: 'canceled', source: 'socket' }));
  });

  it('a paid status drains at once, while polling stays at its slow cadence', async () => {
    const p = pushPlayer();
    p.client.start();
    await eventually(() => expect(p.loopStatuses).toContain('waiting'));
    await p.subscribed();
    const getsBefore = p.http.gets;
    const paidAt = performance.now();
    const { orderId } = emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 5 }] });
    const order = await p.client.watchOrder(orderId);
    expect(order.status).toBe('granted');
    // About a round trip on a quiet machine; the ceiling only tells "at once" from the next minute's poll.
    expect(performance.now() - paidAt).toBeLessThan(20_000);
    expect(p.http.gets - getsBefore).toBeLessThanOrEqual(4); // a drain or two, not a second-by-second poll
  });

  it('with a healthy socket, watching an order does not poll fast', async () => {
    const p = pushPlayer();
    p.client.start();
    await eventually(() => expect(p.loopStatuses).toContain('waiting'));
    await p.subscribed();
    const getsBefore = p.http.gets;
    const controller = new AbortController();
    const watching = p.client.watchOrder(nextOrderId(), { signal: controller.signal }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(p.http.gets - getsBefore).toBeLessThanOrEqual(1);
    controller.abort();
    await watching;
  });

  it('a dropped socket falls back to polling, and the order still lands once', async () => {
    const p = pushPlayer();
    p.client.start();
    await eventually(() => expect(p.loopStatuses).toContain('waiting'));
    await p.subscribed();
    const orderId = nextOrderId();
    const watching = p.client.watchOrder(orderId);
    emulator.setPushDown(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const getsBefore = p.http.gets;
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 7 }] });
    await expect(watching).resolves.toMatchObject({ orderId: String(orderId), status: 'granted' });
    expect(p.http.gets - getsBefore).toBeGreaterThan(0);
    // Statuses now come from Get order (the emulator serves it too), none from the dropped socket.
    expect(p.statuses.filter(({ source }) => source !== 'poll')).toEqual([]);
    await p.client.pollNow();
    expect(await p.client.inventory.balance('gold')).toBe(7);
  });

  it('reads history after reconnecting, so statuses published meanwhile are not missed', async () => {
    const p = pushPlayer();
    p.client.start();
    await eventually(() => expect(p.loopStatuses).toContain('waiting'));
    await p.subscribed();
    emulator.setPushDown(true);
    const { orderId } = emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(p.statuses).toEqual([]);
    emulator.setPushDown(false);
    await eventually(() => expect(p.statuses.map(({ status }) => status)).toEqual(['new', 'paid', 'done']));
    expect(p.statuses[0]?.orderId).toBe(String(orderId));
    await eventually(async () => expect(await p.client.inventory.balance('gold')).toBe(1));
  });

  it('a fresh start does not replay earlier orders’ statuses; its first drain grants them', async () => {
    const p = pushPlayer();
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 2 }] });
    p.client.start();
    await eventually(async () => expect(await p.client.inventory.balance('gold')).toBe(2));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(p.statuses).toEqual([]);
  });

  it('start/stop races leave exactly one channel, and none after close()', async () => {
    const p = pushPlayer();
    p.client.start();
    p.client.stop();
    p.client.start();
    p.client.start();
    await eventually(() => expect(p.loopStatuses).toContain('waiting'));
    await p.subscribed();
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] });
    await eventually(() => expect(p.statuses.map(({ status }) => status)).toEqual(['new', 'paid', 'done']));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(p.statuses).toHaveLength(3); // one channel: each status once
    await p.client.close();
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(p.statuses).toHaveLength(3);
  });

  it('the emulator survives garbage frames', async () => {
    for (const frame of ['null', '[1,2]', '{"id":1,"connect":null}', 'not json']) {
      const socket = new WebSocket(`${emulator.url.replace('http', 'ws')}/connection/websocket`);
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(frame);
      // Refused with an error reply or a close, depending on how bad the frame is.
      await new Promise((resolve) => {
        socket.once('close', resolve);
        socket.once('message', resolve);
      });
      socket.terminate();
    }
    expect((await fetch(`${emulator.url}/__emulator/faults`)).status).toBe(200);
  });

  it('refuses a socket whose token does not match the player', async () => {
    const { Centrifuge } = await import('centrifuge');
    const intruder = new Centrifuge(`${emulator.url.replace('http', 'ws')}/connection/websocket`, {
      websocket: WebSocket,
      data: { user_external_id: 'victim', auth: emulator.issueToken('intruder'), project_id: emulator.projectId },
    });
    const disconnected = new Promise<{ code: number }>((resolve) => intruder.on('disconnected', resolve));
    intruder.connect();
    expect((await disconnected).code).toBeGreaterThan(0);
    intruder.disconnect();
  });
});

describe('idle polling while the socket is healthy (issue #13)', () => {
  it('waits pushIntervalMs between idle drains while subscribed, and the usual interval once the socket is lost', async () => {
    const p = pushPlayer();
    const waits: number[] = [];
    p.client.on('status', (status) => status.status === 'waiting' && waits.push(status.nextPollInMs));
    p.client.start();
    // Each watch wakes the loop for a drain; the push covers it, so the drain after it is an idle one.
    const idleWaitAfterWake = async () => {
      const watch = new AbortController();
      void p.client.watchOrder(nextOrderId(), { signal: watch.signal }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
      watch.abort();
      return waits.at(-1);
    };
    await eventually(async () => expect(await idleWaitAfterWake()).toBe(300_000));
    emulator.setPushDown(true);
    await eventually(() => expect(waits.at(-1)).toBe(60_000));
  });
});
