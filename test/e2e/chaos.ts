/**
 * The chaos run: several tabs of one Chromium profile play the demo while the emulator fails a
 * share of requests (5xx, 429 with Retry-After, latency, ack responses dropped after the ack was
 * recorded), tabs crash, reload or close at random moments, and purchases in both webhook modes
 * are interleaved with refunds. At the end the ledger must match what the emulator says was
 * paid minus refunded, with every event acked.
 */
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startDemo, type EmulatorState } from './harness';
import { playwrightLaunchOptions } from '../setup/launch';
import { PRODUCTS } from '../../demo/catalog';
import { seeded } from '../support/seeded-random';

export interface ChaosOptions {
  purchases: number;
  refunds: number;
  /** Tabs whose renderer is killed (Chromium's Page.crash), then reopened. */
  crashes: number;
  /** Tabs reloaded mid-flight. */
  reloads: number;
  /** Tabs closed, then reopened. */
  closes: number;
  tabs: number;
  /** Share of Events API requests failed, and of ack responses dropped. */
  faultRate: number;
  seed?: number;
  log?: (line: string) => void;
}

/** What was done (the counts of the options, as carried out) and what came of it. */
export interface ChaosFigures extends Pick<ChaosOptions, 'purchases' | 'refunds' | 'crashes' | 'reloads' | 'closes' | 'tabs'> {
  requests: number;
  faultsInjected: number;
  ackResponsesDropped: number;
  /** Paid, not refunded orders the ledger does not show as granted. */
  lost: number;
  /** Units in the balances beyond what was paid for (an order granted twice shows here). */
  duplicated: number;
  /** Units missing from the balances. */
  missing: number;
  /** Refunded orders the ledger did not take back. */
  notRevoked: number;
  unacked: number;
  durationMs: number;
}

type Disruption = 'crash' | 'reload' | 'close';
type Action = 'purchase' | 'refund' | Disruption;

/** Purchases, refunds and crashes in a random order, each refund after the purchase it undoes. */
function schedule(options: ChaosOptions, random: () => number): Action[] {
  const actions: Action[] = [
    ...Array<Action>(options.purchases).fill('purchase'),
    ...Array<Action>(options.crashes).fill('crash'),
    ...Array<Action>(options.reloads).fill('reload'),
    ...Array<Action>(options.closes).fill('close'),
  ];
  for (let i = actions.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [actions[i], actions[j]] = [actions[j]!, actions[i]!];
  }
  let bought = 0;
  const refundAfter = new Set(
    Array.from({ length: options.refunds }, (_, i) => Math.floor(((i + 1) * options.purchases) / (options.refunds + 1))),
  );
  return actions.flatMap((action) => (action === 'purchase' && refundAfter.has(++bought) ? [action, 'refund' as const] : [action]));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runChaos(options: ChaosOptions): Promise<ChaosFigures> {
  const log = options.log ?? (() => {});
  const random = seeded(options.seed ?? Date.now());
  const started = Date.now();
  const [demo, browser] = await Promise.all([startDemo(), chromium.launch(playwrightLaunchOptions('chromium'))]);
  try {
    const userId = `chaos-${started}`;
    const context: BrowserContext = await browser.newContext();
    const openTab = async () => {
      const page = await context.newPage();
      await page.goto(`${demo.origin}/?user=${userId}`);
      return page;
    };
    const tabs: Page[] = [];
    for (let i = 0; i < options.tabs; i++) tabs.push(await openTab());

    const faults = (rateLimited: boolean) =>
      demo.admin('faults', {
        errorRate: options.faultRate,
        status: rateLimited ? 429 : 503,
        retryAfterS: rateLimited ? 1 : null,
        latencyMs: 20,
        dropAckResponseRate: options.faultRate,
      });
    await faults(false);
    let rateLimited = false;
    const flipper = setInterval(() => void faults((rateLimited = !rateLimited)).catch(() => undefined), 1500);

    const paid: string[] = [];
    const refunded = new Set<string>();
    const disrupted = { crash: 0, reload: 0, close: 0 };
    try {
      for (const action of schedule(options, random)) {
        if (action === 'purchase') {
          const product = PRODUCTS[Math.floor(random() * PRODUCTS.length)]!;
          const mode = random() < 0.5 ? 'combined' : 'separate';
          const { orderId } = await demo.admin<{ orderId: string }>('purchase', { userId, items: product.items, mode });
          paid.push(orderId);
          // As after a real buy: the tab the player is in watches the order (a following tab hints the poller).
          const tab = tabs[Math.floor(random() * tabs.length)]!;
          await tab
            .evaluate((id) => void (window as unknown as DemoWindow).xsollaDemo.client.watchOrder(id).catch(() => undefined), orderId)
            .catch(() => undefined); // the tab may be mid-reload
        } else if (action === 'refund') {
          const candidates = paid.filter((orderId) => !refunded.has(orderId));
          const orderId = candidates[Math.floor(random() * candidates.length)]!;
          await demo.admin('refund', { orderId });
          refunded.add(orderId);
        } else {
          const index = Math.floor(random() * tabs.length);
          tabs[index] = await disrupt(context, tabs[index]!, action, openTab);
          disrupted[action]++;
          log(`${action} of tab ${index + 1} after ${paid.length} purchases`);
        }
        // Paced so drains, faults and disruptions overlap instead of queueing up for the end.
        await sleep(50 + random() * 200);
      }
    } finally {
      clearInterval(flipper);
    }
    await demo.admin('faults', { errorRate: 0, latencyMs: 0, dropAckResponseRate: 0, retryAfterS: null });
    log(`all ${paid.length} purchases and ${refunded.size} refunds made; settling`);

    // Settle: let the tabs drain what is left (a drain from any tab is fine: the ledger is shared).
    const deadline = Date.now() + 120_000;
    let state = await demo.admin<EmulatorState>(`state?userId=${userId}`);
    while (Date.now() < deadline) {
      await tabs[0]!.evaluate(() => (window as unknown as DemoWindow).xsollaDemo.client.pollNow().catch(() => null));
      state = await demo.admin<EmulatorState>(`state?userId=${userId}`);
      if (state.events.every((event) => event.processed)) break;
      await sleep(500);
    }
    const ledger = await tabs[0]!.evaluate(async () => {
      const { client } = (window as unknown as DemoWindow).xsollaDemo;
      return { balances: { ...(await client.inventory.balances()) }, orders: await client.inventory.orders() };
    });

    const expected = new Map<string, number>();
    for (const order of state.orders.filter((order) => !order.refunded)) {
      for (const { sku, quantity } of order.items) expected.set(sku, (expected.get(sku) ?? 0) + quantity);
    }
    const statusOf = new Map(ledger.orders.map((order) => [order.orderId, order.status]));
    const skus = new Set([...expected.keys(), ...Object.keys(ledger.balances)]);
    const diff = [...skus].map((sku) => (ledger.balances[sku] ?? 0) - (expected.get(sku) ?? 0));
    const stats = await demo.admin<{ requests: number; injectedErrors: number; droppedAckResponses: number }>('stats');
    await context.close();
    return {
      purchases: paid.length,
      refunds: refunded.size,
      crashes: disrupted.crash,
      reloads: disrupted.reload,
      closes: disrupted.close,
      tabs: options.tabs,
      requests: stats.requests,
      faultsInjected: stats.injectedErrors,
      ackResponsesDropped: stats.droppedAckResponses,
      lost: state.orders.filter((order) => !order.refunded && statusOf.get(order.orderId) !== 'granted').length,
      duplicated: diff.filter((d) => d > 0).reduce((sum, d) => sum + d, 0),
      missing: diff.filter((d) => d < 0).reduce((sum, d) => sum - d, 0),
      notRevoked: state.orders.filter((order) => order.refunded && !['revoked', 'voided'].includes(statusOf.get(order.orderId) ?? ''))
        .length,
      unacked: state.events.filter((event) => !event.processed).length,
      durationMs: Date.now() - started,
    };
  } finally {
    await browser.close();
    await demo.close();
  }
}

interface DemoWindow {
  xsollaDemo: { client: import('../../src').GetUpdatesClient };
}

/** Kills the tab's renderer, reloads it mid-flight, or closes it; returns the tab that replaces it. */
async function disrupt(context: BrowserContext, page: Page, kind: Disruption, openTab: () => Promise<Page>): Promise<Page> {
  if (kind === 'reload') {
    await page.reload().catch(() => undefined);
    return page;
  }
  if (kind === 'crash') {
    const cdp = await context.newCDPSession(page);
    const crashed = page.waitForEvent('crash', { timeout: 5000 }).catch(() => undefined);
    void cdp.send('Page.crash').catch(() => undefined);
    await crashed;
  }
  await page.close().catch(() => undefined);
  return openTab();
}
