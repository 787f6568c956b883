/**
 * The demo page end to end: Vite's dev server with the emulator mounted, driven in each engine
 * (test/support/browsers.ts). Each test is a player's session in one profile.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../setup/engines';
import { launchBrowser, type EngineBrowser, type Profile, type Tab } from '../support/browsers';
import { attribute, count, expectBalances, logEntries, status, testId, text, untilDrained } from './demo-page';
import { startDemo, type DemoHarness, type EmulatorState } from './harness';

let demo: DemoHarness;
let origin: string;

beforeAll(async () => {
  demo = await startDemo();
  origin = demo.origin;
});
afterAll(() => demo?.close());

let players = 0;
const newPlayer = () => `e2e-${process.pid}-${++players}`;

/** Checks or unchecks a checkbox with a real click, as the player would. */
const setChecked = async (tab: Tab, selector: string, checked: boolean) => {
  if ((await tab.evaluate((selector) => document.querySelector<HTMLInputElement>(selector)!.checked, selector)) !== checked)
    await tab.click(selector);
};

/** Does `action`, then waits until the tab shows another document, loaded. */
async function untilNavigated(tab: Tab, action: () => Promise<void>) {
  const before = await tab.evaluate(() => performance.timeOrigin);
  await action();
  // Mid-navigation a read may fail (no document yet): the poll tries again.
  await expect
    .poll(() => tab.evaluate((before) => document.readyState === 'complete' && performance.timeOrigin !== before, before))
    .toBe(true);
}

const orderStatus = (tab: Tab, orderId: string) => attribute(tab, testId(`order-${orderId}`), 'data-status');

const emulatorState = (userId: string) => demo.admin<EmulatorState>(`state?userId=${userId}`);
const unacked = async (userId: string) => (await emulatorState(userId)).events.filter((event) => !event.processed).length;

describe.each(ENGINES)('the demo shop in %s', (engine) => {
  let browser: EngineBrowser;
  const profiles: Profile[] = [];
  beforeAll(async () => {
    browser = await launchBrowser(engine);
  });
  afterAll(() => browser?.close());
  afterEach(async () => {
    await Promise.all(profiles.splice(0).map((profile) => profile.close()));
  });

  async function newProfile() {
    const profile = await browser.newProfile();
    profiles.push(profile);
    return profile;
  }

  // These scenarios buy through the admin back door (a paid order at once); Pay Station's are in purchase.e2e.test.ts.
  async function openGame(profile: Profile, userId: string): Promise<Tab> {
    const tab = await profile.open(`${origin}/?user=${userId}&checkout=instant`);
    await expect.poll(() => status(tab)).not.toBe('starting');
    expect(await tab.errors()).toEqual([]);
    return tab;
  }

  it('delivers a purchase, keeps it across a reload, and takes it back on refund', async () => {
    const userId = newPlayer();
    const profile = await newProfile();
    const tab = await openGame(profile, userId);
    await tab.click(testId('buy-starter_pack'));
    await expectBalances(tab, { starter_pack: 1, gold: 1000, health_potion: 3 });
    const { orders } = await emulatorState(userId);
    expect(orders).toHaveLength(1);
    const { orderId } = orders[0]!;
    await expect.poll(() => orderStatus(tab, orderId)).toBe('granted');
    expect(await logEntries(tab, 'granted')).toHaveLength(1);
    // The README's picture (the shop beside Pay Station) is taken by purchase.e2e.test.ts.
    await tab.screenshot(join(tmpdir(), `xsolla-demo-${engine}-${process.pid}.png`));

    await tab.reload();
    await expectBalances(tab, { starter_pack: 1, gold: 1000, health_potion: 3 });
    await untilDrained(tab);
    expect(await logEntries(tab, 'granted')).toEqual([]); // nothing granted again after the reload

    await tab.click(testId('spend-health_potion'));
    await expectBalances(tab, { health_potion: 2 });
    await tab.click(testId(`refund-${orderId}`));
    await expectBalances(tab, { starter_pack: 0, gold: 0, health_potion: -1 });
    await expect.poll(() => orderStatus(tab, orderId)).toBe('revoked');
    await expect.poll(() => unacked(userId)).toBe(0); // the ack follows the commit the page already shows
  });

  it('two tabs show the same balances and each order is granted once', async () => {
    const userId = newPlayer();
    const profile = await newProfile();
    const [tabA, tabB] = [await openGame(profile, userId), await openGame(profile, userId)];
    await tabA.click(testId('buy-gold'));
    await tabB.select(testId('mode'), 'separate');
    await tabB.click(testId('buy-dragon_blade'));
    await tabA.click(testId('buy-gold'));
    for (const tab of [tabA, tabB]) await expectBalances(tab, { gold: 1000, dragon_blade: 1 });

    const { orders } = await emulatorState(userId);
    expect(orders).toHaveLength(3);
    for (const tab of [tabA, tabB]) {
      for (const { orderId } of orders) {
        await expect.poll(() => orderStatus(tab, orderId)).toBe('granted');
        // Each tab hears of each grant once, whichever tab applied it.
        expect((await logEntries(tab, 'granted')).filter((text) => text.includes(`#${orderId}:`))).toHaveLength(1);
      }
    }
    await expect.poll(() => unacked(userId)).toBe(0); // the ack follows the commit the page already shows
  });

  it('one tab polls, the other says so, and takes over as soon as the first closes', async () => {
    const userId = newPlayer();
    const profile = await newProfile();
    const first = await openGame(profile, userId);
    await expect.poll(() => status(first)).toMatch(/polling|waiting/);
    const second = await openGame(profile, userId);
    await expect.poll(() => status(second)).toBe('another tab is polling');

    // The poller's Web Lock goes with its tab: no lease to run out, so a short ceiling (10 s,
    // against about 1 s on a quiet machine) is still far from a wait for the next minute's poll.
    await first.close();
    await expect.poll(() => status(second), { timeout: 10_000 }).toMatch(/polling|waiting/);
    await second.click(testId('buy-gold'));
    await expectBalances(second, { gold: 500 });
  });

  it('still delivers every purchase exactly once while the network misbehaves', async () => {
    const userId = newPlayer();
    const tab = await openGame(await newProfile(), userId);
    for (const fault of ['flaky', 'rateLimited', 'slow', 'dropAcks']) await setChecked(tab, testId(`fault-${fault}`), true);
    await expect.poll(async () => (await logEntries(tab, 'faults')).length).toBe(4);
    await tab.click(testId('buy-gold'));
    await tab.click(testId('buy-health_potion'));
    await tab.select(testId('mode'), 'separate');
    await tab.click(testId('buy-starter_pack'));
    await tab.click(testId('buy-gold'));
    await expectBalances(tab, { gold: 2000, health_potion: 4, starter_pack: 1 }, 45_000);

    for (const fault of ['flaky', 'rateLimited', 'slow', 'dropAcks']) await setChecked(tab, testId(`fault-${fault}`), false);
    const pollsEnded = (count: number) => expect.poll(async () => (await logEntries(tab, 'poll')).length).toBe(count);
    await tab.click('#poll-now');
    await pollsEnded(1);
    await expect.poll(() => unacked(userId)).toBe(0);
    await tab.click('#poll-now');
    await pollsEnded(2);
    await expectBalances(tab, { gold: 2000, health_potion: 4, starter_pack: 1 });
    expect(await logEntries(tab, 'granted')).toHaveLength(4);
  });

  it('a second player in the same browser sees only their own inventory', async () => {
    const [first, second] = [newPlayer(), newPlayer()];
    const profile = await newProfile();
    const firstTab = await openGame(profile, first);
    await firstTab.click(testId('buy-gold'));
    await expectBalances(firstTab, { gold: 500 });
    const secondTab = await openGame(profile, second);
    await untilDrained(secondTab);
    await expectBalances(secondTab, { gold: 0, health_potion: 0 });
    await secondTab.click(testId('buy-health_potion'));
    await expectBalances(secondTab, { gold: 0, health_potion: 1 });
    await expectBalances(firstTab, { gold: 500, health_potion: 0 });
  });

  it('shows order statuses pushed over the WebSocket, and can poll without it', async () => {
    const userId = newPlayer();
    const tab = await openGame(await newProfile(), userId);
    await tab.click(testId('buy-gold'));
    await expectBalances(tab, { gold: 500 });
    await expect.poll(async () => (await logEntries(tab, 'orderStatus')).join(' ')).toMatch(/is done.*is paid.*is new/);
    // The log reads in the order things happened: the purchase, then its statuses (newest on top).
    const kinds = await tab.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('[data-testid="log"] li')].map((item) => item.dataset.kind),
    );
    expect(kinds.filter((kind) => kind === 'purchase' || kind === 'orderStatus')).toEqual([
      'orderStatus',
      'orderStatus',
      'orderStatus',
      'purchase',
    ]);
    await untilNavigated(tab, () => setChecked(tab, testId('push'), false));
    expect(await tab.url()).toMatch(/push=off/);
    await tab.click(testId('buy-gold'));
    await expectBalances(tab, { gold: 1000 });
    // Without the socket, the watched order's statuses come from Get order alone.
    expect((await logEntries(tab, 'orderStatus')).filter((entry) => !entry.endsWith('(Get order)'))).toEqual([]);
  });

  it('renders event data as text, never as HTML', async () => {
    const userId = newPlayer();
    const tab = await openGame(await newProfile(), userId);
    await demo.admin('purchase', { userId, items: [{ sku: '<img src=x onerror="window.pwned=1">', quantity: 1 }] });
    await tab.click('#poll-now');
    await expect.poll(async () => (await logEntries(tab, 'granted')).join()).toContain('<img src=x');
    expect(await tab.evaluate(() => 'pwned' in window)).toBe(false);
    expect(await count(tab, '[data-testid="log"] img')).toBe(0);
  });

  it('after "Clear site data", a reload restores the sword from the Player Inventory, and not the gold', async () => {
    const userId = newPlayer();
    const profile = await newProfile();
    let tab = await openGame(profile, userId);
    await tab.click(testId('buy-dragon_blade'));
    await tab.click(testId('buy-gold'));
    await expectBalances(tab, { dragon_blade: 1, gold: 500 });
    await expect.poll(() => unacked(userId)).toBe(0);
    expect(await count(tab, testId('restored-dragon_blade'))).toBe(0); // delivered by its order, not restored

    // What the player's "Clear site data" does: the origin's IndexedDB is gone; acked events never
    // come back. Chromium clears the open page's origin (CDP); elsewhere a fresh profile stands for it.
    if (profile.clearSiteData) {
      await profile.clearSiteData(tab, origin);
      await tab.reload();
    } else {
      tab = await openGame(await newProfile(), userId);
    }
    await expectBalances(tab, { dragon_blade: 1, gold: 0 });
    await expect.poll(() => count(tab, testId('restored-dragon_blade'))).toBe(1);
    expect(await logEntries(tab, 'restored')).toHaveLength(1);
    expect(await logEntries(tab, 'granted')).toEqual([]);

    // Restoring again changes nothing.
    await tab.click(testId('restore'));
    await expect.poll(() => logEntries(tab, 'restore')).toEqual([expect.stringContaining('restored nothing; revoked nothing')]);
    await expectBalances(tab, { dragon_blade: 1, gold: 0 });
    expect(await logEntries(tab, 'restored')).toHaveLength(1);
  });
});
