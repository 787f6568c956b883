/**
 * The demo page end to end: Vite's dev server with the emulator mounted, driven by Playwright
 * in Debian's Chromium. Each test is a player's session in one browser context (one profile).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type DemoHarness, type EmulatorState } from './harness';

let demo: DemoHarness;
let origin: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  demo = await startDemo();
  origin = demo.origin;
});
afterAll(() => demo?.close());
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

let players = 0;
const newPlayer = () => `e2e-${process.pid}-${++players}`;

async function newContext() {
  const context = await demo.browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  return context;
}

async function openGame(context: BrowserContext, userId: string): Promise<Page> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${origin}/?user=${userId}`);
  await expect.poll(() => page.getByTestId('status').textContent()).not.toBe('starting');
  expect(errors).toEqual([]);
  return page;
}

const balance = (page: Page, sku: string) => page.getByTestId(`balance-${sku}`).textContent().then(Number);
const expectBalances = (page: Page, expected: Record<string, number>, timeout?: number) =>
  expect
    .poll(async () => Object.fromEntries(await Promise.all(Object.keys(expected).map(async (sku) => [sku, await balance(page, sku)]))), {
      timeout,
    })
    .toEqual(expected);
const logEntries = (page: Page, kind: string) => page.locator(`[data-testid="log"] li[data-kind="${kind}"]`).allTextContents();
/** Until the page's client has finished a drain and waits for the next one. */
const untilDrained = (page: Page) => expect.poll(() => page.getByTestId('status').textContent()).toBe('waiting');

const emulatorState = (userId: string) => demo.admin<EmulatorState>(`state?userId=${userId}`);
const unacked = async (userId: string) => (await emulatorState(userId)).events.filter((event) => !event.processed).length;

describe('the demo shop', () => {
  it('delivers a purchase, keeps it across a reload, and takes it back on refund', async () => {
    const userId = newPlayer();
    const context = await newContext();
    const page = await openGame(context, userId);
    await page.getByTestId('buy-starter_pack').click();
    await expectBalances(page, { starter_pack: 1, gold: 1000, health_potion: 3 });
    const { orders } = await emulatorState(userId);
    expect(orders).toHaveLength(1);
    const { orderId } = orders[0]!;
    await expect.poll(() => page.getByTestId(`order-${orderId}`).getAttribute('data-status')).toBe('granted');
    expect(await logEntries(page, 'granted')).toHaveLength(1);
    await page.screenshot({ path: process.env.UPDATE_DEMO_SCREENSHOT ? 'demo/screenshot.png' : join(tmpdir(), 'xsolla-demo.png') });

    await page.reload();
    await expectBalances(page, { starter_pack: 1, gold: 1000, health_potion: 3 });
    await untilDrained(page);
    expect(await logEntries(page, 'granted')).toEqual([]); // nothing granted again after the reload

    await page.getByTestId('spend-health_potion').click();
    await expectBalances(page, { health_potion: 2 });
    await page.getByTestId(`refund-${orderId}`).click();
    await expectBalances(page, { starter_pack: 0, gold: 0, health_potion: -1 });
    await expect.poll(() => page.getByTestId(`order-${orderId}`).getAttribute('data-status')).toBe('revoked');
    expect(await unacked(userId)).toBe(0);
  });

  it('two tabs show the same balances and each order is granted once', async () => {
    const userId = newPlayer();
    const context = await newContext();
    const [tabA, tabB] = [await openGame(context, userId), await openGame(context, userId)];
    await tabA.getByTestId('buy-gold').click();
    await tabB.getByTestId('mode').selectOption('separate');
    await tabB.getByTestId('buy-dragon_blade').click();
    await tabA.getByTestId('buy-gold').click();
    for (const tab of [tabA, tabB]) await expectBalances(tab, { gold: 1000, dragon_blade: 1 });

    const { orders } = await emulatorState(userId);
    expect(orders).toHaveLength(3);
    for (const tab of [tabA, tabB]) {
      for (const { orderId } of orders) {
        await expect.poll(() => tab.getByTestId(`order-${orderId}`).getAttribute('data-status')).toBe('granted');
        // Each tab hears of each grant once, whichever tab applied it.
        expect((await logEntries(tab, 'granted')).filter((text) => text.includes(`#${orderId}:`))).toHaveLength(1);
      }
    }
    expect(await unacked(userId)).toBe(0);
  });

  it('one tab polls, the other says so, and takes over as soon as the first closes', async () => {
    const userId = newPlayer();
    const context = await newContext();
    const first = await openGame(context, userId);
    await expect.poll(() => first.getByTestId('status').textContent()).toMatch(/polling|waiting/);
    const second = await openGame(context, userId);
    await expect.poll(() => second.getByTestId('status').textContent()).toBe('another tab is polling');

    // The poller's Web Lock goes with its page: no lease to run out, so a short ceiling (10 s,
    // against about 1 s on a quiet machine) is still far from a wait for the next minute's poll.
    await first.close();
    await expect.poll(() => second.getByTestId('status').textContent(), { timeout: 10_000 }).toMatch(/polling|waiting/);
    await second.getByTestId('buy-gold').click();
    await expectBalances(second, { gold: 500 });
  });

  it('still delivers every purchase exactly once while the network misbehaves', async () => {
    const userId = newPlayer();
    const page = await openGame(await newContext(), userId);
    for (const fault of ['flaky', 'rateLimited', 'slow', 'dropAcks']) await page.getByTestId(`fault-${fault}`).check();
    await expect.poll(async () => (await logEntries(page, 'faults')).length).toBe(4);
    await page.getByTestId('buy-gold').click();
    await page.getByTestId('buy-health_potion').click();
    await page.getByTestId('mode').selectOption('separate');
    await page.getByTestId('buy-starter_pack').click();
    await page.getByTestId('buy-gold').click();
    await expectBalances(page, { gold: 2000, health_potion: 4, starter_pack: 1 }, 45_000);

    for (const fault of ['flaky', 'rateLimited', 'slow', 'dropAcks']) await page.getByTestId(`fault-${fault}`).uncheck();
    const pollsEnded = (count: number) => expect.poll(async () => (await logEntries(page, 'poll')).length).toBe(count);
    await page.getByRole('button', { name: 'Poll now' }).click();
    await pollsEnded(1);
    await expect.poll(() => unacked(userId)).toBe(0);
    await page.getByRole('button', { name: 'Poll now' }).click();
    await pollsEnded(2);
    await expectBalances(page, { gold: 2000, health_potion: 4, starter_pack: 1 });
    expect(await logEntries(page, 'granted')).toHaveLength(4);
  });

  it('a second player in the same browser sees only their own inventory', async () => {
    const [first, second] = [newPlayer(), newPlayer()];
    const context = await newContext();
    const firstPage = await openGame(context, first);
    await firstPage.getByTestId('buy-gold').click();
    await expectBalances(firstPage, { gold: 500 });
    const secondPage = await openGame(context, second);
    await untilDrained(secondPage);
    await expectBalances(secondPage, { gold: 0, health_potion: 0 });
    await secondPage.getByTestId('buy-health_potion').click();
    await expectBalances(secondPage, { gold: 0, health_potion: 1 });
    await expectBalances(firstPage, { gold: 500, health_potion: 0 });
  });

  it('shows order statuses pushed over the WebSocket, and can poll without it', async () => {
    const userId = newPlayer();
    const page = await openGame(await newContext(), userId);
    await page.getByTestId('buy-gold').click();
    await expectBalances(page, { gold: 500 });
    await expect.poll(async () => (await logEntries(page, 'orderStatus')).join(' ')).toMatch(/is done.*is paid.*is new/);
    // The log reads in the order things happened: the purchase, then its statuses (newest on top).
    const kinds = await page
      .locator('[data-testid="log"] li')
      .evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.kind));
    expect(kinds.filter((kind) => kind === 'purchase' || kind === 'orderStatus')).toEqual([
      'orderStatus',
      'orderStatus',
      'orderStatus',
      'purchase',
    ]);
    await page.getByTestId('push').uncheck();
    await page.waitForURL(/push=off/);
    await page.getByTestId('buy-gold').click();
    await expectBalances(page, { gold: 1000 });
    // Without the socket, the watched order's statuses come from Get order alone.
    expect((await logEntries(page, 'orderStatus')).filter((entry) => !entry.endsWith('(Get order)'))).toEqual([]);
  });

  it('renders event data as text, never as HTML', async () => {
    const userId = newPlayer();
    const page = await openGame(await newContext(), userId);
    await demo.admin('purchase', { userId, items: [{ sku: '<img src=x onerror="window.pwned=1">', quantity: 1 }] });
    await page.getByRole('button', { name: 'Poll now' }).click();
    await expect.poll(async () => (await logEntries(page, 'granted')).join()).toContain('<img src=x');
    expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('[data-testid="log"] img').count()).toBe(0);
  });

  it('after "Clear site data", a reload restores the sword from the Player Inventory, and not the gold', async () => {
    const userId = newPlayer();
    const context = await newContext();
    const page = await openGame(context, userId);
    await page.getByTestId('buy-dragon_blade').click();
    await page.getByTestId('buy-gold').click();
    await expectBalances(page, { dragon_blade: 1, gold: 500 });
    await expect.poll(() => unacked(userId)).toBe(0);
    expect(await page.getByTestId('restored-dragon_blade').count()).toBe(0); // delivered by its order, not restored

    // What the player's "Clear site data" does: the origin's IndexedDB is gone; acked events never come back.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'all' });
    await page.reload();
    await expectBalances(page, { dragon_blade: 1, gold: 0 });
    await expect.poll(() => page.getByTestId('restored-dragon_blade').count()).toBe(1);
    expect(await logEntries(page, 'restored')).toHaveLength(1);
    expect(await logEntries(page, 'granted')).toEqual([]);

    // Restoring again changes nothing.
    await page.getByTestId('restore').click();
    await expect.poll(() => logEntries(page, 'restore')).toEqual([expect.stringContaining('restored nothing; revoked nothing')]);
    await expectBalances(page, { dragon_blade: 1, gold: 0 });
    expect(await logEntries(page, 'restored')).toHaveLength(1);
  });
});
