/** A benchmark player: a client of its own against the emulator, in Node (fake-indexeddb). */
import { IDBFactory } from 'fake-indexeddb';
import { createGetUpdatesClient, type GetUpdatesClientOptions } from '../../src';
import type { Emulator } from '../../src/emulator';

export function benchPlayer(emulator: Emulator, name: string, options: Partial<GetUpdatesClientOptions> = {}) {
  const userId = `bench-${name}-${Math.random()}`;
  const client = createGetUpdatesClient({
    projectId: emulator.projectId,
    baseUrl: emulator.url,
    token: emulator.issueToken(userId),
    indexedDB: new IDBFactory(),
    locks: null,
    ...options,
  });
  return { userId, client };
}
