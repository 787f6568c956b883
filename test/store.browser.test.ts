import { expect, it } from 'vitest';
import { storeScenarios } from './shared/store-scenarios';

it('runs in real Chromium, not a polyfill', () => {
  expect(navigator.userAgent).toContain('Chrome');
  expect(indexedDB.constructor.name).toBe('IDBFactory');
});

storeScenarios({ factory: () => indexedDB, objectStorePrototype: IDBObjectStore.prototype });
