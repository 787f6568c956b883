/**
 * How each engine is launched, for vitest's browser mode and for the smoke and e2e tests alike:
 * Playwright drives Chromium (CDP) and a stock Firefox (WebDriver BiDi, its `moz-firefox`
 * channel), WebdriverIO drives WebKitGTK through WebKitWebDriver (classic WebDriver).
 */
import { defineBrowserProvider } from '@vitest/browser';
import { playwright } from '@vitest/browser-playwright';
import { WebdriverBrowserProvider } from '@vitest/browser-webdriverio';
import type { LaunchOptions } from 'playwright-core';
import type { BrowserInstanceOption } from 'vitest/node';
import { enginePrograms, type Engine } from './engines';
import { startWebKitDriver, type WebKitDriver } from './webkit-driver';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export type PlaywrightEngine = Exclude<Engine, 'webkit'>;

/** Playwright's launch options; the executable is looked up (or installed) when the browser launches. */
export function playwrightLaunchOptions(engine: PlaywrightEngine): LaunchOptions {
  if (engine === 'chromium') {
    return {
      get executablePath() {
        return enginePrograms('chromium').chromium;
      },
      args: CHROMIUM_ARGS,
    };
  }
  return {
    channel: 'moz-firefox',
    get executablePath() {
      return enginePrograms('firefox').firefox;
    },
  };
}

/**
 * vitest's WebdriverIO provider, for WebKitGTK: it starts its own Xvfb and WebKitWebDriver when
 * the first test file opens, stops them when the run ends, and sends the session's capabilities
 * as they are (the stock provider would add a `browserName` that WebKitWebDriver refuses).
 */
function webkitgtk() {
  return defineBrowserProvider({
    name: 'webdriverio',
    supportedBrowser: ['webkit'],
    options: {},
    providerFactory(project) {
      const provider = new WebdriverBrowserProvider(project, {});
      const [openBrowser, close] = [provider.openBrowser.bind(provider), provider.close.bind(provider)];
      let driver: Promise<WebKitDriver> | undefined;
      return Object.assign(provider, {
        async openBrowser() {
          const { endpoint, capabilities } = await (driver ??= startWebKitDriver());
          Object.assign(provider, { options: { ...endpoint, capabilities }, buildCapabilities: () => capabilities });
          return openBrowser();
        },
        async close() {
          await close();
          await (await driver?.catch(() => undefined))?.stop();
        },
      });
    },
  });
}

/** The browser-mode instances: the same test files, once per engine. */
export const VITEST_INSTANCES: BrowserInstanceOption[] = [
  { browser: 'chromium', provider: playwright({ launchOptions: playwrightLaunchOptions('chromium') }) },
  { browser: 'firefox', provider: playwright({ launchOptions: playwrightLaunchOptions('firefox') }) },
  { browser: 'webkit', provider: webkitgtk() },
];
