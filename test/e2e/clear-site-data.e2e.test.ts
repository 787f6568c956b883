/**
 * The player clears the site's data while the game is open and a drain is writing. Chromium
 * force-closes the page's IndexedDB connection and deletes the database under it; only Chromium
 * can be told to from a test (CDP `Storage.clearDataForOrigin`), so this runs there alone (the
 * connection loss itself is tested in every engine in test/connection-loss.browser.test.ts).
 * What committed before the clear is gone with the player's data; the drain carries on into a
 * new ledger: nothing in it twice, nothing rejected untyped, every event acked.
 */
import { resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { playwrightLaunchOptions } from '../setup/launch';
import { startDemo, type DemoHarness, type EmulatorState } from './harness';

let demo: DemoHarness;
let browser: Browser;
beforeAll(async () => {
  [demo, browser] = await Promise.all([startDemo(), chromium.launch(playwrightLaunchOptions('chromium'))]);
});
afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

/** Orders of one event each (combined webhooks): a purchase is wholly before the clear or wholly after it. */
const PURCHASES = 120;

interface InPage {
  /** The poller's statuses, in order. */
  statuses: string[];
  /** Each `granted` the game heard, and whether the clear had landed by then. */
  granted: Array<{ orderId: string; afterClear: boolean }>;
  /** Each `error` event: the error's name, reason and message, and whether it was a GetUpdatesError. */
  errors: Array<{ error: string; typed: boolean }>;
  ledger: {
    balances: Record<string, number>;
    orders: Array<{ orderId: string; status: string; items: Array<{ sku: string; quantity: number }> }>;
  };
  seen: string[];
}

it('"Clear site data" while a drain writes: the poller goes on into a new ledger, nothing in it twice, every event acked', async () => {
  const userId = `cleared-mid-drain-${process.pid}`;
  for (let i = 0; i < PURCHASES; i++)
    await demo.admin('purchase', { userId, items: [{ sku: i % 2 ? 'gold' : 'health_potion', quantity: i + 1 }], mode: 'combined' });

  const context = await browser.newContext();
  const page = await context.newPage();
  // A page of the game's origin that runs no game of its own: the test brings the client.
  await page.goto(`${demo.origin}/__emulator/faults`);
  const cdp = await context.newCDPSession(page);
  await page.exposeFunction('clearSiteData', () => cdp.send('Storage.clearDataForOrigin', { origin: demo.origin, storageTypes: 'all' }));

  const result = await page.evaluate(
    async ({ userId, library, support }): Promise<InPage> => {
      // Built in the page: vitest would rewrite an import() written here for Node.
      const load = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;
      const { createGetUpdatesClient, GetUpdatesError } = (await load(library)) as typeof import('../../src');
      const { faultyIndexedDB } = (await load(support)) as typeof import('../support/faulty-indexeddb');
      const admin = async <T>(path: string, body?: unknown) =>
        (await (await fetch(`/__emulator/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) })).json()) as T;
      const idb = faultyIndexedDB();
      const client = createGetUpdatesClient({
        projectId: 308077,
        baseUrl: location.origin,
        userId,
        token: async () => (await admin<{ token: string }>('token', { userId })).token,
        indexedDB: idb.factory,
        cadence: { intervalMs: 200 },
      });
      let cleared = false;
      const granted: InPage['granted'] = [];
      const errors: InPage['errors'] = [];
      client.on('granted', ({ orderId }) => granted.push({ orderId: orderId!, afterClear: cleared }));
      client.on('error', ({ error }) =>
        errors.push({
          error: `${error.name} ${(error as { reason?: string }).reason}: ${error.message}`,
          typed: error instanceof GetUpdatesError,
        }),
      );
      // The second page's transaction is kept writing until Chromium has cleared the site's data
      // (which aborts it: from then on, what is granted goes into the new ledger).
      idb.arm(
        (_db, tx) => {
          tx.addEventListener('abort', () => (cleared = true));
          const busy = () => {
            try {
              tx.objectStore('meta').get('busy').onsuccess = () => void (cleared || busy());
            } catch {
              // the clear ended the transaction
            }
          };
          busy();
          void (window as unknown as { clearSiteData(): Promise<void> }).clearSiteData().then(() => (cleared = true));
        },
        { page: 2 },
      );
      const statuses: string[] = [];
      client.on('status', (status) => statuses.push('reason' in status ? `${status.status} (${status.reason})` : status.status));
      // The game runs its poller; it drains again soon after a drain that failed or ended.
      client.start();
      const unacked = async () =>
        (await admin<{ events: Array<{ processed: boolean }> }>(`state?userId=${userId}`)).events.filter((e) => !e.processed).length;
      const ceiling = Date.now() + 60_000;
      while (Date.now() < ceiling && !statuses.some((status) => status.startsWith('paused')) && (await unacked()) > 0)
        await new Promise((resolve) => setTimeout(resolve, 50));
      client.stop();
      const orders = (await client.inventory.orders()).map(({ orderId, status, items }) => ({ orderId: orderId!, status, items }));
      const ledger = { balances: { ...(await client.inventory.balances()) }, orders };
      await client.close();
      return { statuses, granted, errors, ledger, seen: idb.log.seen };
    },
    {
      userId,
      library: `/@fs${resolve('src/index.ts')}`,
      support: `/@fs${resolve('test/support/faulty-indexeddb.ts')}`,
    },
  );
  // The clear cut into the running page transaction (Chromium aborts it with UnknownError, fires
  // `close`, and aborts the first reopen while it deletes the data).
  expect(result.seen.filter((line) => line.startsWith('abort:'))).not.toEqual([]);

  const state = await demo.admin<EmulatorState>(`state?userId=${userId}`);
  expect(state.events.filter((event) => !event.processed)).toEqual([]);
  // The poller never stopped for the clear (a pause for storage waits for the game to call start()).
  expect(result.statuses.filter((status) => status.startsWith('paused'))).toEqual([]);
  expect(result.errors.filter((error) => !error.typed)).toEqual([]);

  // Announced once each: before the clear (the new ledger does not have it: the player's data was
  // cleared), or after it (the new ledger has it, granted).
  const announced = result.granted.map(({ orderId }) => orderId);
  expect(new Set(announced).size).toBe(announced.length);
  expect([...announced].sort()).toEqual(state.orders.map(({ orderId }) => orderId).sort());
  const before = result.granted.filter(({ afterClear }) => !afterClear).map(({ orderId }) => orderId);
  const after = result.granted.filter(({ afterClear }) => afterClear).map(({ orderId }) => orderId);
  expect(before.length).toBeGreaterThan(0); // the clear landed mid-drain, not before it
  expect(after.length).toBeGreaterThan(0);
  expect(result.ledger.orders.map(({ orderId }) => orderId).sort()).toEqual([...after].sort());
  expect(result.ledger.orders.every(({ status }) => status === 'granted')).toBe(true);
  // The new ledger's balances are its orders', each counted once.
  const expected: Record<string, number> = {};
  for (const { items } of result.ledger.orders) for (const { sku, quantity } of items) expected[sku] = (expected[sku] ?? 0) + quantity;
  expect(result.ledger.balances).toEqual(expected);
}, 120_000);
