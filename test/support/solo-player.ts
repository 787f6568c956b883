/** A player for tests and the bench that need no clean-up hooks (plain Node, no vitest). */
import { IDBFactory } from 'fake-indexeddb';
import { createGetUpdatesClient, type GetUpdatesClientOptions } from '../../src';
import type { Emulator } from '../../src/emulator';

/** One player alone on a device of their own (no Web Locks), against `emulator`; the caller closes it. */
export function soloPlayer(emulator: Emulator, name: string, options: Partial<GetUpdatesClientOptions> = {}) {
  const userId = `${name}-${Math.random().toString(36).slice(2, 10)}`;
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
