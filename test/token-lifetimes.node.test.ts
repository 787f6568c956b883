/** Tokens over a long session: expiries, early refreshes that hang or fail, a device clock that is off. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClock, type Clock, type GetUpdatesClientOptions } from '../src';
import { startEmulator, type Emulator } from '../src/emulator';
import { countingHttp, pause, playersOf } from './support/players';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
const player = playersOf(() => emulator);

describe('token lifetimes in a long session', () => {
  it('a working token function is still used after the second token expires (no auth pause)', async () => {
    let calls = 0;
    const p = player({
      token: () => {
        calls++;
        return emulator.issueToken(p.userId, 2);
      },
    });
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] });
    expect(await p.client.pollNow()).toMatchObject({ granted: 1 }); // token 1
    await pause(2_300); // token 1 expired at the server
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] });
    expect(await p.client.pollNow()).toMatchObject({ granted: 1 }); // 401 -> token 2
    await pause(2_300); // token 2 expired at the server
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] });
    // The token function works: a third token must be fetched, not an AuthError.
    const third = await p.client.pollNow().catch((error: unknown) => error);
    expect(third).toMatchObject({ granted: 1 });
    expect(calls).toBeGreaterThanOrEqual(3);
  }, 15_000);

  it('the polling loop does not pause for auth after two token lifetimes', async () => {
    const p = player({
      token: () => emulator.issueToken(p.userId, 2),
      locks: null,
      cadence: { intervalMs: 300 },
    });
    p.client.start();
    await pause(6_000);
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 4 }] });
    await pause(1_000);
    expect(p.emitted('status').filter((s) => s.status === 'paused')).toEqual([]);
    expect(await p.client.inventory.balance('gold')).toBe(4);
  }, 15_000);

  it('with the device clock 2 h ahead, the second expiry still fetches a new token', async () => {
    const clock: Clock = { ...realClock, now: () => Date.now() + 2 * 3600_000 };
    const p = player({ clock, token: () => emulator.issueToken(p.userId, 2) });
    await p.client.pollNow();
    await pause(2_300);
    await p.client.pollNow();
    await pause(2_300);
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] });
    expect(await p.client.pollNow().catch((error: unknown) => error)).toMatchObject({ granted: 1 });
  }, 15_000);
});

describe('early refresh with a hung token function while the current token still works', () => {
  /**
   * A player whose first token works for an hour and whose later calls of the token function
   * behave as `later` says. One purchase is granted with its ack left pending; then the device
   * clock moves to 10 s before the token's expiry (the server says it has an hour) and another
   * purchase is made, so the next drain refreshes early while its GET and ack run.
   */
  async function nearExpiryWithAckPending(later: () => Promise<string>, options: Partial<GetUpdatesClientOptions> = {}) {
    let offset = 0;
    let calls = 0;
    let acksFail = true;
    const clock: Clock = { ...realClock, now: () => Date.now() + offset };
    const p = player({ clock, ...options, token: () => (++calls === 1 ? Promise.resolve(emulator.issueToken(p.userId, 3600)) : later()) });
    const http = countingHttp();
    http.interceptors.request.use((config) => {
      if (acksFail && config.method?.toUpperCase() === 'POST') throw Object.assign(new Error('offline'), { code: 'ERR_NETWORK' });
      return config;
    });
    const client = p.connect({ http });
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] });
    expect(await client.pollNow()).toMatchObject({ granted: 1, ackFailed: 1 });
    acksFail = false;
    offset = 3600_000 - 10_000;
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] });
    return client;
  }

  it('a request made while the early refresh hangs is not failed with AuthError (no auth pause)', async () => {
    const client = await nearExpiryWithAckPending(() => new Promise<string>(() => {}), { tokenTimeoutMs: 500 });
    // The token was never refused by the server: the drain must not fail with AuthError.
    expect(await client.pollNow().catch((error: unknown) => error)).toMatchObject({ granted: 1 });
  });

  it('a token function that fails (its service is down) during an early refresh does not fail concurrent requests', async () => {
    const client = await nearExpiryWithAckPending(async () => {
      await pause(300);
      throw new Error('login service unavailable');
    });
    // README: "a failing token function never pauses polling while the current token still works"
    expect(await client.pollNow().catch((error: unknown) => error)).toMatchObject({ granted: 1 });
  });

  it('an early refresh that hangs does not hold the drain for tokenTimeoutMs while the token works', async () => {
    let offset = 0;
    const clock: Clock = { ...realClock, now: () => Date.now() + offset };
    let calls = 0;
    const p = player({
      clock,
      tokenTimeoutMs: 5_000,
      token: () => (++calls === 1 ? emulator.issueToken(p.userId, 3600) : new Promise<string>(() => {})),
    });
    await p.client.pollNow();
    offset = 3600_000 - 10_000;
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] });
    const started = Date.now();
    expect(await p.client.pollNow()).toMatchObject({ granted: 1 });
    expect(Date.now() - started).toBeLessThan(2_000);
  }, 10_000);
});
