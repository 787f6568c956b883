/**
 * A blank page on the Vite dev server's origin (localhost), in Debian's Chromium: it imports the
 * bench's browser half, and reaches the emulators on their own origins (127.0.0.1), cross-origin.
 */
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { startDemo } from '../e2e/harness';
import { playwrightLaunchOptions } from '../setup/launch';
import type * as BrowserBench from './browser';

type Bench = typeof BrowserBench;

export async function openBenchPage() {
  const [demo, browser] = await Promise.all([startDemo(), chromium.launch(playwrightLaunchOptions('chromium'))]);
  // Both origins are on loopback here, which Chromium guards (Local Network Access); a game page
  // and getupdate.xsolla.com are both public, so the bench grants what they would never be asked.
  // The HTTP/2 emulator's certificate is a throwaway one: this context takes it as trusted.
  const context = await browser.newContext({ permissions: ['local-network-access'], ignoreHTTPSErrors: true });
  const page = await context.newPage();
  // No demo app on this page: nothing else polls or renders while the bench measures. The route
  // goes once the page is there: while Playwright intercepts, it answers CORS preflights itself.
  const blank = `${demo.origin}/bench`;
  await page.route(blank, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>bench</title>' }));
  await page.goto(blank);
  await page.unrouteAll();
  const module = `/@fs${resolve('test/bench/browser.ts')}`;
  return {
    /** Calls one export of test/bench/browser.ts in the page. */
    run<K extends keyof Bench>(name: K, ...args: Parameters<Bench[K]>): Promise<Awaited<ReturnType<Bench[K]>>> {
      return page.evaluate(
        async ([path, exported, values]) => {
          const bench = (await import(path)) as Record<string, (...args: unknown[]) => unknown>;
          return bench[exported]!(...values);
        },
        [module, name, args] as const,
      ) as Promise<Awaited<ReturnType<Bench[K]>>>;
    },
    async close() {
      await browser.close();
      await demo.close();
    },
  };
}
