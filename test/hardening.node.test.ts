/**
 * Misuse a real game will make, and edges around the ledger (issue #9): nothing hangs, spins,
 * crashes or fails silently. Each scenario is named after what went wrong before.
 */
import type { AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createGetUpdatesClient, manualSignals, realClock, type Clock } from '../src';
import { AuthError, GetUpdatesError, HttpError, InvalidArgumentError, StorageError } from '../src/errors';
import { startEmulator, type Emulator } from '../src/emulator';
import { countingHttp, pause, playersOf } from './support/players';
import { eventually } from './support/eventually';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ pageSize: 5 });
});
afterAll(() => emulator.close());
const player = playersOf(() => emulator);

const never = () => new Promise<string>(() => {});
const elapsed = async (work: () => Promise<unknown>) => {
  const started = Date.now();
  await work();
  return Date.now() - started;
};

/** An axios instance whose requests of one method get a canned answer instead of the server's. */
function answering(method: 'GET' | 'POST', answer: (config: InternalAxiosRequestConfig) => Partial<AxiosResponse> | undefined) {
  const http = countingHttp();
  http.interceptors.request.use((config) => {
    if (config.method?.toUpperCase() !== method) return config;
    const canned = answer(config);
    if (canned) config.adapter = async () => ({ status: 200, statusText: '', headers: {}, data: '', config, ...canned });
    return config;
  });
  return http;
}

describe('a token function that never settles (item 1)', () => {
  it('fails the drain with an AuthError after tokenTimeoutMs instead of wedging the client', async () => {
    const p = player({ token: never, tokenTimeoutMs: 150, userId: 'hung-1' });
    const failure = await p.client.pollNow().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AuthError);
    expect((failure as Error).message).toMatch(/did not answer/);
    p.client.setToken(() => emulator.issueToken('hung-1'));
    emulator.purchase({ userId: 'hung-1', items: [{ sku: 'gold', quantity: 3 }] });
    expect(await p.client.pollNow()).toMatchObject({ granted: 1 });
  });

  it('setToken() replaces an acquisition that is still pending', async () => {
    const p = player({ token: never });
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 2 }] });
    const polling = p.client.pollNow();
    await pause(50);
    p.client.setToken(() => emulator.issueToken(p.userId));
    expect(await polling).toMatchObject({ granted: 1 });
    expect(await p.client.inventory.balance('gold')).toBe(2);
  });

  it('stop() ends an in-flight drain promptly and the loop reports stopped', async () => {
    const p = player({ token: never, userId: 'hung-2' });
    p.client.start();
    await eventually(() => expect(p.emitted('status').at(-1)).toEqual({ status: 'polling' }));
    p.client.stop();
    expect(p.emitted('status').at(-1)).toEqual({ status: 'stopped' });
    await pause(50);
    expect(p.emitted('status').at(-1)).toEqual({ status: 'stopped' });
  });

  it('close() resolves promptly and rejects the drain waiting for the token', async () => {
    const p = player({ token: never, userId: 'hung-3' });
    const polling = p.client.pollNow().catch((error: unknown) => error);
    await pause(20);
    expect(await elapsed(() => p.client.close())).toBeLessThan(500);
    expect(await polling).toMatchObject({ name: 'GetUpdatesError', message: 'this client is closed' });
  });

  it('with a refused token, twenty pending acks make one or two token calls, not twenty', async () => {
    const p = player({ retries: 0 });
    let acksFail = true;
    const http = countingHttp();
    http.interceptors.request.use((config) => {
      if (acksFail && config.method?.toUpperCase() === 'POST') throw Object.assign(new Error('offline'), { code: 'ERR_NETWORK' });
      return config;
    });
    const client = p.connect({ http });
    for (let i = 0; i < 20; i++) emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] });
    expect(await client.pollNow()).toMatchObject({ granted: 20, acked: 0, ackFailed: 20 });
    acksFail = false;
    let calls = 0;
    client.setToken(() => {
      calls++;
      return `${emulator.issueToken(p.userId)}x`; // a signature the server refuses
    });
    const postsBefore = http.posts;
    await expect(client.pollNow()).rejects.toBeInstanceOf(AuthError);
    expect(calls).toBeLessThanOrEqual(2);
    expect(http.posts - postsBefore).toBeLessThanOrEqual(12); // at most the acks in flight, once each and once refreshed
    expect(await client.inventory.balance('gold')).toBe(20);
  });
});

describe('every public rejection is typed (item 2)', () => {
  it('consume() racing close(): the committed spend resolves, and nothing is broadcast after close', async () => {
    const p = player();
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 5 }] });
    await p.client.pollNow();
    const heard: unknown[] = [];
    const otherTab = new BroadcastChannel(`xsolla-getupdates:xsolla-getupdates:${emulator.projectId}:${p.userId}`);
    otherTab.onmessage = ({ data }) => heard.push(data);
    const spending = p.client.inventory.consume('gold', 2);
    const closing = p.client.close();
    await expect(spending).resolves.toBe(3);
    await closing;
    await pause(50);
    otherTab.close();
    expect(heard.length).toBeLessThanOrEqual(1); // sent before close, or not at all
    expect(await p.connect().inventory.balance('gold')).toBe(3);
  });

  it('a storage failure this library did not foresee rejects with a StorageError, not a raw TypeError', async () => {
    const broken = {
      open: () => {
        throw new TypeError('boom');
      },
    } as unknown as IDBFactory;
    const p = player({ indexedDB: broken, userId: 'broken-storage' });
    const failure = await p.client.inventory.balances().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StorageError);
    expect(failure).toBeInstanceOf(GetUpdatesError);
  });
});

describe('timers (item 4)', () => {
  it('refuses a cadence delay longer than a timer can hold, instead of polling 100 times a second', () => {
    const month = 30 * 24 * 3600 * 1000;
    const make = (cadence: object) => () => createGetUpdatesClient({ projectId: 1, token: 't', userId: 'u', cadence });
    expect(make({ intervalMs: month })).toThrow(InvalidArgumentError);
    expect(make({ hiddenIntervalMs: month })).toThrow(/hiddenIntervalMs/);
    expect(make({ errorBackoff: { maxRetryAfterMs: 2 ** 31 } })).toThrow(InvalidArgumentError);
    expect(make({ intervalMs: 2 ** 31 - 1 })).not.toThrow();
  });

  it('the real clock chains a delay longer than one timer can hold and never fires early', () => {
    vi.useFakeTimers();
    try {
      const fired = vi.fn();
      realClock.setTimeout(fired, 2 ** 31 + 5_000);
      vi.advanceTimersByTime(1_000);
      expect(fired).not.toHaveBeenCalled();
      vi.advanceTimersByTime(2 ** 31 - 1);
      expect(fired).not.toHaveBeenCalled();
      vi.advanceTimersByTime(5_000);
      expect(fired).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('messages from other tabs (item 5)', () => {
  const channelOf = (userId: string) => new BroadcastChannel(`xsolla-getupdates:xsolla-getupdates:${emulator.projectId}:${userId}`);

  it('a NaN watch hint cannot switch hints off, and an Infinity one cannot pin fast polling', async () => {
    let offset = 0;
    const clock: Clock = { ...realClock, now: () => Date.now() + offset };
    const p = player({ clock, locks: null, cadence: { intervalMs: 60_000, watchIntervalMs: 40, returnWatchMs: 0 } });
    p.client.start();
    await eventually(() => expect(p.emitted('status').at(-1)).toEqual({ status: 'waiting', nextPollInMs: 60_000 }));
    const otherTab = channelOf(p.userId);
    try {
      otherTab.postMessage({ watchUntil: Number.NaN });
      otherTab.postMessage({ watchUntil: Date.now() + 5_000 });
      await eventually(() => expect(p.emitted('status').at(-1)).toEqual({ status: 'waiting', nextPollInMs: 40 }));
      otherTab.postMessage({ watchUntil: Number.POSITIVE_INFINITY });
      otherTab.postMessage({ watchUntil: Date.now() + 10 * 365 * 24 * 3600_000 });
      await pause(50);
      offset = 61_000; // past the longest window a hint may ask for
      await eventually(() => expect(p.emitted('status').at(-1)).toEqual({ status: 'waiting', nextPollInMs: 60_000 }));
    } finally {
      otherTab.close();
    }
  });

  it('notifications of unknown shape from the channel are ignored; well-formed ones fire', async () => {
    const p = player();
    await p.client.inventory.balances(); // opens the channel
    const otherTab = channelOf(p.userId);
    try {
      otherTab.postMessage({
        emissions: [
          ['granted', { eventId: 'x', items: [] }],
          ['granted', { eventId: 1, items: [{ sku: 'gold', quantity: -5 }] }],
          ['changed', { skus: [1], source: 'poll' }],
          ['error', { error: 'spoofed', phase: 'poll' }],
          ['status', { status: 'stopped' }],
          ['__proto__', {}],
          'garbage',
        ],
      });
      otherTab.postMessage({ emissions: [['granted', { eventId: 7, orderId: '9', items: [{ sku: 'gold', quantity: 1 }] }]] });
      await eventually(() => expect(p.emitted('granted')).toHaveLength(1));
      expect(p.emitted('granted')[0]).toMatchObject({ eventId: 7 });
      expect(p.emitted('changed')).toEqual([]);
      expect(p.emitted('error')).toEqual([]);
      expect(p.emitted('status')).toEqual([]);
    } finally {
      otherTab.close();
    }
  });
});

describe('start() says why it cannot run (items 6 and 7)', () => {
  it('with no IndexedDB, it emits an error and pauses for storage instead of backing off forever', async () => {
    const p = player({ indexedDB: undefined, userId: 'no-idb' });
    const client = p.connect({ indexedDB: undefined as never });
    client.start();
    await eventually(() => expect(p.emitted('status').at(-1)).toEqual({ status: 'paused', reason: 'storage' }));
    expect(p.emitted('error')).toContainEqual({
      phase: 'poll',
      error: expect.objectContaining({ name: 'StorageError', reason: 'unavailable' }),
    });
  });

  it('with a userId, the database opens without asking for a token', async () => {
    const token = vi.fn(never);
    const p = player({ token, userId: 'no-token-needed' });
    expect(await p.client.inventory.balances()).toEqual({});
    expect(token).not.toHaveBeenCalled();
  });

  it('start() after close() does nothing: no timers, no status, no requests', async () => {
    const http = countingHttp();
    const p = player({ http, cadence: { intervalMs: 20 } });
    await p.client.close();
    p.client.start();
    await pause(150);
    expect(http.gets).toBe(0);
    expect(p.emitted('status')).toEqual([]);
  });
});

describe('403 is treated like 401 (item 9)', () => {
  const refusedWith403 = () => {
    const http = countingHttp();
    http.interceptors.response.use((response) => (response.status === 401 ? { ...response, status: 403 } : response));
    return http;
  };

  it('asks the token function once more, then goes on', async () => {
    const p = player({ http: refusedWith403() });
    const token = vi
      .fn()
      .mockReturnValueOnce(`${emulator.issueToken(p.userId)}x`)
      .mockImplementation(() => emulator.issueToken(p.userId));
    const client = p.connect({ token, http: refusedWith403() });
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] });
    expect(await client.pollNow()).toMatchObject({ granted: 1, acked: 1 });
    expect(token).toHaveBeenCalledTimes(2);
  });

  it('gives up with an AuthError when the fresh token is refused too', async () => {
    const p = player();
    const client = p.connect({ token: () => `${emulator.issueToken(p.userId)}x`, http: refusedWith403() });
    await expect(client.pollNow()).rejects.toMatchObject({ name: 'AuthError', message: expect.stringContaining('HTTP 403') });
  });
});

describe('options and arguments are checked where they are given (item 10)', () => {
  const base = { projectId: 308077, token: 't', userId: 'u' };
  it.each([
    ['a baseUrl without a scheme', { baseUrl: '127.0.0.1:8787' }],
    ['a baseUrl with a query', { baseUrl: 'http://127.0.0.1:8787/?x=1' }],
    ['a baseUrl with a fragment', { baseUrl: 'http://127.0.0.1:8787/#top' }],
    ['a baseUrl of another scheme', { baseUrl: 'ftp://127.0.0.1/' }],
    ['negative retries', { retries: -1 }],
    ['fractional retries', { retries: 1.5 }],
    ['an empty token', { token: '' }],
    ['a token that is not a string or function', { token: 42 }],
    ['an empty userId', { userId: '' }],
    ['a zero token timeout', { tokenTimeoutMs: 0 }],
    ['an indexedDB that is not a factory', { indexedDB: {} }],
  ])('refuses %s with InvalidArgumentError', (_name, override) => {
    expect(() => createGetUpdatesClient({ ...base, ...override } as never)).toThrow(InvalidArgumentError);
  });

  it('watchOrder(undefined) and watchOrder({ orderId }) reject at once instead of waiting forever', async () => {
    const p = player();
    await expect(p.client.watchOrder(undefined as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(p.client.watchOrder({ orderId: 1 } as never)).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('a token function that throws is wrapped as AuthError, with what it threw as the cause', async () => {
    const thrown = new Error('not logged in');
    const p = player({
      token: () => {
        throw thrown;
      },
      userId: 'thrower',
    });
    const failure = await p.client.pollNow().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AuthError);
    expect((failure as Error).cause).toBe(thrown);
  });

  it('setToken("") is refused', () => {
    expect(() => player().client.setToken('')).toThrow(InvalidArgumentError);
  });
});

describe('errors say what happened (item 11)', () => {
  it('quotes the server and names the full request path', async () => {
    const p = player({ retries: 0 });
    const elsewhere = p.connect({ baseUrl: `${emulator.url}/api/v1` });
    await expect(elsewhere.pollNow()).rejects.toMatchObject({ message: 'GET /api/v1/events: HTTP 404 (Not found)' });
    const wrongProject = p.connect({ projectId: 999 });
    await expect(wrongProject.pollNow()).rejects.toMatchObject({
      message: `GET /events: HTTP 400 (project_id must be ${emulator.projectId})`,
    });
  });

  it('never puts the token in the message, even when the server echoes it, and bounds what it quotes', async () => {
    const p = player({ retries: 0 });
    const http = answering('GET', (config) => ({
      status: 400,
      data: JSON.stringify({ error: { description: `bad token ${String(config.headers.Authorization)} \u0007 ${'z'.repeat(5_000)}` } }),
    }));
    const failure = (await p
      .connect({ http })
      .pollNow()
      .catch((error: unknown) => error)) as HttpError;
    expect(failure).toBeInstanceOf(HttpError);
    expect(failure.message).not.toContain(emulator.issueToken(p.userId).split('.')[1]);
    expect(failure.message).toContain('[token]');
    expect(failure.message).not.toContain('\u0007');
    expect(failure.message.length).toBeLessThan(300);
  });
});

describe('acks never hold up the next purchase (item 13)', () => {
  it('rate-limited acks stop the ack queue at once; a new purchase is granted on the next drain', async () => {
    const p = player({ retries: 3 });
    let limited = true;
    const http = answering('POST', () => (limited ? { status: 429, headers: { 'retry-after': '30' }, data: '{}' } : undefined));
    const client = p.connect({ http });
    for (let i = 0; i < 10; i++) emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] });
    const first = await client.pollNow();
    expect(first).toMatchObject({ granted: 10, acked: 0, ackFailed: 10 });
    expect(http.posts).toBeLessThanOrEqual(6);
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gem', quantity: 1 }] });
    expect(await elapsed(async () => expect(await client.pollNow()).toMatchObject({ granted: 1 }))).toBeLessThan(2_000);
    limited = false;
    await client.pollNow();
    expect(p.unprocessed()).toEqual([]);
    expect(await client.inventory.balances()).toEqual({ gold: 10, gem: 1 });
  });
});

describe('reports (item 14)', () => {
  it('a call made during a drain gets the report of the drain after it; a short page is the last one fetched', async () => {
    const p = player();
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] });
    const first = p.client.pollNow();
    const second = p.client.pollNow();
    const third = p.client.pollNow();
    expect(await first).toMatchObject({ fetched: 1, granted: 1, pages: 1 });
    expect(await second).toMatchObject({ fetched: 0, granted: 0, pages: 1 });
    expect(await third).toBe(await second);
  });
});

describe('the player’s clock (item 17b)', () => {
  it('with the device clock 2 h ahead, ten polls make one token call and a failing token function does not pause polling', async () => {
    const clock: Clock = { ...realClock, now: () => Date.now() + 2 * 3600_000 };
    let calls = 0;
    let failing = false;
    const p = player({ clock });
    const client = p.connect({
      clock,
      token: () => {
        calls++;
        if (failing) throw new Error('login server blip');
        return emulator.issueToken(p.userId, 3600);
      },
    });
    for (let i = 0; i < 10; i++) await client.pollNow();
    expect(calls).toBe(1);
    failing = true;
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] });
    expect(await client.pollNow()).toMatchObject({ granted: 1 });
  });
});

describe('smaller edges (item 18)', () => {
  it('a failed compaction is tried again after the next drain', async () => {
    const p = player();
    const openCursor = vi.spyOn(IDBObjectStore.prototype, 'openCursor').mockImplementationOnce(() => {
      throw new DOMException('simulated', 'UnknownError');
    });
    try {
      await p.client.pollNow();
      expect(p.emitted('error')).toEqual([{ phase: 'poll', error: expect.any(StorageError) }]);
      const callsAfterFailure = openCursor.mock.calls.length;
      await p.client.pollNow();
      expect(openCursor.mock.calls.length).toBeGreaterThan(callsAfterFailure);
      expect(p.emitted('error')).toHaveLength(1);
    } finally {
      openCursor.mockRestore();
    }
  });

  it('the order-status socket closes while the loop is paused for auth, and does not reconnect meanwhile', async () => {
    let sockets = 0;
    class CountedWebSocket extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        sockets++;
      }
    }
    const p = player();
    const client = p.connect({
      locks: null,
      signals: manualSignals(),
      orderStatus: { url: `${emulator.url.replace('http', 'ws')}/connection/websocket`, websocket: CountedWebSocket },
      cadence: { intervalMs: 100, pushIntervalMs: 100 },
    });
    client.start();
    await eventually(() => expect(sockets).toBe(1));
    client.setToken(() => `${emulator.issueToken(p.userId)}x`);
    await eventually(() => expect(p.emitted('status').at(-1)).toEqual({ status: 'paused', reason: 'auth' }));
    emulator.setPushDown(true); // a socket still open would now reconnect again and again
    emulator.setPushDown(false);
    await pause(1_500);
    expect(sockets).toBe(1);
  });
});
