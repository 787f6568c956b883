/**
 * Smoke tests of the builds a game uses without a bundler (issue #11, item 8), in each engine: a
 * plain HTML page that loads the core IIFE with a <script> tag, and one that imports the
 * self-contained ESM file. Each talks to the emulator on another origin, and a purchase must
 * land exactly once: the balance, one grant, and one ack per event seen by the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Library from '../../src';
import { startEmulator, type Emulator } from '../../src/emulator';
import type { WebhookMode } from '../../src/emulator/payloads';
import { ENGINES } from '../setup/engines';
import { launchBrowser, type EngineBrowser, type Tab } from '../support/browsers';
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
  /** The order-status socket had its connect command answered. */
  subscribed: boolean;
}

let artefacts: Awaited<ReturnType<typeof buildBrowserArtefacts>>;
let pages: Awaited<ReturnType<typeof servePages>>;
let emulator: Emulator;

beforeAll(async () => {
  artefacts = await buildBrowserArtefacts();
  [pages, emulator] = await Promise.all([servePages(artefacts.dir), startEmulator({ port: 0 })]);
});
afterAll(async () => {
  await emulator?.close();
  await pages?.close();
  artefacts?.remove();
});

/**
 * What the page fetched, from its Resource Timing entries (every engine keeps them, whatever
 * drives it): the acks it sent (`POST /events/{id}/processed`, the only requests to that path)
 * and the scripts it loaded.
 */
const fetched = (tab: Tab) =>
  tab.evaluate(() => {
    const entries = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    const paths = entries.map((entry) => new URL(entry.name).pathname);
    return {
      acks: paths.filter((path) => /^\/events\/\d+\/processed$/.test(path)).map((path) => path.split('/')[2]!),
      scripts: paths.filter((path) => path.endsWith('.js')),
      /** How the page's builds reached the Events API: axios's XHR adapter, the one they carry. */
      eventsApiBy: [
        ...new Set(entries.filter((entry) => new URL(entry.name).pathname.startsWith('/events')).map((entry) => entry.initiatorType)),
      ],
    };
  });

/** Creates and starts a client in the page, from the library the page loaded, with order status on. */
async function startClient(tab: Tab, userId: string) {
  expect(new URL(emulator.url).origin).not.toBe(pages.origin);
  await tab.evaluate(
    ({ baseUrl, projectId, token, userId }) => {
      const lib = window.XsollaGetUpdates;
      const seen: Seen = { errors: [], statuses: [], grants: 0, subscribed: false };
      // The page's own WebSocket, watched for the emulator's answer to the connect command.
      class WatchedWebSocket extends WebSocket {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols);
          this.addEventListener('message', ({ data }) => String(data).includes('"connect"') && (seen.subscribed = true));
        }
      }
      const orderStatus = { url: `${baseUrl.replace(/^http/, 'ws')}/connection/websocket`, websocket: WatchedWebSocket };
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
async function buyGold(tab: Tab, userId: string, mode: WebhookMode) {
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

describe.each(ENGINES)('a game without a bundler in %s, against the emulator on another origin', (engine) => {
  let browser: EngineBrowser;
  beforeAll(async () => {
    browser = await launchBrowser(engine);
  });
  afterAll(() => browser?.close());

  /** Opens a page in a fresh profile, once the library it loads is there. */
  async function openGame(page: string) {
    const profile = await browser.newProfile();
    const tab = await profile.open(`${pages.origin}/${page}`);
    await expect.poll(() => tab.evaluate(() => 'XsollaGetUpdates' in window)).toBe(true);
    return { tab, close: () => profile.close() };
  }

  it('a <script> tag with the core IIFE: the purchase lands once; orderStatus there is a typed error, and polling carries on', async () => {
    const userId = 'script-tag-player';
    const game = await openGame('script-tag.html');
    try {
      await startClient(game.tab, userId);
      // The core build leaves the order-status client out: the client says so at start.
      await expect.poll(() => game.tab.evaluate(() => window.game.seen.errors.length)).toBeGreaterThan(0);

      const outcome = await buyGold(game.tab, userId, 'combined');

      expect(outcome).toMatchObject({ status: 'granted', gold: 100, grantedAgain: 0 });
      expect(outcome.seen.grants).toBe(1);
      expect(outcome.seen.errors).toEqual([
        { name: 'InvalidArgumentError', message: expect.stringContaining('xsolla-getupdates-push.iife.js'), typed: true },
      ]);
      const { acks, scripts, eventsApiBy } = await fetched(game.tab);
      expect(eventsApiBy).toEqual(['xmlhttprequest']);
      expectAckedOnce(userId, outcome.eventIds, acks);
      expect(scripts).toEqual(['/xsolla-getupdates.iife.js']);
    } finally {
      await game.close();
    }
  });

  it('an ES module page importing dist/browser/xsolla-getupdates.js: the order-status chunk loads beside it, and the purchase lands once', async () => {
    const userId = 'es-module-player';
    const game = await openGame('es-module.html');
    try {
      await startClient(game.tab, userId);
      await expect.poll(() => game.tab.evaluate(() => window.game.seen.subscribed)).toBe(true);

      const outcome = await buyGold(game.tab, userId, 'separate');

      expect(outcome).toMatchObject({ status: 'granted', gold: 100, grantedAgain: 0 });
      expect(outcome.seen.grants).toBe(1);
      expect(outcome.seen.errors).toEqual([]);
      expect(outcome.seen.statuses).toContain('paid');
      const { acks, scripts, eventsApiBy } = await fetched(game.tab);
      expect(eventsApiBy).toEqual(['xmlhttprequest']);
      expectAckedOnce(userId, outcome.eventIds, acks);
      expect(scripts).toEqual(['/browser/xsolla-getupdates.js', '/browser/xsolla-getupdates-order-status.js']);
    } finally {
      await game.close();
    }
  });
});
