/**
 * Real-browser smoke tests of the builds a game uses without a bundler (issue #11, item 8): a
 * plain HTML page that loads the core IIFE with a <script> tag, and one that imports the
 * self-contained ESM file. Each talks to the emulator on another origin, and a purchase must
 * land exactly once: the balance, one grant, and one ack per event seen by the server.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Library from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import type { WebhookMode } from '../../src/emulator/payloads';
import { playwrightLaunchOptions } from '../setup/launch';
import { buildBrowserArtefacts, servePages } from './doors';

declare global {
  interface Window {
    XsollaGetUpdates: typeof Library;
    game: { client: Library.GetUpdatesClient; seen: Seen };
  }
}
interface Seen {
  errors: Array<{ name: string; message: string; typed: boolean }>;
  statuses: string[];
  grants: number;
}

let artefacts: Awaited<ReturnType<typeof buildBrowserArtefacts>>;
let pages: Awaited<ReturnType<typeof servePages>>;
let emulator: Emulator;
let browser: Browser;

beforeAll(async () => {
  artefacts = await buildBrowserArtefacts();
  [pages, emulator, browser] = await Promise.all([
    servePages(artefacts.dir),
    startEmulator({ port: 0 }),
    chromium.launch(playwrightLaunchOptions('chromium')),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await emulator?.close();
  await pages?.close();
  artefacts?.remove();
});

/** Opens a page in a fresh profile, counting the acks it sends and the scripts it loads. */
async function openGame(page: string) {
  const context = await browser.newContext();
  const tab = await context.newPage();
  const acks: string[] = [];
  const scripts: string[] = [];
  tab.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (request.method() === 'POST' && /^\/events\/\d+\/processed$/.test(pathname)) acks.push(pathname.split('/')[2]!);
    if (request.resourceType() === 'script') scripts.push(pathname);
  });
  await tab.goto(`${pages.origin}/${page}`);
  await tab.waitForFunction(() => 'XsollaGetUpdates' in window);
  return { tab, acks, scripts, close: () => context.close() };
}

/** Creates and starts a client in the page, from the library the page loaded, with order status on. */
async function startClient(tab: Page, userId: string) {
  expect(new URL(emulator.url).origin).not.toBe(pages.origin);
  await tab.evaluate(
    ({ baseUrl, projectId, token, userId }) => {
      const lib = window.XsollaGetUpdates;
      const seen: Seen = { errors: [], statuses: [], grants: 0 };
      const orderStatus = { url: `${baseUrl.replace(/^http/, 'ws')}/connection/websocket` };
      const client = lib.createGetUpdatesClient({ projectId, baseUrl, token, userId, orderStatus });
      client.on('error', ({ error }) => {
        const { name, message } = error as Error;
        seen.errors.push({ name, message, typed: error instanceof lib.GetUpdatesError });
      });
      client.on('orderStatus', ({ status }) => seen.statuses.push(status));
      client.on('granted', () => seen.grants++);
      client.start();
      window.game = { client, seen };
    },
    { baseUrl: emulator.url, projectId: emulator.projectId, token: emulator.issueToken(userId), userId },
  );
}

/** Buys 100 gold on the emulator, waits in the page for the order, then polls once more. */
async function buyGold(tab: Page, userId: string, mode: WebhookMode) {
  const { orderId, eventIds } = emulator.purchase({ userId, items: [{ sku: 'gold', quantity: 100 }], mode });
  const outcome = await tab.evaluate(async (orderId) => {
    const { client, seen } = window.game;
    const order = await client.watchOrder(orderId);
    const again = await client.pollNow();
    const gold = await client.inventory.balance('gold');
    await client.close();
    return { status: order.status, gold, grantedAgain: again.granted, seen };
  }, orderId);
  return { ...outcome, eventIds: eventIds.map(String) };
}

/** The server's side of "exactly once": every event of the order marked processed, by one ack each. */
function expectAckedOnce(userId: string, eventIds: string[], acks: string[]) {
  const events = emulator.state(userId).events.filter((event) => eventIds.includes(String(event.id)));
  expect(events.map((event) => event.processed)).toEqual(eventIds.map(() => true));
  expect([...acks].sort()).toEqual([...eventIds].sort());
}

describe('a game without a bundler, against the emulator on another origin', { timeout: 60_000 }, () => {
  it('a <script> tag with the core IIFE: the purchase lands once; orderStatus there is a typed error, and polling carries on', async () => {
    const userId = 'script-tag-player';
    const game = await openGame('script-tag.html');
    try {
      await startClient(game.tab, userId);
      // The core build leaves the order-status client out: the client says so at start.
      await game.tab.waitForFunction(() => window.game.seen.errors.length > 0);

      const outcome = await buyGold(game.tab, userId, 'combined');

      expect(outcome).toMatchObject({ status: 'granted', gold: 100, grantedAgain: 0 });
      expect(outcome.seen.grants).toBe(1);
      expect(outcome.seen.errors).toEqual([
        { name: 'InvalidArgumentError', message: expect.stringContaining('xsolla-getupdates-push.iife.js'), typed: true },
      ]);
      expectAckedOnce(userId, outcome.eventIds, game.acks);
      expect(game.scripts).toEqual(['/xsolla-getupdates.iife.js']);
    } finally {
      await game.close();
    }
  });

  it('an ES module page importing dist/browser/xsolla-getupdates.js: the order-status chunk loads beside it, and the purchase lands once', async () => {
    const userId = 'es-module-player';
    const game = await openGame('es-module.html');
    try {
      // The order-status channel is subscribed once the emulator answers its connect command.
      const subscribed = new Promise<void>((done) =>
        game.tab.on('websocket', (socket) => socket.on('framereceived', ({ payload }) => String(payload).includes('"connect"') && done())),
      );
      await startClient(game.tab, userId);
      await subscribed;

      const outcome = await buyGold(game.tab, userId, 'separate');

      expect(outcome).toMatchObject({ status: 'granted', gold: 100, grantedAgain: 0 });
      expect(outcome.seen.grants).toBe(1);
      expect(outcome.seen.errors).toEqual([]);
      expect(outcome.seen.statuses).toContain('paid');
      expectAckedOnce(userId, outcome.eventIds, game.acks);
      expect(game.scripts).toEqual(['/browser/xsolla-getupdates.js', '/browser/xsolla-getupdates-order-status.js']);
    } finally {
      await game.close();
    }
  });
});
