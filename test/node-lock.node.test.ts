/**
 * xsolla-getupdates/node: one owner per save directory. A second copy of the game (an Electron
 * app launched twice, a second factory in one process) must not load the save beside the first
 * and overwrite it; a copy that crashed must not keep the next run out.
 */
import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisifyRequest } from 'idb-keyval';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGetUpdatesClient, InvalidArgumentError, StorageError, type ClientEvents, type GetUpdatesClient } from '../src';
import { startEmulator, type Emulator } from '../src/emulator';
import { nodeIndexedDB } from '../src/node';
import { startGame, type GameProcessOptions } from './support/node-game';
import { eventually } from './support/eventually';
import { saveRoot } from './support/save-root';

const root = saveRoot('node-lock-');
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
let players = 0;

/** A new player with a new save directory, and what a game process needs to run as them. */
function newPlayer(): GameProcessOptions {
  const userId = `lock-player-${++players}`;
  return {
    projectId: String(emulator.projectId),
    baseUrl: emulator.url,
    token: emulator.issueToken(userId),
    userId,
    directory: join(root, `saves-${players}`),
  };
}

const buyGold = (player: GameProcessOptions, quantity: number) =>
  emulator.purchase({ userId: player.userId, items: [{ sku: 'gold', quantity, type: 'virtual_currency' }] });

/** A client over `factory` (a new nodeIndexedDB of the player's directory by default), as in a game's main process. */
function gameClient(player: GameProcessOptions, factory: IDBFactory = nodeIndexedDB({ directory: player.directory })): GetUpdatesClient {
  return createGetUpdatesClient({ ...player, locks: null, retries: 0, indexedDB: factory });
}

const lockedError = (directory: string) => ({ name: 'StorageError', reason: 'locked', message: expect.stringContaining(directory) });

/** Starts two copies of the game as `player` at once: one opens the save, the other is refused. */
async function expectOneOfTwoCopiesGetsTheSave(player: GameProcessOptions) {
  const games = [startGame(player), startGame(player)];
  try {
    const answers = await Promise.all(games.map((game) => game.send('balance')));
    expect(answers).toContainEqual({ gold: 0 });
    expect(answers).toContainEqual({ error: lockedError(player.directory) });
  } finally {
    for (const game of games) game.child.kill('SIGKILL');
  }
}

describe('two processes on one save directory', { timeout: 60_000 }, () => {
  it('the app launched twice: the second is refused with StorageError locked, and the purchase the first acked survives', async () => {
    const player = newPlayer();
    buyGold(player, 100);
    const first = startGame(player);
    const second = startGame(player);
    try {
      expect(await first.send('balance')).toEqual({ gold: 0 });
      const secondOpens = await second.send('balance');
      expect(await first.send('poll')).toMatchObject({ granted: 1, acked: 1 });
      buyGold(player, 50);
      const secondPolls = await second.send('poll');
      await Promise.all([first.exit(), second.exit()]);

      // The next run finds the 100 gold the server has forgotten, and the 50 still waits on the server.
      const next = startGame(player);
      expect(await next.send('balance')).toEqual({ gold: 100 });
      expect(await next.send('poll')).toMatchObject({ granted: 1, acked: 1 });
      expect(await next.send('balance')).toEqual({ gold: 150 });
      await next.exit();

      expect(secondOpens).toEqual({ error: lockedError(player.directory) });
      expect(secondPolls).toEqual({ error: lockedError(player.directory) });
    } finally {
      for (const game of [first, second]) game.child.kill('SIGKILL');
    }
  });

  it('two copies started at once: exactly one gets the save', async () => {
    const player = newPlayer();
    await expectOneOfTwoCopiesGetsTheSave(player);
  });

  it('a copy that quits frees the save for the next one', async () => {
    const player = newPlayer();
    const first = startGame(player);
    expect(await first.send('balance')).toEqual({ gold: 0 });
    await first.exit(); // quits without closing its client
    const next = startGame(player);
    expect(await next.send('balance')).toEqual({ gold: 0 });
    await next.exit();
  });

  it('a lock left by a process killed with SIGKILL is taken over by the next process', async () => {
    const player = newPlayer();
    buyGold(player, 100);
    const crashed = startGame(player);
    expect(await crashed.send('poll')).toMatchObject({ granted: 1, acked: 1 });
    crashed.child.kill('SIGKILL');
    await crashed.exited;
    expect(existsSync(join(player.directory, 'owner.lock'))).toBe(true); // nothing let it go

    const next = startGame(player);
    expect(await next.send('balance')).toEqual({ gold: 100 });
    await next.exit();
  });

  it('after a crash, two copies started at once: exactly one takes the save over', async () => {
    const player = newPlayer();
    const crashed = startGame(player);
    expect(await crashed.send('balance')).toEqual({ gold: 0 });
    crashed.child.kill('SIGKILL');
    await crashed.exited;

    await expectOneOfTwoCopiesGetsTheSave(player);
  });
});

describe('two factories on one save directory in one process', () => {
  it('a second factory is refused while the first has a connection open, and gets the save once the first client closes', async () => {
    const player = newPlayer();
    buyGold(player, 100);
    const first = gameClient(player);
    await first.pollNow();

    const secondFactory = nodeIndexedDB({ directory: player.directory });
    const refused = secondFactory.open('anything', 1);
    await expect(promisifyRequest(refused)).rejects.toMatchObject(lockedError(player.directory));
    const second = gameClient(player, secondFactory);
    const error = await second.inventory.balance('gold').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject(lockedError(player.directory));

    await first.close();
    expect(await second.inventory.balance('gold')).toBe(100);
    await second.close();
  });

  it('logout and login in one process: a new client on the same factory, or on a new one, opens the save', async () => {
    const player = newPlayer();
    buyGold(player, 100);
    const factory = nodeIndexedDB({ directory: player.directory });
    const before = gameClient(player, factory);
    await before.pollNow();
    await before.close();

    const again = gameClient(player, factory);
    expect(await again.inventory.balance('gold')).toBe(100);
    await again.close();
    const fresh = gameClient(player);
    expect(await fresh.inventory.balance('gold')).toBe(100);
    await fresh.close();
  });

  it('a factory kept across a logout reads what another owner saved meanwhile, rather than its old copy', async () => {
    const player = newPlayer();
    const kept = nodeIndexedDB({ directory: player.directory });
    const before = gameClient(player, kept);
    expect(await before.inventory.balance('gold')).toBe(0);
    await before.close();

    buyGold(player, 100);
    const other = gameClient(player);
    await other.pollNow();
    await other.close();

    const after = gameClient(player, kept);
    expect(await after.inventory.balance('gold')).toBe(100);
    expect(await after.inventory.consume('gold', 30)).toBe(70);
    await after.close();
    const next = gameClient(player);
    expect(await next.inventory.balance('gold')).toBe(70);
    await next.close();
  });
});

describe('a client whose save directory another process owns', () => {
  it('pauses for storage (status paused, reason storage), grants and acks nothing, and drains once started again after the owner closes', async () => {
    const player = newPlayer();
    const owner = gameClient(player);
    expect(await owner.inventory.balance('gold')).toBe(0);
    buyGold(player, 100);

    const game = gameClient(player);
    const seen: Array<[keyof ClientEvents, unknown]> = [];
    game.on('*' as never, ((type: keyof ClientEvents, payload: unknown) => seen.push([type, payload])) as never);
    game.start();
    await eventually(() => expect(seen).toContainEqual(['status', { status: 'paused', reason: 'storage' }]));
    expect(seen).toContainEqual(['error', { phase: 'poll', error: expect.objectContaining(lockedError(player.directory)) }]);
    expect(seen.filter(([type]) => type === 'granted')).toEqual([]);
    expect(emulator.state(player.userId).events.map((event) => event.processed)).toEqual([false]);

    await owner.close();
    game.start();
    await eventually(async () => expect(await game.inventory.balance('gold')).toBe(100));
    await game.close();
  });
});

describe('a lock file left behind', () => {
  it('by a crashed run that had this process’s pid (a container’s pid 1) is taken over', async () => {
    const player = newPlayer();
    const factory = nodeIndexedDB({ directory: player.directory });
    writeFileSync(join(player.directory, 'owner.lock'), JSON.stringify({ pid: process.pid, token: 'the crashed run' }));
    const game = gameClient(player, factory);
    expect(await game.inventory.balance('gold')).toBe(0);
    await game.close();
  });

  it('empty by a power cut is taken over, while one just being written is respected', async () => {
    const player = newPlayer();
    const factory = nodeIndexedDB({ directory: player.directory });
    const lockFile = join(player.directory, 'owner.lock');
    writeFileSync(lockFile, '');
    const game = gameClient(player, factory);
    await expect(game.inventory.balance('gold')).rejects.toMatchObject(lockedError(player.directory));

    const anHourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(lockFile, anHourAgo, anHourAgo);
    expect(await game.inventory.balance('gold')).toBe(0);
    await game.close();
  });
});

describe('nodeIndexedDB options', () => {
  it.each([Number.NaN, 0, -1, Number.POSITIVE_INFINITY, '1024'])('compactAfterBytes %s is refused with InvalidArgumentError', (bytes) => {
    const create = () => nodeIndexedDB({ directory: join(root, 'options'), compactAfterBytes: bytes as number });
    expect(create).toThrow(InvalidArgumentError);
    expect(create).toThrow(/compactAfterBytes/);
  });
});
