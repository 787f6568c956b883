/**
 * One save, one Xsolla player (DESIGN §2): the first token used with a save has its `sub`
 * recorded in it, and a token of another player is refused before anything is sent, applied or
 * acked. The game's `userId` only names the save.
 */
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGetUpdatesClient, manualSignals, type ClientEvents, type GetUpdatesClient } from '../src';
import { AuthError, InvalidArgumentError } from '../src/errors';
import { startEmulator, type Emulator } from '../src/emulator';
import { countingHttp, playersOf } from './support/players';
import { flush, VirtualClock } from './support/virtual-clock';
import { eventually } from './support/eventually';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
const player = playersOf(() => emulator);

/** What one client emits of `type`. */
function record<K extends keyof ClientEvents>(client: GetUpdatesClient, type: K): Array<ClientEvents[K]> {
  const seen: Array<ClientEvents[K]> = [];
  client.on(type, (payload) => void seen.push(payload));
  return seen;
}

/** A JWT-shaped token whose payload is `claims` (unsigned: only the client reads it). */
const jwtWith = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('a stale userId after a logout', () => {
  it("refuses the next player's token before anything is sent, and her purchases wait for her own save", async () => {
    const bob = player();
    const alice = player();
    // Bob plays on this device, and logs out.
    const bobsGame = bob.connect({ userId: bob.userId });
    emulator.purchase({ userId: bob.userId, items: [{ sku: 'gold', quantity: 100 }] });
    expect(await bobsGame.pollNow()).toMatchObject({ granted: 1 });
    await bobsGame.close();

    // Alice logs in on the same device; the game still says userId 'bob'.
    const { eventIds } = emulator.purchase({ userId: alice.userId, items: [{ sku: 'gold', quantity: 50 }] });
    const http = countingHttp();
    const stale = bob.connect({ userId: bob.userId, token: () => emulator.issueToken(alice.userId), http });
    const statuses = record(stale, 'status');
    const errors = record(stale, 'error');
    stale.start();
    await eventually(() => expect(statuses.at(-1)).toEqual({ status: 'paused', reason: 'auth' }));
    expect(errors).toEqual([{ error: expect.any(AuthError), phase: 'poll' }]);
    await expect(stale.pollNow()).rejects.toBeInstanceOf(AuthError);

    expect(http.gets + http.posts).toBe(0); // her token never went out for Bob's save
    expect(alice.unprocessed()).toEqual(eventIds);
    expect(await stale.inventory.balances()).toEqual({ gold: 100 });

    // The game notices and gives Alice her own save: her purchase lands there, once.
    const fixed = bob.connect({ userId: alice.userId, token: () => emulator.issueToken(alice.userId) });
    expect(await fixed.pollNow()).toMatchObject({ granted: 1, acked: 1 });
    expect(await fixed.inventory.balances()).toEqual({ gold: 50 });
    expect(alice.processed()).toEqual(eventIds);
    expect(await stale.inventory.balances()).toEqual({ gold: 100 });
  });

  it('refuses a token of another player fetched after a 401, in the middle of a session', async () => {
    const bob = player();
    const alice = player();
    let loggedIn = bob.userId;
    const client = bob.connect({ userId: bob.userId, token: () => emulator.issueToken(loggedIn) });
    emulator.purchase({ userId: bob.userId, items: [{ sku: 'gold', quantity: 100 }] });
    await client.pollNow();

    loggedIn = alice.userId;
    const { eventIds } = emulator.purchase({ userId: alice.userId, items: [{ sku: 'gold', quantity: 50 }] });
    emulator.setFaults({ errorRate: 1, status: 401 }); // Bob's token is over: the client asks for another
    await expect(client.pollNow()).rejects.toBeInstanceOf(AuthError);
    emulator.setFaults({ errorRate: 0 });
    await expect(client.pollNow()).rejects.toBeInstanceOf(AuthError);

    expect(alice.unprocessed()).toEqual(eventIds);
    expect(await client.inventory.balances()).toEqual({ gold: 100 });
  });

  it('refuses another player handed over with setToken()', async () => {
    const bob = player();
    const alice = player();
    const client = bob.connect({ userId: bob.userId });
    await client.pollNow();
    const { eventIds } = emulator.purchase({ userId: alice.userId, items: [{ sku: 'gold', quantity: 50 }] });
    client.setToken(emulator.issueToken(alice.userId));
    await expect(client.pollNow()).rejects.toBeInstanceOf(AuthError);
    expect(alice.unprocessed()).toEqual(eventIds);
    expect(await client.inventory.balances()).toEqual({});
  });

  it("restores nothing of the next player's inventory into the last player's save", async () => {
    const bob = player();
    const alice = player();
    await bob.connect({ userId: bob.userId }).pollNow(); // Bob's save knows him
    emulator.setInventory(alice.userId, [
      { sku: 'dragon_blade', quantity: 1, type: 'virtual_good', virtual_item_type: 'non_consumable', instance_id: null },
    ]);
    const http = countingHttp();
    const stale = bob.connect({ userId: bob.userId, token: () => emulator.issueToken(alice.userId), http, restore: { auto: true } });
    await expect(stale.restorePurchases()).rejects.toBeInstanceOf(AuthError);
    expect(http.gets + http.posts).toBe(0);
    expect(await stale.inventory.balances()).toEqual({});
    expect(await stale.inventory.restored()).toEqual([]);
  });

  it("is refused in every tab: the save's player is read from the save", async () => {
    const bob = player();
    const alice = player();
    const bobsTab = bob.connect({ userId: bob.userId });
    const alicesTab = bob.connect({ userId: bob.userId, token: () => emulator.issueToken(alice.userId) });
    emulator.purchase({ userId: bob.userId, items: [{ sku: 'gold', quantity: 100 }] });
    const { eventIds } = emulator.purchase({ userId: alice.userId, items: [{ sku: 'gold', quantity: 50 }] });
    // Both tabs open a fresh save at once: whichever token comes first owns it, the other is refused.
    const [first, second] = await Promise.allSettled([bobsTab.pollNow(), alicesTab.pollNow()]);
    expect([first.status, second.status].sort()).toEqual(['fulfilled', 'rejected']);
    const refused = [first, second].find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(AuthError);
    const balance = await bobsTab.inventory.balances();
    if (first.status === 'fulfilled') {
      expect(balance).toEqual({ gold: 100 });
      expect(alice.unprocessed()).toEqual(eventIds);
    } else {
      expect(balance).toEqual({ gold: 50 });
      await expect(bobsTab.pollNow()).rejects.toBeInstanceOf(AuthError);
    }
  });
});

describe("the game's own userId", () => {
  it('may differ from the JWT sub, across restarts', async () => {
    const p = player();
    const userId = `player-7-${p.userId}`;
    const token = () => emulator.issueToken(p.userId);
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 3 }] });
    const first = p.connect({ userId, token });
    expect(await first.pollNow()).toMatchObject({ granted: 1 });
    await first.close();

    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 4 }] });
    const restarted = p.connect({ userId, token });
    expect(await restarted.pollNow()).toMatchObject({ granted: 1 });
    expect(await restarted.inventory.balances()).toEqual({ gold: 7 });
  });

  it('accepts an opaque token; the first token with a sub after it is recorded', async () => {
    const bob = player();
    const alice = player();
    let calls = 0;
    // An opaque session token first (this server refuses it), then Alice's JWT.
    const client = bob.connect({ userId: 'slot-1', token: () => (calls++ === 0 ? 'opaque-session' : emulator.issueToken(alice.userId)) });
    emulator.purchase({ userId: alice.userId, items: [{ sku: 'gold', quantity: 5 }] });
    expect(await client.pollNow()).toMatchObject({ granted: 1 });
    expect(calls).toBe(2);
    await client.close();

    const bobsLater = bob.connect({ userId: 'slot-1', token: () => emulator.issueToken(bob.userId) });
    await expect(bobsLater.pollNow()).rejects.toBeInstanceOf(AuthError);
    expect(await bobsLater.inventory.balances()).toEqual({ gold: 5 });
  });
});

describe('without a userId, the token names the player', () => {
  const base = { projectId: 308077, indexedDB: new IDBFactory(), locks: null };

  it.each([
    ['an opaque string', 'opaque'],
    ['a JWT without a sub', jwtWith({ exp: 4_000_000_000 })],
  ])('refuses %s at creation with InvalidArgumentError', (_case, token) => {
    expect(() => createGetUpdatesClient({ ...base, token })).toThrow(InvalidArgumentError);
    expect(() => createGetUpdatesClient({ ...base, token })).toThrow(/userId/);
  });

  it('accepts the same tokens with a userId', async () => {
    const client = createGetUpdatesClient({ ...base, token: 'opaque', userId: 'slot-1' });
    expect(await client.inventory.balances()).toEqual({});
    await client.close();
  });

  it("refuses another player's token in a save named after the first player, even before any token was sent", async () => {
    const bob = player();
    const alice = player();
    const client = bob.connect(); // the save is named after Bob's sub
    expect(await client.inventory.balances()).toEqual({}); // opened, nothing sent yet
    const { eventIds } = emulator.purchase({ userId: alice.userId, items: [{ sku: 'gold', quantity: 50 }] });
    client.setToken(emulator.issueToken(alice.userId));
    await expect(client.pollNow()).rejects.toBeInstanceOf(AuthError);
    expect(alice.unprocessed()).toEqual(eventIds);
    expect(await client.inventory.balances()).toEqual({});
  });

  it('pauses for auth, with one error, when the token function yields a token without a sub', async () => {
    const clock = new VirtualClock();
    const client = createGetUpdatesClient({ ...base, baseUrl: emulator.url, token: () => 'opaque', clock, signals: manualSignals() });
    const statuses = record(client, 'status');
    const errors = record(client, 'error');
    try {
      client.start();
      await flush();
      await clock.runUntil(3_600_000, flush);
      expect(statuses.at(-1)).toEqual({ status: 'paused', reason: 'auth' });
      expect(statuses.filter(({ status }) => status === 'backing-off')).toEqual([]);
      expect(errors).toEqual([{ error: expect.any(AuthError), phase: 'poll' }]);
      expect(String((errors[0]?.error as Error).message)).toMatch(/userId/);
    } finally {
      await client.close();
    }
  });
});
