/**
 * A client's end: after `close()` nothing of it runs on. No loop restarts, no timer is left
 * pending (on the virtual clock, or in a real Node process that must be able to exit).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBObjectStore } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { manualSignals } from '../src';
import { GetUpdatesError } from '../src/errors';
import { startEmulator, type Emulator } from '../src/emulator';
import { start } from './package/processes';
import { playersOf } from './support/players';
import { flush, VirtualClock } from './support/virtual-clock';
import { eventually } from './support/eventually';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
const player = playersOf(() => emulator);

const never = () => new Promise<string>(() => {});

/** A player whose client runs on a virtual clock, alone on its device. */
function timedPlayer(options: Parameters<typeof player>[0] = {}) {
  const clock = new VirtualClock();
  const p = player({ clock, locks: null, signals: manualSignals(), cadence: { intervalMs: 60_000, watchIntervalMs: 800 }, ...options });
  return { ...p, clock };
}

/** Lets every promise and I/O callback started so far run, a few rounds over. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await flush();
};

describe('close() while the game watches an order', () => {
  it.each([
    ['the game started polling', true],
    ['the watch polls on its own', false],
  ])('%s: the watch rejects as closed, the loop stays stopped, and no timer is left', async (_name, started) => {
    const p = timedPlayer();
    const { orderId } = emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }], pending: true });
    if (started) p.client.start();
    // The watch reads the order: the game closes the client at that very moment.
    let closing: Promise<void> | undefined;
    const get = IDBObjectStore.prototype.get;
    const read = vi.spyOn(IDBObjectStore.prototype, 'get').mockImplementation(function (this: IDBObjectStore, key) {
      if (key === `o:${orderId}` && !closing) closing = p.client.close();
      return get.call(this, key);
    });
    try {
      const watching = p.client.watchOrder(orderId).catch((error: unknown) => error);
      await eventually(() => expect(closing).toBeDefined());
      const heardBeforeClose = p.emitted('status').length + p.emitted('error').length;
      await closing;
      const failure = await watching;
      expect(failure).toBeInstanceOf(GetUpdatesError);
      expect(failure).toMatchObject({ message: 'this client is closed' });
      await settle();
      expect(p.clock.pending).toBe(0);
      await p.clock.runUntil(3_600_000, settle); // an hour later, still nothing
      const after = [...p.emitted('status'), ...p.emitted('error')].slice(heardBeforeClose);
      expect(after).toEqual([]); // the loop's own "stopped" came from close() itself
    } finally {
      read.mockRestore();
    }
  });
});

describe('close() while the token function hangs', () => {
  it('clears the token timeout: no timer of the client is left on its clock', async () => {
    const p = timedPlayer({ token: never });
    const polling = p.client.pollNow().catch((error: unknown) => error);
    await eventually(() => expect(p.clock.pending).toBe(1)); // the token function's timeout
    await p.client.close();
    expect(await polling).toMatchObject({ name: 'GetUpdatesError', message: 'this client is closed' });
    await settle();
    expect(p.clock.pending).toBe(0);
  });

  it('a Node process whose game closes the client exits at once, not after the 60 s token timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'getupdates-exit-'));
    try {
      const script = join(dir, 'game.mts');
      writeFileSync(
        script,
        [
          `import { createGetUpdatesClient } from ${JSON.stringify(join(import.meta.dirname, '../src/index.ts'))};`,
          `const client = createGetUpdatesClient({ projectId: 1, baseUrl: 'http://127.0.0.1:9', token: () => new Promise(() => {}) });`,
          `const polling = client.pollNow().catch(() => undefined);`,
          `await new Promise((resolve) => setTimeout(resolve, 50));`,
          `await client.close();`,
          `await polling;`,
          `console.log('closed');`,
        ].join('\n'),
      );
      const game = start(process.execPath, ['--import', 'tsx', script], join(import.meta.dirname, '..'));
      try {
        await game.waitFor(/closed/);
        const ceiling = new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 20_000).unref());
        const exited = await Promise.race([game.exited, ceiling]);
        expect(exited).toMatchObject({ code: 0 });
      } finally {
        await game.kill();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
