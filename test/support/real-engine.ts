/** For browser-mode tests: the engine vitest says this page runs in, checked against the page itself. */
import { expect, it } from 'vitest';
import { server } from 'vitest/browser';
import type { Engine } from '../setup/engines';

export const engine = server.browser as Engine;

/** What each engine's user agent says (Safari's names no Chrome, Chrome's names Safari too). */
const USER_AGENTS: Record<Engine, RegExp> = {
  chromium: /Chrome\/\d+/,
  firefox: /Gecko\/\d+.*Firefox\/\d+/,
  webkit: /AppleWebKit\/[\d.]+ \(KHTML, like Gecko\)(?!.*Chrome).*Safari\//,
};

/** A test that fails unless the page runs in the real engine it was meant for, with its own IndexedDB. */
export function itRunsInTheRealEngine() {
  it(`runs in real ${engine}, not a polyfill`, () => {
    expect(navigator.userAgent).toMatch(USER_AGENTS[engine]);
    expect(indexedDB.constructor.name).toBe('IDBFactory');
  });
}
