/** The client in real Chromium against the emulator: CORS, axios's browser adapter, real IndexedDB. */
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { createGetUpdatesClient, type GetUpdatesClient } from '../src';

const url = inject('emulatorUrl');
const clients: GetUpdatesClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

async function admin<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}/__emulator/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json() as Promise<T>;
}

function tab(userId: string) {
  const client = createGetUpdatesClient({
    projectId: 308077,
    baseUrl: url,
    token: async () => (await admin<{ token: string }>('token', { userId })).token,
  });
  clients.push(client);
  return client;
}

const newPlayer = () => `browser-player-${crypto.randomUUID()}`;
const buy = (userId: string, items: unknown[], mode = 'combined') =>
  admin<{ orderId: number; eventIds: number[] }>('purchase', { userId, items, mode });
const processed = async (userId: string) =>
  (await admin<{ events: Array<{ id: number; processed: boolean }> }>(`state?userId=${userId}`)).events.filter((e) => e.processed).map((e) => e.id);

describe('in the browser', () => {
  it('grants, persists across a reload, and revokes on refund', async () => {
    const userId = newPlayer();
    const first = tab(userId);
    const { orderId, eventIds } = await buy(userId, [{ sku: 'gold', quantity: 250 }, { sku: 'helmet', quantity: 1 }], 'separate');
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
    await vi.waitFor(() => expect(heard).toEqual([['granted', String(orderId)], ['changed', 'other-tab', ['gem']]]));
    expect(await other.inventory.balance('gem')).toBe(3);
    await polling.inventory.consume('gem', 1);
    await vi.waitFor(() => expect(heard).toContainEqual(['changed', 'other-tab', ['gem']]));
  });
});
