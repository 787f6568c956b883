import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HttpError } from '../src/errors';
import { startEmulator, type Emulator } from '../src/emulator';
import { createTransport } from '../src/transport/http';
import { createTokenSource, readJwtClaims } from '../src/transport/token';
import { realClock } from '../src/schedule/clock';

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
    await vi.waitFor(async () => expect(await tokens.get()).not.toBe(first));
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
