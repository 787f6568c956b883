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
import { eventually } from './eventually';

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
   * waiting for it when none is left. In WebKit, a window of the profile's that no tab holds
   * (classic WebDriver has no popup event): the page that opened it is not told apart.
   */
  popup(): Promise<Tab>;
  /** Closes the window; nothing to do when it is gone already (its page closed it). */
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** The engine's popup blocker on, as a player's browser has it (off by default here, as Playwright has it). */
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
  return engine === 'webkit' ? launchWebKit(options) : launchPlaywright(engine, options);
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

async function launchWebKit({ popupBlocking = false }: LaunchOptions): Promise<EngineBrowser> {
  const display = await startDisplay();
  const { remote } = await import('webdriverio');
  const profiles = new Set<() => Promise<void>>();
  return {
    engine: 'webkit',
    async newProfile() {
      const driver = await startWebKitDriver(display, { popupBlocking });
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
      const held = new Set([current]); // windows handed to a tab (or kept for the first one)
      const gone = new Set<string>();
      let queue: Promise<unknown> = Promise.resolve();
      const serial = <T>(work: () => Promise<T>): Promise<T> => {
        const run = queue.then(work);
        queue = run.catch(() => undefined);
        return run;
      };
      const windowOf = (handle: string): TabWindow => {
        const on: OnWindow = (work) =>
          serial(async () => {
            if (gone.has(handle)) throw closedWindow(handle);
            try {
              if (current !== handle) await session.switchToWindow(handle);
              current = handle;
              return await work();
            } catch (error) {
              if (!/no such window/.test(String(error))) throw error;
              // Its page closed it (`window.close()`), maybe under this very command.
              gone.add(handle);
              current = undefined;
              throw closedWindow(handle, error);
            }
          });
        return {
          on,
          close: () =>
            on(async () => {
              await session.closeWindow();
              gone.add(handle);
              current = undefined;
            }).catch((error: unknown) => {
              if (!gone.has(handle)) throw error;
            }),
          popup: async () => {
            // Classic WebDriver has no popup event: the page's new window is one that no tab holds.
            const opened = await eventually(async () => {
              const fresh = (await serial(() => session.getWindowHandles())).find((other) => !held.has(other));
              if (!fresh) throw new Error('WebKit: the page opened no window');
              held.add(fresh);
              return fresh;
            });
            return webDriverTab(session, windowOf(opened));
          },
        };
      };
      return {
        async open(url) {
          // A window, not a tab: a background tab is hidden, and the game pauses while hidden.
          const handle = unused ?? (await serial(() => session.createWindow('window'))).handle;
          unused = undefined;
          held.add(handle);
          const own = windowOf(handle);
          await own.on(async () => {
            await session.url(url);
            await watchErrors(session);
          });
          return webDriverTab(session, own);
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

/** What a command for a window that is gone fails with, as Playwright says it ("has been closed"). */
const closedWindow = (handle: string, cause?: unknown) => new Error(`WebKit: window ${handle} has been closed`, { cause });

type OnWindow = <T>(work: () => Promise<T>) => Promise<T>;

/** One window of a WebDriver session: its commands, its closing, and the windows its page opens. */
interface TabWindow {
  on: OnWindow;
  close(): Promise<void>;
  popup(): Promise<Tab>;
}

function webDriverTab(session: WebdriverIO.Browser, { on, close, popup }: TabWindow): Tab {
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
    popup,
    close,
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
