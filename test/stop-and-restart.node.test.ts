/** stop() ends the loop's drain; start() after an auth pause asks for a token again. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/emulator';
import { countingHttp, pause, playersOf } from './support/players';
import { eventually } from './support/eventually';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
const player = playersOf(() => emulator);

describe('stop() mid-drain', () => {
  const OWNER = `stop-${Math.random().toString(36).slice(2)}`;
  it('stop() ends the in-flight drain: no request is sent and nothing is acked after stop()', async () => {
    let release!: (token: string) => void;
    const http = countingHttp();
    const p = player({ http, locks: null, userId: OWNER, token: () => new Promise<string>((resolve) => (release = resolve)) });
    emulator.purchase({ userId: OWNER, items: [{ sku: 'gold', quantity: 1 }] });
    p.client.start();
    await eventually(() => expect(release).toBeTypeOf('function'));
    p.client.stop();
    expect(p.emitted('status').at(-1)).toEqual({ status: 'stopped' });
    release(emulator.issueToken(OWNER)); // the login popup finally answers
    await pause(500);
    expect({
      gets: http.gets,
      posts: http.posts,
      processed: emulator
        .state(OWNER)
        .events.filter((e) => e.processed)
        .map((e) => e.id),
    }).toEqual({ gets: 0, posts: 0, processed: [] });
  });
});

describe('start() after an auth pause', () => {
  it('stop() then start() asks the token function again instead of re-pausing on the old refusal', async () => {
    let good = false;
    let calls = 0;
    const p = player({
      locks: null,
      retries: 0,
      token: () => {
        calls++;
        return good ? emulator.issueToken(p.userId) : `${emulator.issueToken(p.userId)}x`;
      },
    });
    p.client.start();
    await eventually(() => expect(p.emitted('status').at(-1)).toEqual({ status: 'paused', reason: 'auth' }));
    good = true; // the player logged in again
    const before = calls;
    p.client.stop(); // the game leaves the shop screen…
    p.client.start(); // …and comes back: README: start() resumes a loop paused for auth, asking the token function again
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 2 }] });
    await pause(1_000);
    expect(calls).toBeGreaterThan(before);
    expect(await p.client.inventory.balance('gold')).toBe(2);
  });
});
