import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createGetUpdatesClient } from '../src';
import { AuthError, GetUpdatesError, HttpError } from '../src/errors';
import { startEmulator, type Emulator } from '../src/emulator';
import { createTransport } from '../src/transport/http';
import { createStoreApi } from '../src/transport/store-api';
import { createTokenSource, readJwtClaims } from '../src/transport/token';
import { realClock } from '../src/schedule/clock';
import { cannedHttp } from './support/canned-http';
import { eventually } from './support/eventually';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

const transportFor = (token: Parameters<typeof createTokenSource>[0], extra: { retries?: number } = {}) =>
  createTransport({ baseUrl: emulator.url, projectId: String(emulator.projectId), tokens: createTokenSource(token), ...extra });

describe('transport', () => {
  it('does not retry a 400 (a request that cannot succeed)', async () => {
    const http = axios.create();
    let calls = 0;
    http.interceptors.request.use((config) => (calls++, config));
    const transport = createTransport({
      baseUrl: emulator.url,
      projectId: '1',
      tokens: createTokenSource(emulator.issueToken('u')),
      http,
      retries: 3,
    });
    const error = await transport.listEvents().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect(calls).toBe(1);
  });

  it('answers an ack for an unknown event with "gone" so it is not retried forever', async () => {
    expect(await transportFor(emulator.issueToken('u')).markProcessed(999_999)).toBe('gone');
  });

  it('maps a refused connection to a retryable HttpError without a status', async () => {
    const transport = createTransport({ baseUrl: 'http://127.0.0.1:9', projectId: '1', tokens: createTokenSource('t'), retries: 0 });
    await expect(transport.listEvents()).rejects.toMatchObject({ name: 'HttpError', status: undefined, retryable: true });
  });

  it('stops waiting as soon as the signal aborts', async () => {
    emulator.setFaults({ latencyMs: 2000 });
    try {
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(new Error('stop')), 50);
      await expect(transportFor(emulator.issueToken('u')).listEvents({ signal: controller.signal })).rejects.toThrow('stop');
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      emulator.setFaults({ latencyMs: 0 });
    }
  });

  it('shares one token refresh among concurrent 401s', async () => {
    const fresh = vi.fn(() => emulator.issueToken('u'));
    const tokens = createTokenSource(fresh);
    const refused = `${emulator.issueToken('u')}x`;
    fresh.mockReturnValueOnce(refused);
    expect(await tokens.get()).toBe(refused);
    const refreshed = await Promise.all([tokens.refresh(refused), tokens.refresh(refused), tokens.refresh(refused)]);
    expect(new Set(refreshed).size).toBe(1);
    expect(refreshed[0]).not.toBe(refused);
    expect(fresh).toHaveBeenCalledTimes(2);
  });

  it('refreshes a JWT just before it expires, not after its 401', async () => {
    let clock = Date.now();
    const fresh = vi.fn(() => emulator.issueToken('u', 3600));
    const tokens = createTokenSource(fresh, { clock: { ...realClock, now: () => clock }, refreshMarginMs: 30_000 });
    const first = await tokens.get();
    expect(await tokens.get()).toBe(first);
    clock += 3600_000 - 20_000; // 20 s left
    await new Promise((resolve) => setTimeout(resolve, 1000)); // a new iat, so a new token
    expect(await tokens.get()).toBe(first); // still valid: used while the next one is fetched
    await eventually(async () => expect(await tokens.get()).not.toBe(first));
    expect(fresh).toHaveBeenCalledTimes(2);
  });

  it('keeps a still-valid token when an early refresh fails', async () => {
    let clock = Date.now();
    const source = vi.fn<() => string>(() => emulator.issueToken('u', 3600));
    const tokens = createTokenSource(source, { clock: { ...realClock, now: () => clock } });
    const first = await tokens.get();
    source.mockImplementation(() => {
      throw new Error('token endpoint blip');
    });
    clock += 3600_000 - 10_000; // inside the refresh margin, not yet expired
    expect(await tokens.get()).toBe(first);
    clock += 20_000; // expired by the device's clock: only the server's 401/403 can say so
    expect(await tokens.get()).toBe(first);
    expect(source).toHaveBeenCalledTimes(2);
  });

  it('does not refresh a short-lived token on every call', async () => {
    const fresh = vi.fn(() => emulator.issueToken('u', 20));
    const tokens = createTokenSource(fresh, { refreshMarginMs: 30_000 });
    await Promise.all([tokens.get(), tokens.get()]);
    await tokens.get();
    expect(fresh).toHaveBeenCalledTimes(1);
  });

  it('does not cache a failed token fetch', async () => {
    const source = vi.fn<() => Promise<string>>().mockRejectedValueOnce(new Error('login server down')).mockResolvedValue('ok');
    const tokens = createTokenSource(source);
    await expect(tokens.get()).rejects.toMatchObject({ name: 'AuthError', cause: new Error('login server down') });
    expect(await tokens.get()).toBe('ok');
  });

  it('reads sub and exp from a JWT and nothing from other strings', () => {
    const claims = readJwtClaims(emulator.issueToken('player-7', 60));
    expect(claims.sub).toBe('player-7');
    expect(claims.exp).toBeGreaterThan(Date.now() / 1000);
    expect(readJwtClaims('opaque-token')).toEqual({});
    expect(readJwtClaims('a.!!!.c')).toEqual({});
  });
});

describe('transport retries while the server is down (issue #13)', () => {
  it('retries a GET only while the last one went through: a down server gets one request per drain until it answers', async () => {
    const own = await startEmulator();
    const http = axios.create();
    let gets = 0;
    http.interceptors.request.use((config) => (gets++, config));
    const transport = createTransport({
      baseUrl: own.url,
      projectId: String(own.projectId),
      tokens: createTokenSource(own.issueToken('down')),
      http,
      retries: 3,
    });
    own.setFaults({ errorRate: 1, status: 503, retryAfterS: 0 });
    await expect(transport.listEvents()).rejects.toMatchObject({ status: 503 });
    expect(gets).toBe(4);
    await expect(transport.listEvents()).rejects.toMatchObject({ status: 503 });
    await expect(transport.listEvents()).rejects.toMatchObject({ status: 503 });
    expect(gets).toBe(6);
    own.setFaults({ errorRate: 0 });
    await transport.listEvents();
    expect(gets).toBe(7);
    // Up again: a blip is retried as before.
    own.setFaults({ errorRate: 1 });
    let calls = 0;
    http.interceptors.request.use((config) => {
      if (++calls === 2) own.setFaults({ errorRate: 0 });
      return config;
    });
    await expect(transport.listEvents()).resolves.toEqual([]);
    expect(gets).toBe(9);
    await own.close();
  });
});

describe('the token never reaches an error, whatever the status (opaque tokens too)', () => {
  const TOKEN = 'opaque-secret-123';
  /** Every string an error shows, through its cause chain. */
  const everythingIn = (error: unknown): string[] =>
    error instanceof Error
      ? [String(error), error.stack ?? '', JSON.stringify(error), ...Object.values(error).map(String), ...everythingIn(error.cause)]
      : error === undefined
        ? []
        : [String(error)];
  /** A server that answers every request with `status` and a body that quotes the bearer it got, in three ways. */
  const echoing = (status: number) =>
    cannedHttp((config) => {
      const bearer = String(config.headers.Authorization).replace(/^Bearer /, '');
      const said = `token ${bearer} (${encodeURIComponent(bearer)}) is not welcome`;
      return {
        status,
        data: config.url?.includes('/v2/')
          ? JSON.stringify({ statusCode: status, errorCode: status, errorMessage: `[0401-${status}]: ${said}` })
          : status % 2
            ? JSON.stringify({ error: { code: status, description: said } })
            : `<html>${said}</html>`,
      };
    });

  it.each([400, 401, 403, 404, 409, 422, 429, 500, 502, 503])('HTTP %i from the Events API and the Store API', async (status) => {
    const tokens = createTokenSource(() => TOKEN);
    const events = createTransport({ baseUrl: 'http://127.0.0.1:9', projectId: '1', tokens, http: echoing(status), retries: 0 });
    const store = createStoreApi({ storeUrl: 'http://127.0.0.1:9', projectId: '1', tokens, http: echoing(status), retries: 0 });
    const failures = await Promise.all(
      [events.listEvents(), events.markProcessed(7), store.getOrder('42'), store.inventoryItems()].map((call) =>
        call.then(
          () => undefined,
          (error: unknown) => error,
        ),
      ),
    );
    for (const failure of failures.filter((failure) => failure !== undefined)) {
      expect(failure).toBeInstanceOf(GetUpdatesError);
      for (const text of everythingIn(failure)) expect(text).not.toContain(TOKEN);
    }
    expect(failures.filter((failure) => failure === undefined)).toHaveLength(status === 404 ? 1 : 0); // an ack's 404 is "gone"
  });

  it('nor the error event of a client', async () => {
    const client = createGetUpdatesClient({
      projectId: 1,
      baseUrl: 'http://127.0.0.1:9',
      token: TOKEN,
      userId: 'opaque-player',
      indexedDB: new IDBFactory(),
      locks: null,
      retries: 0,
      http: echoing(500),
    });
    const heard: unknown[] = [];
    client.on('error', ({ error }) => heard.push(error));
    try {
      await expect(client.pollNow()).rejects.toMatchObject({ status: 500 });
      expect(heard).toHaveLength(1);
      for (const text of everythingIn(heard[0])) expect(text).not.toContain(TOKEN);
      expect((heard[0] as Error).message).toContain('[token]');
    } finally {
      await client.close();
    }
  });
});

describe('Retry-After as servers and proxies send it', () => {
  const retryAfterOf = async (headers: Record<string, string>) => {
    const http = cannedHttp(() => ({ status: 503, headers, data: '' }));
    const transport = createTransport({ baseUrl: 'http://127.0.0.1:9', projectId: '1', tokens: createTokenSource('t'), http, retries: 0 });
    const error = (await transport.listEvents().catch((e: unknown) => e)) as HttpError;
    expect(error).toBeInstanceOf(HttpError);
    return error.retryAfterMs;
  };

  it('two headers joined ("5, 5") wait 5 s, not a date in 2001 (at once)', async () => {
    expect(await retryAfterOf({ 'retry-after': '5, 5' })).toBe(5_000);
    expect(await retryAfterOf({ 'retry-after': '5, 10' })).toBe(10_000);
  });

  it('a date is read against the server’s own clock, and only an HTTP date is a date', async () => {
    const date = 'Wed, 21 Oct 2015 07:27:00 GMT';
    expect(await retryAfterOf({ 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT', date })).toBe(60_000);
    expect(await retryAfterOf({ 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT, Wed, 21 Oct 2015 07:28:00 GMT', date })).toBe(60_000);
    expect(await retryAfterOf({ 'retry-after': 'Sunday, 21-Oct-15 07:27:30 GMT', date })).toBe(30_000);
    expect(await retryAfterOf({ 'retry-after': 'Wed Oct 21 07:27:10 2015', date })).toBe(10_000);
    for (const nonsense of ['0x10', '1e3', 'soon', '-5', 'May 5', 'Wed, 21 Oct 2015']) {
      expect(await retryAfterOf({ 'retry-after': nonsense, date })).toBeUndefined();
    }
  });
});

describe('a response too large to hold', () => {
  it('fails with an HttpError instead of reading it all (Node)', async () => {
    let sent = 0;
    let hungUp = false;
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"events":[');
      const chunk = `${'{"id":1,"status":0,"data":{}},'.repeat(2_000)}`;
      const more = () => {
        while (!hungUp && sent < 64 * 2 ** 20) {
          sent += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', more);
        }
        response.end('{}]}');
      };
      response.on('close', () => (hungUp = true));
      more();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const transport = createTransport({
        baseUrl: `http://127.0.0.1:${port}`,
        projectId: '1',
        tokens: createTokenSource('t'),
        retries: 3,
      });
      const error = await transport.listEvents().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HttpError);
      expect(error).toMatchObject({ retryable: false, message: expect.stringMatching(/GET \/events: the response is larger than \d+ MB/) });
      await eventually(() => expect(hungUp).toBe(true));
      expect(sent).toBeLessThan(32 * 2 ** 20);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('fails the same in a browser, whose XHR adapter does not bound it: the download is aborted', async () => {
    vi.stubGlobal('XMLHttpRequest', class {});
    const http = axios.create({
      adapter: (config) =>
        new Promise((_resolve, reject) => {
          config.signal?.addEventListener?.('abort', () => reject(new axios.CanceledError()));
          config.onDownloadProgress?.({ loaded: 1_000, total: 2 ** 40, bytes: 1_000, lengthComputable: true });
        }),
    });
    const transport = createTransport({ baseUrl: 'http://127.0.0.1:9', projectId: '1', tokens: createTokenSource('t'), http, retries: 0 });
    try {
      await expect(transport.listEvents()).rejects.toMatchObject({ name: 'HttpError', message: expect.stringContaining('larger than') });
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('a Store API 403 that is not about the token', () => {
  const forbidden = (errorCode: number, message: string) => ({
    status: 403,
    data: JSON.stringify({ statusCode: 403, errorCode, errorMessage: `[0401-${errorCode}]: ${message}` }),
  });

  it('is an HttpError of its own, and leaves the shared token usable by the Events API', async () => {
    let calls = 0;
    let eventsRefuse = false;
    const tokens = createTokenSource(() => `token-${++calls}`);
    const http = cannedHttp((config) => {
      if (config.url?.includes('/v2/')) return forbidden(1601, 'Attempt to get item that is forbidden in user region');
      if (eventsRefuse) {
        eventsRefuse = false;
        return { status: 401, data: '' }; // the token expired meanwhile
      }
      return { status: 200, data: '{"events":[]}' };
    });
    const store = createStoreApi({ storeUrl: 'http://127.0.0.1:9', projectId: '1', tokens, http, retries: 0 });
    const events = createTransport({ baseUrl: 'http://127.0.0.1:9', projectId: '1', tokens, http, retries: 0 });
    for (let i = 0; i < 3; i++) {
      const error = await store.getOrder('42').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HttpError);
      expect(error).toMatchObject({ status: 403, retryable: false, message: expect.stringContaining('forbidden in user region') });
    }
    await expect(store.inventoryItems()).rejects.toMatchObject({ name: 'HttpError', status: 403 });
    expect(calls).toBe(1); // no token was refused: none was asked for
    eventsRefuse = true;
    await expect(events.listEvents()).resolves.toEqual([]);
    expect(calls).toBe(2);
  });

  it.each([
    ['authorization error 1501', 1501],
    ['Pay Station token error 2001', 2001],
    ['no Store error code', 403],
  ])('a 403 about the token (%s) still refreshes it once, then fails with AuthError', async (_name, code) => {
    let calls = 0;
    const tokens = createTokenSource(() => `token-${++calls}`);
    const http = cannedHttp(() => forbidden(code, 'Authorization failed'));
    const store = createStoreApi({ storeUrl: 'http://127.0.0.1:9', projectId: '1', tokens, http, retries: 0 });
    await expect(store.getOrder('42')).rejects.toBeInstanceOf(AuthError);
    expect(calls).toBe(2);
  });
});
