/**
 * DESIGN §1 leaves some of the Events API's behaviour undocumented: whether `after_id` is
 * honoured, what acking an unknown or already-acked id answers, whether a bad token gets 401 or
 * 403. The real client runs against the emulator switched into each of them, and stays exact.
 */
import axios from 'axios';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGetUpdatesClient, type GetUpdatesClient, type GetUpdatesClientOptions } from '../src';
import { AuthError } from '../src/errors';
import { NO_FAULTS, startEmulator, type Emulator, type Faults, type PurchaseItem } from '../src/emulator';

const PAGE_SIZE = 3;
let emulator: Emulator;
let players = 0;
const clients: GetUpdatesClient[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ pageSize: PAGE_SIZE });
});
afterAll(() => emulator.close());
afterEach(async () => {
  emulator.setFaults(NO_FAULTS);
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

/** A fresh player with their own browser profile, and what their client granted. */
function player(options: Partial<GetUpdatesClientOptions> = {}) {
  const userId = `behaviour-player-${++players}`;
  const granted: Array<string | undefined> = [];
  const client = createGetUpdatesClient({
    projectId: emulator.projectId,
    baseUrl: emulator.url,
    token: () => emulator.issueToken(userId),
    indexedDB: new IDBFactory(),
    retries: 1,
    ...options,
  });
  client.on('granted', ({ orderId }) => granted.push(orderId));
  clients.push(client);
  const unprocessed = () => emulator.state(userId).events.filter((event) => !event.processed);
  /** Polls until the server holds nothing unprocessed for this player (a few drains at most). */
  const settle = async () => {
    for (let poll = 0; poll < 10 && unprocessed().length > 0; poll++) await client.pollNow();
    // One more drain re-sends acks whose answers were lost; it must change nothing.
    await client.pollNow();
    expect(unprocessed()).toEqual([]);
  };
  return { userId, client, granted, settle, unprocessed };
}

/** Every undocumented behaviour the emulator can be switched into, beside the defaults. */
const BEHAVIOURS: Array<[string, Partial<Faults>]> = [
  ['the default behaviour', {}],
  ['a server that ignores after_id', { ignoreAfterId: true }],
  ['a server that answers repeat and unknown acks with 200', { repeatAckStatus: 200, unknownAckStatus: 200 }],
  ['a server that answers repeat and unknown acks with 204', { repeatAckStatus: 204, unknownAckStatus: 204 }],
  ['a server that answers repeat and unknown acks with 404', { repeatAckStatus: 404, unknownAckStatus: 404 }],
  ['a server that refuses bad tokens with 403', { authFailureStatus: 403 }],
];

const gold = (quantity: number): PurchaseItem[] => [{ sku: 'gold', quantity, type: 'virtual_currency' }];

describe.each(BEHAVIOURS)('under %s', (_name, behaviour) => {
  beforeEach(() => emulator.setFaults({ ...NO_FAULTS, ...behaviour }));

  it('eight orders in both modes, more than a page of events, are each granted exactly once', async () => {
    const p = player();
    const orders = Array.from({ length: 8 }, (_, i) =>
      emulator.purchase({
        userId: p.userId,
        items: [...gold(i + 1), { sku: 'sword', quantity: 1 }],
        mode: i % 2 === 0 ? 'combined' : 'separate',
      }),
    );
    expect(orders.flatMap((order) => order.eventIds).length).toBeGreaterThan(PAGE_SIZE * 3);
    await p.settle();
    expect(await p.client.inventory.balances()).toEqual({ gold: 36, sword: 8 });
    expect(p.granted.sort()).toEqual(orders.map((order) => order.orderId).sort());
  });

  it('a refund takes back exactly what its order granted', async () => {
    const p = player();
    const kept = emulator.purchase({ userId: p.userId, items: gold(10), mode: 'separate' });
    const refunded = emulator.purchase({ userId: p.userId, items: gold(100) });
    await p.settle();
    emulator.refund(refunded.orderId);
    await p.settle();
    expect(await p.client.inventory.balance('gold')).toBe(10);
    expect(await p.client.inventory.order(kept.orderId)).toMatchObject({ status: 'granted' });
    expect(await p.client.inventory.order(refunded.orderId)).toMatchObject({ status: 'revoked' });
    expect(p.granted.sort()).toEqual([kept.orderId, refunded.orderId].sort());
  });

  it('acks whose answers are dropped are re-sent, and nothing is granted twice', async () => {
    const p = player();
    emulator.setFaults({ dropAckResponseRate: 1 });
    const orders = [
      emulator.purchase({ userId: p.userId, items: gold(5) }),
      emulator.purchase({ userId: p.userId, items: gold(7), mode: 'separate' }),
    ];
    expect(await p.client.pollNow()).toMatchObject({ granted: 2, ackFailed: 3 });
    emulator.setFaults({ dropAckResponseRate: 0 });
    await p.settle(); // re-sends the three acks the server had already recorded
    expect(await p.client.inventory.balance('gold')).toBe(12);
    expect(p.granted.sort()).toEqual(orders.map((order) => order.orderId).sort());
  });

  it('events whose acks never reached the server come back, and are granted once', async () => {
    const http = axios.create();
    let acksLost = true;
    http.interceptors.request.use((config) => {
      if (acksLost && config.method?.toUpperCase() === 'POST') throw new Error('the network dropped the ack');
      return config;
    });
    const p = player({ http });
    const orders = [
      emulator.purchase({ userId: p.userId, items: gold(3), mode: 'separate' }),
      emulator.purchase({ userId: p.userId, items: gold(4) }),
    ];
    expect(await p.client.pollNow()).toMatchObject({ granted: 2, acked: 0 });
    expect(p.unprocessed()).toHaveLength(3);
    acksLost = false;
    await p.settle();
    expect(await p.client.inventory.balance('gold')).toBe(7);
    expect(p.granted.sort()).toEqual(orders.map((order) => order.orderId).sort());
  });

  it('pending acks a restarted server no longer knows are let go, and its new purchases land', async () => {
    const profile = new IDBFactory();
    const p = player({ indexedDB: profile });
    emulator.setFaults({ dropAckResponseRate: 1 });
    emulator.purchase({ userId: p.userId, items: gold(5) });
    expect(await p.client.pollNow()).toMatchObject({ granted: 1, ackFailed: 1 });
    await p.client.close();

    const restarted = await startEmulator({ pageSize: PAGE_SIZE, projectId: emulator.projectId });
    try {
      restarted.setFaults({ ...NO_FAULTS, ...behaviour });
      const client = createGetUpdatesClient({
        projectId: restarted.projectId,
        baseUrl: restarted.url,
        token: () => restarted.issueToken(p.userId),
        indexedDB: profile,
        retries: 1,
      });
      clients.push(client);
      const { orderId } = restarted.purchase({ userId: p.userId, items: gold(7) });
      // The old ack goes to a server that never saw that event: whatever it answers, it is done.
      expect(await client.pollNow()).toMatchObject({ granted: 1, ackFailed: 0 });
      expect(await client.pollNow()).toMatchObject({ fetched: 0, acked: 0, ackFailed: 0 });
      expect(await client.inventory.balance('gold')).toBe(12);
      expect(await client.inventory.order(orderId)).toMatchObject({ status: 'granted' });
      expect(restarted.state(p.userId).events.every((event) => event.processed)).toBe(true);
    } finally {
      await restarted.close();
    }
  });
});

describe('a server that refuses bad tokens with 403', () => {
  beforeEach(() => emulator.setFaults({ authFailureStatus: 403 }));

  // A badly signed token looks fine to the client: only the server's 403 says it is refused.
  const refused = {
    'an expired token': (userId: string) => emulator.issueToken(userId, -10),
    'a badly signed token': (userId: string) => `${emulator.issueToken(userId)}x`,
  };

  it.each(Object.entries(refused))('%s is refreshed once, as after a 401, and the purchase lands', async (_name, refusedToken) => {
    const userId = `behaviour-player-${++players}`;
    const tokens = [refusedToken(userId), emulator.issueToken(userId)];
    let calls = 0;
    const p = player({ token: () => tokens[Math.min(calls++, 1)]!, userId });
    const { orderId } = emulator.purchase({ userId, items: gold(9) });
    await expect(p.client.pollNow()).resolves.toMatchObject({ granted: 1, acked: 1 });
    expect(await p.client.inventory.order(orderId)).toMatchObject({ status: 'granted' });
    expect(emulator.state(userId).events.every((event) => event.processed)).toBe(true);
  });

  it('a token that is always refused ends in AuthError from pollNow(), granting nothing', async () => {
    const userId = `behaviour-player-${++players}`;
    const p = player({ token: () => `${emulator.issueToken(userId)}x`, userId });
    emulator.purchase({ userId, items: gold(9) });
    await expect(p.client.pollNow()).rejects.toBeInstanceOf(AuthError);
    expect(await p.client.inventory.balance('gold')).toBe(0);
    expect(emulator.state(userId).events.every((event) => !event.processed)).toBe(true);
  });
});
