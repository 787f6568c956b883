/**
 * The ledger loses its IndexedDB connection mid-drain, in each engine: iOS drops connections
 * after the app was backgrounded, Chromium force-closes them when the player clears site data,
 * WebKit's back/forward cache freezes a page that the player leaves. Whatever the engine says,
 * the purchases of that drain are granted once, every event is acked once, and nothing rejects
 * with anything but a GetUpdatesError. Chromium's "Clear site data" with the game open is in
 * test/e2e/clear-site-data.e2e.test.ts (CDP).
 */
import axios from 'axios';
import { expect, it } from 'vitest';
import { createGetUpdatesClient, StorageError, type ClientEvents, type PollReport } from '../src';
import { admin, url } from './support/browser-emulator';
import { clientsClosedAfterEach } from './support/closed-after-each';
import { faultyIndexedDB, SERVER_LOST, type ConnectionFault, type FaultyIndexedDB } from './support/faulty-indexeddb';
import { eventually } from './support/eventually';
import { itRunsInTheRealEngine } from './support/real-engine';

itRunsInTheRealEngine();

const PROJECT_ID = 308077;
const clients = clientsClosedAfterEach();

interface Purchase {
  orderId: string;
  eventIds: number[];
  sku: string;
  quantity: number;
}

const SKUS = ['gold', 'gem', 'potion'];

/**
 * A player with `count` purchases waiting, half of them sent as two events: 30 make 45 events,
 * three pages of the browser emulator's 20.
 */
async function playerWithPurchases(count = 30) {
  const userId = `lost-connection-${crypto.randomUUID()}`;
  const purchases: Purchase[] = [];
  for (let i = 0; i < count; i++) {
    const [sku, quantity] = [SKUS[i % SKUS.length]!, i + 1];
    const mode = i % 2 ? 'separate' : 'combined';
    const { orderId, eventIds } = await admin<{ orderId: string; eventIds: number[] }>('purchase', {
      userId,
      items: [{ sku, quantity }],
      mode,
    });
    purchases.push({ orderId: String(orderId), eventIds, sku, quantity });
  }
  return { userId, purchases };
}

/** The game's client on `idb`, with what it announced and the acks it sent, per event id. */
function connect(userId: string, idb: FaultyIndexedDB) {
  const acks = new Map<number, number>();
  const http = axios.create();
  http.interceptors.request.use((config) => {
    const acked = /\/events\/(\d+)\/processed$/.exec(config.url ?? '');
    if (acked) acks.set(Number(acked[1]), (acks.get(Number(acked[1])) ?? 0) + 1);
    return config;
  });
  const client = createGetUpdatesClient({
    projectId: PROJECT_ID,
    baseUrl: url,
    userId,
    token: async () => (await admin<{ token: string }>('token', { userId })).token,
    indexedDB: idb.factory,
    http,
  });
  clients.push(client);
  const heard: Array<[keyof ClientEvents, unknown]> = [];
  for (const type of ['granted', 'error', 'status'] as const) client.on(type, (payload) => heard.push([type, payload]));
  const emitted = <K extends keyof ClientEvents>(type: K) => heard.filter(([t]) => t === type).map(([, p]) => p as ClientEvents[K]);
  return { client, acks, emitted };
}

const serverEvents = async (userId: string) =>
  (await admin<{ events: Array<{ id: number; processed: boolean }> }>(`state?userId=${userId}`)).events;

/** Settles to the drain's report, or to what it rejected with. */
const settled = (drain: Promise<PollReport>) =>
  drain.then(
    (report) => ({ report }),
    (error: unknown) => ({ error }),
  );

/**
 * Each purchase granted once and announced once, the server's events all processed, and each
 * acked once (or, after a drain that failed once its acks were out, at least once: the next
 * drain sends again what it could not cross off).
 */
async function expectDeliveredOnce(
  userId: string,
  purchases: Purchase[],
  game: ReturnType<typeof connect>,
  acks: 'once' | 'at least once' = 'once',
) {
  const expected: Record<string, number> = {};
  for (const { sku, quantity } of purchases) expected[sku] = (expected[sku] ?? 0) + quantity;
  expect({ ...(await game.client.inventory.balances()) }).toEqual(expected);
  for (const { orderId, eventIds } of purchases)
    expect(await game.client.inventory.order(orderId)).toMatchObject({ status: 'granted', eventIds });
  const announced = game.emitted('granted').map(({ orderId }) => orderId);
  expect(announced.sort()).toEqual(purchases.map(({ orderId }) => orderId).sort());
  const events = await serverEvents(userId);
  expect(events.filter((event) => !event.processed)).toEqual([]);
  const sent = events.map((event) => game.acks.get(event.id) ?? 0);
  expect(
    sent.filter((count) => (acks === 'once' ? count !== 1 : count < 1)),
    `acks sent per event: ${sent}`,
  ).toEqual([]);
}

/** The player leaves the page (WebKit keeps it in its back/forward cache) and comes back. */
const leaveAndReturn = () => {
  dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
  dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
};

const MID_DRAIN: Array<[string, ConnectionFault | (() => void)]> = [
  [`the ledger's page write aborts mid-drain (iOS: "UnknownError: ${SERVER_LOST}")`, 'abort'],
  ['the connection is closed under the game mid-drain, and `close` fires', 'close'],
  ['the connection closes mid-drain without a word (the next transaction: "InvalidStateError: the connection is closing")', 'closing'],
  ['the player leaves the page mid-drain (pagehide) and comes back', leaveAndReturn],
];

it.each(MID_DRAIN)('%s: the same drain grants each purchase once and acks every event once', async (_, fault) => {
  const { userId, purchases } = await playerWithPurchases();
  const idb = faultyIndexedDB();
  const game = connect(userId, idb);
  idb.arm(fault, { page: 2 });

  const first = await settled(game.client.pollNow());
  expect(idb.log.struck).toBe(true);
  expect(first).toEqual({ report: expect.objectContaining({ granted: purchases.length, acked: 45, ackFailed: 0 }) });
  expect(await game.client.pollNow()).toMatchObject({ fetched: 0 });
  await expectDeliveredOnce(userId, purchases, game);
  expect(game.emitted('error')).toEqual([]);
});

/**
 * The transactions of a session's first drain of two pages: the pending acks, the save's
 * player, two pages, crossing off the acks sent, compaction.
 */
const DRAIN_TRANSACTIONS = 6;

it.each(['abort', 'close', 'closing'] as const)(
  '%s at every step of a drain: a drain that fails says StorageError, and the next one delivers each purchase once',
  async (fault) => {
    for (let transaction = 1; transaction <= DRAIN_TRANSACTIONS; transaction++) {
      const { userId, purchases } = await playerWithPurchases(14);
      const idb = faultyIndexedDB();
      const game = connect(userId, idb);
      idb.arm(fault, { transaction });
      const first = await settled(game.client.pollNow());
      const step = `fault at transaction ${transaction}: ${JSON.stringify(idb.log)}`;
      expect(idb.log.struck, step).toBe(true);
      if ('error' in first) expect(first.error, step).toBeInstanceOf(StorageError);
      await game.client.pollNow();
      await expectDeliveredOnce(userId, purchases, game, 'error' in first ? 'at least once' : 'once');
    }
  },
);

it('another tab upgrades to a newer schema mid-drain: the poller pauses and asks for a reload; what committed is acked, nothing else', async () => {
  const { userId } = await playerWithPurchases();
  const idb = faultyIndexedDB();
  const game = connect(userId, idb);
  let newer: Promise<IDBDatabase> | undefined;
  idb.arm(
    (db: IDBDatabase) => {
      const request = indexedDB.open(db.name, 1000);
      newer = new Promise((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    },
    { page: 2 },
  );
  game.client.start();
  await eventually(() => expect(game.emitted('status').at(-1)).toEqual({ status: 'paused', reason: 'storage' }));
  expect(game.emitted('error')).toEqual([
    {
      phase: 'poll',
      error: expect.objectContaining({ name: 'StorageError', reason: 'versionchange', message: expect.stringMatching(/reload/) }),
    },
  ]);
  expect(game.emitted('error')[0]!.error).toBeInstanceOf(StorageError);
  await expect(game.client.inventory.balances()).rejects.toMatchObject({ reason: 'versionchange' });

  // The newer tab's ledger holds the two pages that committed; the events the server saw acked are among them.
  const db = await newer!;
  try {
    const read = (store: string) =>
      new Promise<number[]>((resolve, reject) => {
        const request = db.transaction(store).objectStore(store).getAllKeys();
        request.onsuccess = () => resolve(request.result as number[]);
        request.onerror = () => reject(request.error);
      });
    const [recorded, pending] = [await read('events'), await read('acks')];
    expect(recorded).toHaveLength(40);
    const acked = (await serverEvents(userId)).filter((event) => event.processed).map((event) => event.id);
    expect(recorded).toEqual(expect.arrayContaining(acked));
    // What committed and was not acked stays pending, for the newer tab to send.
    expect(new Set([...acked, ...pending])).toEqual(new Set(recorded));
  } finally {
    db.close();
  }
});
