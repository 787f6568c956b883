/**
 * The whole browser dies mid-drain, in Chromium and in Firefox (which commits IndexedDB its own
 * way): SIGKILL to the browser's process group the moment an ack reaches the emulator, at a
 * seeded random page of the drain, with nothing flushed or closed; then a relaunch on the same
 * profile. After a few of those and a last drain, the ledger holds every purchase once and every
 * event is acked. An event acked before its grant was on disk would be missing: the server never
 * sends it again. (chaos.ts crashes a renderer alone. WebKitGTK is left out: WebKitWebDriver
 * starts every session on a fresh profile, so there is nothing to relaunch on.)
 *
 * BROWSER_KILL_SEED=<seed> replays a run's purchases and kill moments (each run prints its seed).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, firefox, type BrowserContext } from 'playwright-core';
import type { Plugin } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { playwrightLaunchOptions, type PlaywrightEngine } from '../setup/launch';
import { browserGroups, killGroups, untilGone } from '../support/browser-process';
import { seeded } from '../support/seeded-random';
import { startDemo, type DemoHarness, type EmulatorState } from './harness';
import { describeMismatch, type Kill } from './ledger-mismatch';

const KILLS = 3;
/** Half of them sent as two events: about 60 events a round, two pages of the emulator's 50. */
const PURCHASES_PER_ROUND = 40;
/** Consumables (a restore never touches them), several to a purchase: each page writes many balances. */
const SKUS = ['gold', 'health_potion', ...Array.from({ length: 10 }, (_, i) => `rune_${i + 1}`)];
/**
 * A page of events takes this much longer than an ack (a listing is the heavier request), so
 * each page's acks leave as soon as the drain lets them, not queued behind the last page's.
 */
const PAGE_LATENCY_MS = 150;

/** What the line watcher reports: each ack as it arrives. */
const line = {
  /** Event id → when its first ack arrived (Date.now()). */
  firstAckAt: new Map<number, number>(),
  /** An ack of an event that no ack had named before. */
  onFirstAck: undefined as (() => void) | undefined,
};

/** Sees the Events API's traffic on the demo's origin before the emulator answers it. */
const lineWatcher: Plugin = {
  name: 'browser-kill-line-watcher',
  enforce: 'pre',
  configureServer(server) {
    server.middlewares.use((request: IncomingMessage, response: ServerResponse, next: () => void) => {
      const ack = request.method === 'POST' && /^\/events\/(\d+)\/processed/.exec(request.url ?? '');
      if (ack) {
        const eventId = Number(ack[1]);
        if (!line.firstAckAt.has(eventId)) {
          line.firstAckAt.set(eventId, Date.now()); // the emulator records it, whatever becomes of the browser
          line.onFirstAck?.();
        }
        return next();
      }
      if (request.method !== 'GET' || !request.url?.startsWith('/events')) return next();
      setTimeout(next, PAGE_LATENCY_MS);
    });
  },
};

let demo: DemoHarness;
beforeAll(async () => {
  demo = await startDemo([lineWatcher]);
});
afterAll(() => demo?.close());

interface DemoWindow {
  xsollaDemo: { client: import('../../src').GetUpdatesClient };
}

/**
 * Firefox relaunched after a crash may restore the killed session's tabs, which leaves the game's
 * page behind a restored one, hidden (and a hidden game does not poll): no session restore here.
 */
const AFTER_A_CRASH = { 'browser.sessionstore.resume_from_crash': false, 'toolkit.startup.max_resumed_crashes': -1 };

const launch = (engine: PlaywrightEngine, profile: string): Promise<BrowserContext> =>
  engine === 'chromium'
    ? chromium.launchPersistentContext(profile, { ...playwrightLaunchOptions(engine), headless: true })
    : firefox.launchPersistentContext(profile, { ...playwrightLaunchOptions(engine), headless: true, firefoxUserPrefs: AFTER_A_CRASH });

/** Resolves with `promise`, or fails saying what did not happen after `ceilingMs`. */
function within<T>(promise: Promise<T>, ceilingMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ceilingMs} ms`)), ceilingMs)),
  );
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe.each(['chromium', 'firefox'] as const)('the whole browser killed mid-drain: %s', (engine) => {
  it(`SIGKILL of its process group as an ack arrives, ${KILLS} times, relaunched on the same profile: nothing lost, nothing doubled, every event acked`, async () => {
    const seed = Number(process.env.BROWSER_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`browser kill in ${engine}: seed ${seed}`);
    const random = seeded(seed);
    const profile = mkdtempSync(join(tmpdir(), `browser-kill-${engine}-`));
    const userId = `killed-${engine}-${process.pid}`;
    const game = `${demo.origin}/?user=${userId}&push=off`;
    const paid: Record<string, number> = {};
    const kills: Kill[] = [];
    const state = () => demo.admin<EmulatorState>(`state?userId=${userId}`);
    const unacked = async () => (await state()).events.filter((event) => !event.processed).length;
    const started = Date.now();
    /** The process groups of a round's browser until it is gone. */
    let running: number[] = [];
    try {
      for (let round = 1; round <= KILLS; round++) {
        for (let i = 0; i < PURCHASES_PER_ROUND; i++) {
          const items = SKUS.filter(() => random() < 0.4).map((sku) => ({ sku, quantity: 1 + Math.floor(random() * 100) }));
          if (items.length === 0) items.push({ sku: 'gold', quantity: 100 });
          await demo.admin('purchase', { userId, items, mode: random() < 0.5 ? 'combined' : 'separate' });
          for (const { sku, quantity } of items) paid[sku] = (paid[sku] ?? 0) + quantity;
        }
        // The kill comes with the n-th first ack of an event (a relaunched drain first sends again
        // the acks it could not cross off). Every event still unacked gets one this round, all but
        // perhaps the one whose ack the last kill cut off: counted by pages instead, a round whose
        // re-sent acks shrank the listing waited for a page that never came.
        const waiting = await unacked();
        const n = 1 + Math.floor(random() * Math.max(1, waiting - 1));
        const context = await launch(engine, profile);
        const groups = (running = browserGroups(profile));
        expect(groups, 'the browser runs on its profile').not.toEqual([]);
        const closed = new Promise((resolve) => context.once('close', resolve));
        const killed = new Promise<void>((resolve) => {
          let acks = 0;
          line.onFirstAck = () => {
            if (++acks < n) return;
            killGroups(groups);
            kills.push({ round, at: Date.now() - started });
            line.onFirstAck = undefined;
            resolve();
          };
        });
        const page = context.pages()[0] ?? (await context.newPage());
        void page.goto(game).catch(() => undefined); // the game drains as it loads; the kill ends the navigation too
        await within(killed, 60_000, `seed ${seed}, round ${round}: kill at first ack ${n} of ${waiting} events`);
        await closed;
        await untilGone(groups);
        running = [];
        console.log(`  round ${round}: killed at first ack ${n}; ${await unacked()} of ${waiting} events left unacked`);
      }

      const context = await launch(engine, profile);
      try {
        const page = context.pages()[0] ?? (await context.newPage());
        await page.goto(game);
        const drain = () => page.evaluate(() => (window as unknown as DemoWindow).xsollaDemo.client.pollNow().then(() => null, String));
        await expect.poll(async () => (await drain(), unacked()), { timeout: 60_000 }).toBe(0);
        const emulator = await state();
        const ledger = await page.evaluate(
          async (ids) => {
            const { client } = (window as unknown as DemoWindow).xsollaDemo;
            const events = Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await client.inventory.event(id)] as const)));
            return { balances: { ...(await client.inventory.balances()) }, orders: await client.inventory.orders(), events };
          },
          emulator.events.map(({ id }) => id),
        );
        const firstAckAt = new Map([...line.firstAckAt].map(([id, at]) => [id, at - started]));
        const mismatch = `${engine}, seed ${seed}\n${describeMismatch({ paid, ledger, emulator, firstAckAt, kills })}`;
        expect(ledger.balances, mismatch).toEqual(paid);
        expect(ledger.orders.map(({ orderId, status }) => [orderId, status]).sort(), mismatch).toEqual(
          emulator.orders.map(({ orderId }) => [orderId, 'granted']).sort(),
        );
      } finally {
        await context.close();
      }
      console.log(`  ${engine}: ${KILLS} kills and a last drain in ${Date.now() - started} ms`);
    } finally {
      line.onFirstAck = undefined;
      // A round that failed leaves its browser running: it would go on draining through the line
      // watcher (its acks counted by the next test's kill) and writing into the removed profile.
      killGroups(running);
      await untilGone(running);
      rmSync(profile, { recursive: true, force: true });
    }
  }, 180_000);
});
