/**
 * One way to drive pages in every engine, so each smoke and e2e scenario is written once:
 * Playwright for Chromium and Firefox, WebdriverIO (classic WebDriver) for WebKitGTK. A profile
 * is a Playwright browser context, or in WebKit a WebDriver session (a MiniBrowser of its own,
 * with its own storage); a tab is a page, or a window of that session.
 */
import { chromium, firefox, type BrowserContext, type Page } from 'playwright-core';
import type { Engine } from '../setup/engines';
import { playwrightLaunchOptions, type PlaywrightEngine } from '../setup/launch';
import { startDisplay, startWebKitDriver } from '../setup/webkit-driver';

export interface Tab {
  /** Runs `fn` in the page (it must be self-contained) with `arg` as JSON, and awaits its result. */
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  /** A real click, once the element is there and enabled. */
  click(selector: string): Promise<void>;
  /** Two real clicks in a row, as a double click: the second lands while the first's work is under way. */
  doubleClick(selector: string): Promise<void>;
  select(selector: string, value: string): Promise<void>;
  reload(): Promise<void>;
  url(): Promise<string>;
  screenshot(path: string): Promise<void>;
  /**
   * Errors the page threw and did not catch. Playwright sees them from the first script on;
   * classic WebDriver cannot listen before a page loads, so in WebKit only those after the load.
   */
  errors(): Promise<string[]>;
  /**
   * The next window this tab's page opens (`window.open`: Pay Station's popup), oldest first,
   * waiting for it when none is left. Playwright engines: classic WebDriver has no popup event.
   */
  popup?(): Promise<Tab>;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** The engine's popup blocker on, as a player's browser has it (Playwright turns it off). */
  popupBlocking?: boolean;
}

export interface Profile {
  open(url: string): Promise<Tab>;
  /**
   * What the player's "Clear site data" does to an open page, where the engine can be told to
   * (Chromium, through CDP). Elsewhere a fresh profile stands for a cleared one.
   */
  clearSiteData?(tab: Tab, origin: string): Promise<void>;
  close(): Promise<void>;
}

export interface EngineBrowser {
  engine: Engine;
  newProfile(): Promise<Profile>;
  close(): Promise<void>;
}

const VIEWPORT = { width: 1280, height: 900 };

export function launchBrowser(engine: Engine, options: LaunchOptions = {}): Promise<EngineBrowser> {
  if (engine !== 'webkit') return launchPlaywright(engine, options);
  if (options.popupBlocking) throw new Error('WebKitGTK is driven without popups: launch it without popupBlocking');
  return launchWebKit();
}

/** Playwright's own switches that turn the popup blocker off, dropped. */
const POPUP_BLOCKING = {
  chromium: { ignoreDefaultArgs: ['--disable-popup-blocking'] },
  firefox: { firefoxUserPrefs: { 'dom.disable_open_during_load': true } },
};

async function launchPlaywright(engine: PlaywrightEngine, { popupBlocking }: LaunchOptions): Promise<EngineBrowser> {
  const browser = await (engine === 'chromium' ? chromium : firefox).launch({
    ...playwrightLaunchOptions(engine),
    ...(popupBlocking && POPUP_BLOCKING[engine]),
  });
  const pages = new WeakMap<Tab, Page>();
  return {
    engine,
    async newProfile() {
      const context: BrowserContext = await browser.newContext({ viewport: VIEWPORT });
      return {
        async open(url) {
          const page = await context.newPage();
          const tab = playwrightTab(page);
          pages.set(tab, page);
          await page.goto(url);
          return tab;
        },
        ...(engine === 'chromium' && {
          async clearSiteData(tab: Tab, origin: string) {
            const cdp = await context.newCDPSession(pages.get(tab)!);
            await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'all' });
          },
        }),
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

function playwrightTab(page: Page): Tab {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const opened: Page[] = [];
  const waiting: Array<(popup: Page) => void> = [];
  page.on('popup', (popup) => {
    const taker = waiting.shift();
    if (taker) taker(popup);
    else opened.push(popup);
  });
  return {
    evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg?: A) => page.evaluate(fn as (arg: unknown) => R | Promise<R>, arg),
    click: (selector) => page.locator(selector).click(),
    // Two clicks of the mouse, not dblclick(): a popup the first one opens swallows the second of Playwright's pair.
    doubleClick: async (selector) => {
      const box = (await page.locator(selector).boundingBox())!;
      const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
      await page.mouse.click(x, y);
      await page.mouse.click(x, y);
    },
    popup: async () => playwrightTab(opened.shift() ?? (await new Promise<Page>((resolve) => waiting.push(resolve)))),
    select: async (selector, value) => void (await page.locator(selector).selectOption(value)),
    reload: async () => void (await page.reload()),
    url: async () => page.url(),
    screenshot: async (path) => void (await page.screenshot({ path })),
    errors: async () => [...errors],
    close: () => page.close(),
  };
}

async function launchWebKit(): Promise<EngineBrowser> {
  const display = await startDisplay();
  const { remote } = await import('webdriverio');
  const profiles = new Set<() => Promise<void>>();
  return {
    engine: 'webkit',
    async newProfile() {
      const driver = await startWebKitDriver(display);
      const session = await remote({ logLevel: 'warn', ...driver.endpoint, capabilities: driver.capabilities }).catch(async (error) => {
        await driver.stop();
        throw error;
      });
      const close = async () => {
        profiles.delete(close);
        await session.deleteSession().catch(() => undefined); // gone already with its last window
        await driver.stop();
      };
      profiles.add(close);
      // WebDriver acts on one window at a time: each tab's commands switch to its window first,
      // and commands run one after another.
      let current: string | undefined = await session.getWindowHandle();
      let unused: string | undefined = current; // the window the session opened with
      let queue: Promise<unknown> = Promise.resolve();
      const serial = <T>(work: () => Promise<T>): Promise<T> => {
        const run = queue.then(work);
        queue = run.catch(() => undefined);
        return run;
      };
      const on =
        (handle: string) =>
        <T>(work: () => Promise<T>) =>
          serial(async () => {
            if (current !== handle) await session.switchToWindow(handle);
            current = handle;
            return work();
          });
      return {
        async open(url) {
          // A window, not a tab: a background tab is hidden, and the game pauses while hidden.
          const handle = unused ?? (await serial(() => session.createWindow('window'))).handle;
          unused = undefined;
          const tab = webDriverTab(session, on(handle), () => (current = undefined));
          await on(handle)(async () => {
            await session.url(url);
            await watchErrors(session);
          });
          return tab;
        },
        close,
      };
    },
    async close() {
      await Promise.all([...profiles].map((close) => close()));
      await display.stop();
    },
  };
}

type OnWindow = <T>(work: () => Promise<T>) => Promise<T>;

function webDriverTab(session: WebdriverIO.Browser, on: OnWindow, closed: () => void): Tab {
  // Typed as Playwright's evaluate is: one argument, the function's own result type.
  const execute = session.execute.bind(session) as <R, A>(fn: (arg: A) => R | Promise<R>, arg?: A) => Promise<R>;
  const element = async (selector: string) => {
    const found = await session.$(selector);
    await found.waitForEnabled({ timeout: 30_000 });
    return found;
  };
  return {
    evaluate: (fn, arg) => on(() => execute(fn, arg)),
    click: (selector) => on(async () => (await element(selector)).click()),
    doubleClick: (selector) => on(async () => (await element(selector)).doubleClick()),
    select: (selector, value) => on(async () => (await element(selector)).selectByAttribute('value', value)),
    reload: () =>
      on(async () => {
        await session.refresh();
        await watchErrors(session);
      }),
    url: () => on(() => session.getUrl()),
    screenshot: (path) => on(async () => void (await session.saveScreenshot(path))),
    errors: () => on(() => session.execute(() => [...((window as ErrorWatch).__uncaught ?? [])])),
    close: () =>
      on(async () => {
        await session.closeWindow();
        closed();
      }),
  };
}

type ErrorWatch = Window & { __uncaught?: string[] };

/** Collects what the page throws from now on (classic WebDriver has no page-error event). */
const watchErrors = (session: WebdriverIO.Browser) =>
  session.execute(() => {
    const page = window as ErrorWatch;
    const uncaught: string[] = (page.__uncaught ??= []);
    addEventListener('error', (event) => uncaught.push(event.message));
    addEventListener('unhandledrejection', (event) => uncaught.push(String(event.reason)));
  });
