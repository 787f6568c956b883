/** Reading the demo page as a player sees it: its test ids, balances and log. */
import { expect } from 'vitest';
import type { Tab } from '../support/browsers';

export const testId = (id: string) => `[data-testid="${id}"]`;
export const text = (tab: Tab, selector: string) =>
  tab.evaluate((selector) => document.querySelector(selector)?.textContent ?? null, selector);
export const attribute = (tab: Tab, selector: string, name: string) =>
  tab.evaluate(([selector, name]) => document.querySelector(selector)?.getAttribute(name) ?? null, [selector, name] as const);
export const count = (tab: Tab, selector: string) => tab.evaluate((selector) => document.querySelectorAll(selector).length, selector);

export const status = (tab: Tab) => text(tab, testId('status'));
export const balance = async (tab: Tab, sku: string) => {
  const shown = await text(tab, testId(`balance-${sku}`));
  return shown === null ? NaN : Number(shown); // a missing balance is never mistaken for 0
};
export const expectBalances = (tab: Tab, expected: Record<string, number>, timeout?: number) =>
  expect
    .poll(async () => Object.fromEntries(await Promise.all(Object.keys(expected).map(async (sku) => [sku, await balance(tab, sku)]))), {
      timeout,
    })
    .toEqual(expected);
export const logEntries = (tab: Tab, kind: string) =>
  tab.evaluate(
    (kind) => [...document.querySelectorAll(`[data-testid="log"] li[data-kind="${kind}"]`)].map((item) => item.textContent ?? ''),
    kind,
  );
/** Until the page's client has finished a drain and waits for the next one. */
export const untilDrained = (tab: Tab) => expect.poll(() => status(tab)).toBe('waiting');
