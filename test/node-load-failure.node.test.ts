/**
 * xsolla-getupdates/node: a save that cannot be written for a moment while it loads (disk briefly
 * full, too many open files, a virus scanner holding the file on Windows). The file system's
 * failures are injected into node:fs as the save files see it.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createGetUpdatesClient, type GetUpdatesClient } from '../src';
import { startEmulator, type Emulator } from '../src/emulator';
import { nodeIndexedDB } from '../src/node';
import { saveRoot } from './support/save-root';

/** The node:fs call that fails while `fault.call` names it, with the error code `fault.code`. */
const fault = vi.hoisted(() => ({ call: undefined as string | undefined, code: '' }));
vi.mock('node:fs', async (original) => {
  const fs = await original<typeof import('node:fs')>();
  const failing =
    <F extends (...args: never[]) => unknown>(name: string, call: F) =>
    (...args: Parameters<F>) => {
      if (fault.call === name) throw Object.assign(new Error(`${fault.code}: injected failure, ${name}`), { code: fault.code });
      return call(...args);
    };
  return {
    ...fs,
    openSync: failing('openSync', fs.openSync),
    writeSync: failing('writeSync', fs.writeSync),
    renameSync: failing('renameSync', fs.renameSync),
    ftruncateSync: failing('ftruncateSync', fs.ftruncateSync),
  };
});

const root = saveRoot('node-load-failure-');
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
afterEach(() => {
  fault.call = undefined;
});
let runs = 0;

/** A game's run over the save directory `directory`, as player `userId`. */
function gameRun(directory: string, userId: string): GetUpdatesClient {
  return createGetUpdatesClient({
    projectId: emulator.projectId,
    baseUrl: emulator.url,
    token: emulator.issueToken(userId),
    userId,
    locks: null,
    retries: 0,
    indexedDB: nodeIndexedDB({ directory }),
  });
}

/** `promise`, or a rejection saying it hung when it has not settled within a generous ceiling. */
function settles<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} never settled`)), 15_000);
  });
  return Promise.race([promise, hung]).finally(() => clearTimeout(timer));
}

/** A save directory whose earlier run was granted 100 gold and acked it. */
async function savedWithGold(): Promise<{ directory: string; userId: string }> {
  const directory = join(root, `saves-${++runs}`);
  const userId = `load-failure-${runs}`;
  emulator.purchase({ userId, items: [{ sku: 'gold', quantity: 100, type: 'virtual_currency' }] });
  const earlier = gameRun(directory, userId);
  await earlier.pollNow();
  expect(await earlier.inventory.balance('gold')).toBe(100);
  await earlier.close();
  return { directory, userId };
}

describe('a save that cannot be written while it loads', { timeout: 60_000 }, () => {
  it.each([
    ['a virus scanner holds the file (EPERM on rename)', 'renameSync', 'EPERM'],
    ['too many open files', 'openSync', 'EMFILE'],
    ['the disk is full for a moment', 'writeSync', 'ENOSPC'],
    ['the journal cannot be emptied once the new snapshot is in place', 'ftruncateSync', 'EIO'],
  ])('%s: balance(), pollNow() and close() settle with a StorageError, and the next open loads the save', async (_, call, code) => {
    const { directory, userId } = await savedWithGold();
    fault.call = call;
    fault.code = code;
    const game = gameRun(directory, userId);
    await expect(settles(game.inventory.balance('gold'), 'balance()')).rejects.toMatchObject({ name: 'StorageError' });
    await expect(settles(game.pollNow(), 'pollNow()')).rejects.toMatchObject({ name: 'StorageError' });

    fault.call = undefined; // the fault has passed: the same game tries again
    expect(await settles(game.inventory.balance('gold'), 'balance() after the fault')).toBe(100);
    await settles(game.close(), 'close()');

    const next = gameRun(directory, userId);
    expect(await next.inventory.balance('gold')).toBe(100);
    await next.close();
  });

  it('a game closed while the fault lasts closes, and the next run loads the save', async () => {
    const { directory, userId } = await savedWithGold();
    fault.call = 'renameSync';
    fault.code = 'EPERM';
    const game = gameRun(directory, userId);
    await expect(settles(game.inventory.balance('gold'), 'balance()')).rejects.toMatchObject({ name: 'StorageError' });
    await settles(game.close(), 'close()');

    fault.call = undefined;
    const next = gameRun(directory, userId);
    expect(await settles(next.inventory.balance('gold'), 'the next run’s balance()')).toBe(100);
    await next.close();
  });
});
