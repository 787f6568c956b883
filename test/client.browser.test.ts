/** The client in each real engine against the emulator: CORS, axios's browser adapter, real IndexedDB. */
import { describe, expect, it } from 'vitest';
import axios from 'axios';
import { createGetUpdatesClient, manualSignals, type GetUpdatesClientOptions } from '../src';
import { admin, url } from './support/browser-emulator';
import { clientsClosedAfterEach } from './support/closed-after-each';
import { eventually } from './support/eventually';

const clients = clientsClosedAfterEach();

function tab(userId: string, options: Partial<GetUpdatesClientOptions> = {}) {
  const client = createGetUpdatesClient({
    projectId: 308077,
    baseUrl: url,
    token: async () => (await admin<{ token: string }>('token', { userId })).token,
    ...options,
  });
  clients.push(client);
  return client;
}

/** A client with its own GET counter and status history, as one tab of the game. */
function countedTab(userId: string, options: Partial<GetUpdatesClientOptions> = {}) {
  const http = axios.create();
  const counted = { gets: 0, statuses: [] as string[] };
  http.interceptors.request.use((config) => {
    if (config.method?.toUpperCase() === 'GET') counted.gets++;
    return config;
  });
  const client = tab(userId, { http, ...options });
  client.on('status', ({ status }) => counted.statuses.push(status));
  return Object.assign(counted, { client });
}

const newPlayer = () => `browser-player-${crypto.randomUUID()}`;
const buy = (userId: string, items: unknown[], mode = 'combined') =>
  admin<{ orderId: string; eventIds: number[] }>('purchase', { userId, items, mode });
const processed = async (userId: string) =>
  (await admin<{ events: Array<{ id: number; processed: boolean }> }>(`state?userId=${userId}`)).events
    .filter((e) => e.processed)
    .map((e) => e.id);

describe('in the browser', () => {
  it('grants, persists across a reload, and revokes on refund', async () => {
    const userId = newPlayer();
    const first = tab(userId);
    const { orderId, eventIds } = await buy(
      userId,
      [
        { sku: 'gold', quantity: 250 },
        { sku: 'helmet', quantity: 1 },
      ],
      'separate',
    );
    expect(await first.pollNow()).toMatchObject({ granted: 1, duplicates: 1, acked: 2 });
    expect(await processed(userId)).toEqual(eventIds);
    await first.close();

    const reloaded = tab(userId);
    expect(await reloaded.inventory.balances()).toEqual({ gold: 250, helmet: 1 });
    await admin('refund', { orderId });
    expect(await reloaded.pollNow()).toMatchObject({ revoked: 1 });
    expect(await reloaded.inventory.balances()).toEqual({ gold: 0, helmet: 0 });
    expect(await reloaded.inventory.order(orderId)).toMatchObject({ status: 'revoked' });
  });

  it('three clients on one database (as three tabs would be) grant each order exactly once', async () => {
    const userId = newPlayer();
    const tabs = [tab(userId), tab(userId), tab(userId)];
    for (let i = 0; i < 6; i++) await buy(userId, [{ sku: 'coin', quantity: 10 }], i % 2 ? 'separate' : 'combined');
    const reports = await Promise.all(tabs.map((client) => client.pollNow()));
    expect(reports.reduce((sum, report) => sum + report.granted, 0)).toBe(6);
    for (const client of tabs) expect(await client.inventory.balance('coin')).toBe(60);
    expect(await tabs[0]!.pollNow()).toMatchObject({ fetched: 0 });
  });

  it('tells the player’s other tabs what one tab granted', async () => {
    const userId = newPlayer();
    const [polling, other] = [tab(userId), tab(userId)];
    const heard: unknown[] = [];
    other.on('granted', (event) => heard.push(['granted', event.orderId]));
    other.on('changed', (event) => heard.push(['changed', event.source, event.skus]));
    await other.inventory.balances(); // opens its database and channel, as a running tab would have
    const { orderId } = await buy(userId, [{ sku: 'gem', quantity: 3 }]);
    await polling.pollNow();
    await eventually(() =>
      expect(heard).toEqual([
        ['granted', String(orderId)],
        ['changed', 'other-tab', ['gem']],
      ]),
    );
    expect(await other.inventory.balance('gem')).toBe(3);
    await polling.inventory.consume('gem', 1);
    await eventually(() => expect(heard).toContainEqual(['changed', 'other-tab', ['gem']]));
  });

  it('elects one polling tab; the others follow and take over within a second when it closes', async () => {
    const userId = newPlayer();
    const tabs = [
      countedTab(userId, { cadence: { intervalMs: 100 } }),
      countedTab(userId, { cadence: { intervalMs: 100 } }),
      countedTab(userId, { cadence: { intervalMs: 100 } }),
    ];
    tabs.forEach(({ client }) => client.start());
    await eventually(() => expect(tabs.filter(({ statuses }) => statuses.at(-1) === 'following')).toHaveLength(2));
    const leader = tabs.find(({ statuses }) => !statuses.includes('following'))!;
    await eventually(() => expect(leader.gets).toBeGreaterThanOrEqual(3));
    expect(tabs.filter((t) => t !== leader).map(({ gets }) => gets)).toEqual([0, 0]);

    const closedAt = performance.now();
    await leader.client.close();
    const followers = tabs.filter((t) => t !== leader);
    await eventually(() => expect(followers.filter(({ gets }) => gets > 0)).toHaveLength(1));
    const takeoverMs = performance.now() - closedAt;
    expect(takeoverMs).toBeLessThan(1000);
    const { orderId } = await buy(userId, [{ sku: 'gold', quantity: 8 }]);
    for (const { client } of followers)
      await eventually(async () => expect(await client.inventory.order(orderId)).toMatchObject({ status: 'granted' }));
  });

  it('a tab stuck on a token function that never answers gives the lead up at stop(), and another tab polls', async () => {
    const userId = newPlayer();
    const stuck = countedTab(userId, { userId, token: () => new Promise<string>(() => {}), cadence: { intervalMs: 100 } });
    stuck.client.start();
    await eventually(() => expect(stuck.statuses.at(-1)).toBe('polling'));
    const other = countedTab(userId, { cadence: { intervalMs: 100 } });
    other.client.start();
    await eventually(() => expect(other.statuses.at(-1)).toBe('following'));
    stuck.client.stop();
    await eventually(() => expect(other.gets).toBeGreaterThan(0));
    const { orderId } = await buy(userId, [{ sku: 'gold', quantity: 2 }]);
    await eventually(async () => expect(await other.client.inventory.order(orderId)).toMatchObject({ status: 'granted' }));
    expect(await stuck.client.inventory.balance('gold')).toBe(2); // the stuck tab still reads the shared ledger
  });

  it('a following tab that watches an order makes the polling tab hurry', async () => {
    const userId = newPlayer();
    const leader = countedTab(userId, { cadence: { intervalMs: 60_000, watchIntervalMs: 100 } });
    const follower = countedTab(userId, { cadence: { intervalMs: 60_000, watchIntervalMs: 100 } });
    leader.client.start();
    await eventually(() => expect(leader.statuses.at(-1)).toBe('waiting'));
    follower.client.start();
    await eventually(() => expect(follower.statuses.at(-1)).toBe('following'));
    const { orderId } = await buy(userId, [{ sku: 'gem', quantity: 2 }]);
    const started = performance.now();
    await expect(follower.client.watchOrder(orderId)).resolves.toMatchObject({ status: 'granted' });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(follower.gets).toBe(0);
  });

  it('a following tab the player returns to makes the polling tab look at once', async () => {
    const userId = newPlayer();
    const leader = countedTab(userId, { cadence: { intervalMs: 60_000, watchIntervalMs: 100 } });
    const returning = manualSignals();
    const follower = countedTab(userId, { signals: returning, cadence: { intervalMs: 60_000 } });
    leader.client.start();
    await eventually(() => expect(leader.statuses.at(-1)).toBe('waiting'));
    follower.client.start();
    await eventually(() => expect(follower.statuses.at(-1)).toBe('following'));
    const { orderId } = await buy(userId, [{ sku: 'gem', quantity: 1 }]);
    returning.focus();
    await eventually(async () => expect(await follower.client.inventory.order(orderId)).toMatchObject({ status: 'granted' }));
    expect(follower.gets).toBe(0);
  });

  it('without Web Locks every tab polls, and the ledger still grants once', async () => {
    const userId = newPlayer();
    const tabs = [
      countedTab(userId, { locks: null, cadence: { intervalMs: 50 } }),
      countedTab(userId, { locks: null, cadence: { intervalMs: 50 } }),
    ];
    for (let i = 0; i < 4; i++) await buy(userId, [{ sku: 'coin', quantity: 5 }], i % 2 ? 'separate' : 'combined');
    tabs.forEach(({ client }) => client.start());
    await eventually(async () => expect(await tabs[1]!.client.inventory.balance('coin')).toBe(20));
    await eventually(() => expect(tabs.every(({ gets }) => gets > 0)).toBe(true));
    expect(tabs.some(({ statuses }) => statuses.includes('following'))).toBe(false);
    expect(await tabs[0]!.client.inventory.balance('coin')).toBe(20);
    expect((await tabs[0]!.client.inventory.orders()).map(({ status }) => status)).toEqual(['granted', 'granted', 'granted', 'granted']);
  });
});
