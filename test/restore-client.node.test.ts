import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll } from 'vitest';
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
