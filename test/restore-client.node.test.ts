import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGetUpdatesClient, InvalidArgumentError } from '../src';
import { startEmulator, type Emulator } from '../src/emulator';
import { restoreClientScenarios } from './shared/restore-client-scenarios';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

restoreClientScenarios({
  url: () => emulator.url,
  // A name of its own too: two devices must not share the process's BroadcastChannel.
  newDevice: () => ({ indexedDB: new IDBFactory(), dbName: `device-${crypto.randomUUID()}` }),
});

describe('the restore option', () => {
  it.each([
    ['not an object', true],
    ['a storeUrl that is not an absolute http(s) URL', { storeUrl: 'store.xsolla.com/api' }],
    ['a storeUrl with a query', { storeUrl: 'https://store.xsolla.com/api?x=1' }],
    ['an auto that is not a boolean', { auto: 'yes' }],
  ])('refuses %s with InvalidArgumentError', (_case, restore) => {
    expect(() => createGetUpdatesClient({ projectId: 1, token: 't', restore: restore as never })).toThrow(InvalidArgumentError);
  });

  it('names the option in its message', () => {
    expect(() => createGetUpdatesClient({ projectId: 1, token: 't', restore: { storeUrl: 'ftp://x' } })).toThrow(/restore\.storeUrl/);
  });
});
