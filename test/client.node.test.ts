/** The client against the emulator over real HTTP on loopback, with fake-indexeddb. */
import axios, { type AxiosInstance } from 'axios';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createGetUpdatesClient, manualSignals, type ClientEvents } from '../src';
import { AuthError, HandlerError, ProtocolError } from '../src/errors';
import { startEmulator, type Emulator } from '../src/emulator';
import * as x from './fixtures/xsolla';
import { countingHttp, playersOf } from './support/players';
import { eventually } from './support/eventually';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ pageSize: 3 });
});
afterAll(() => emulator.close());
const player = playersOf(() => emulator);

describe('buying and refunding', () => {
  it('grants a combined-mode purchase once, then acks it', async () => {
    const p = player();
    const { orderId, eventIds } = emulator.purchase({
      userId: p.userId,
      items: [
        { sku: 'gold', quantity: 500, type: 'virtual_currency' },
        { sku: 'sword', quantity: 1 },
      ],
    });
    const report = await p.client.pollNow();
    expect(report).toMatchObject({ fetched: 1, granted: 1, acked: 1, ackFailed: 0 });
    expect(await p.client.inventory.balances()).toEqual({ gold: 500, sword: 1 });
    expect(p.emitted('granted')).toEqual([
      {
        eventId: eventIds[0],
        orderId: String(orderId),
        transactionId: expect.any(String),
        items: [expect.objectContaining({ sku: 'gold', quantity: 500 }), expect.objectContaining({ sku: 'sword', quantity: 1 })],
      },
    ]);
    expect(p.emitted('changed')).toEqual([{ skus: ['gold', 'sword'], source: 'poll' }]);
    expect(p.processed()).toEqual(eventIds);
    expect(await p.client.pollNow()).toMatchObject({ fetched: 0, granted: 0 });
  });

  it('grants a separate-mode purchase (payment + order_paid) once and acks both events', async () => {
    const p = player();
    const { orderId, eventIds } = emulator.purchase({ userId: p.userId, items: [{ sku: 'gem', quantity: 7 }], mode: 'separate' });
    expect(eventIds).toHaveLength(2);
    const report = await p.client.pollNow();
    expect(report).toMatchObject({ fetched: 2, granted: 1, duplicates: 1, acked: 2 });
    expect(await p.client.inventory.balance('gem')).toBe(7);
    expect(await p.client.inventory.order(orderId)).toMatchObject({ status: 'granted', eventIds });
    expect(p.processed()).toEqual(eventIds);
  });

  it.each(['combined', 'separate'] as const)('takes back a refunded %s order exactly once', async (mode) => {
    const p = player();
    const { orderId } = emulator.purchase({ userId: p.userId, items: [{ sku: 'gem', quantity: 7 }], mode });
    await p.client.pollNow();
    const { eventIds } = emulator.refund(orderId);
    const report = await p.client.pollNow();
    expect(report).toMatchObject({ revoked: 1, duplicates: eventIds.length - 1, acked: eventIds.length });
    expect(await p.client.inventory.balance('gem')).toBe(0);
    expect(p.emitted('revoked')).toEqual([
      expect.objectContaining({ orderId: String(orderId), items: [expect.objectContaining({ sku: 'gem', quantity: 7 })] }),
    ]);
    expect(await p.client.inventory.order(orderId)).toMatchObject({ status: 'revoked' });
  });

  it('a refund that arrives before the payment voids the order: nothing granted, both acked', async () => {
    const p = player();
    const canceled = emulator.injectEvent(p.userId, x.combinedOrderCanceled(77, 7701));
    const paid = emulator.injectEvent(p.userId, x.combinedOrderPaid(77, 7701));
    const report = await p.client.pollNow();
    expect(report).toMatchObject({ recorded: 1, ignored: 1, granted: 0, acked: 2 });
    expect(await p.client.inventory.balances()).toEqual({});
    expect(p.emitted('ignored')).toEqual([expect.objectContaining({ eventId: paid, reason: 'revoked-before-grant' })]);
    expect(p.processed()).toEqual([canceled, paid]);
  });

  it('applies events in ascending id order and pages through a long backlog with after_id', async () => {
    const p = player();
    for (let i = 1; i <= 8; i++)
      emulator.purchase({ userId: p.userId, items: [{ sku: 'coin', quantity: i }], mode: i % 2 ? 'combined' : 'separate' });
    const grantedOrder: number[] = [];
    p.client.on('granted', ({ eventId }) => grantedOrder.push(eventId));
    const report = await p.client.pollNow();
    expect(report.granted).toBe(8);
    expect(report.pages).toBeGreaterThanOrEqual(4);
    expect(await p.client.inventory.balance('coin')).toBe(36);
    expect(grantedOrder).toEqual([...grantedOrder].sort((a, b) => a - b));
    expect(p.unprocessed()).toEqual([]);
  });

  it('keeps two players on one browser apart', async () => {
    const alice = player();
    const bob = player({ indexedDB: alice.profile });
    emulator.purchase({ userId: alice.userId, items: [{ sku: 'gold', quantity: 10 }] });
    await Promise.all([alice.client.pollNow(), bob.client.pollNow()]);
    expect(await alice.client.inventory.balance('gold')).toBe(10);
    expect(await bob.client.inventory.balances()).toEqual({});
  });

  it('grants __proto__ as an ordinary SKU', async () => {
    const p = player();
    emulator.purchase({
      userId: p.userId,
      items: [
        { sku: '__proto__', quantity: 3 },
        { sku: 'constructor', quantity: 1 },
      ],
    });
    await p.client.pollNow();
    const balances = await p.client.inventory.balances();
    expect(balances['__proto__']).toBe(3);
    expect(balances['constructor']).toBe(1);
    expect(Object.getPrototypeOf(balances)).toBeNull();
  });
});

describe('acks', () => {
  /** An axios instance whose POSTs fail before reaching the server (the tab lost the network). */
  function failingAcks(): AxiosInstance & { failing: boolean; posts: number } {
    const http = Object.assign(axios.create(), { failing: true, posts: 0 });
    http.interceptors.request.use((config) => {
      if (config.method?.toUpperCase() === 'POST') {
        http.posts++;
        if (http.failing) throw Object.assign(new Error('offline'), { code: 'ERR_NETWORK' });
      }
      return config;
    });
    return http;
  }

  it('acks only after the grant is committed', async () => {
    const p = player();
    const http = axios.create();
    const balanceAtAck: number[] = [];
    const observer = p.connect();
    http.interceptors.request.use(async (config) => {
      if (config.method?.toUpperCase() === 'POST') balanceAtAck.push(await observer.inventory.balance('gold'));
      return config;
    });
    const client = p.connect({ http });
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 5 }] });
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 5 }] });
    await client.pollNow();
    expect(balanceAtAck).toEqual([10, 10]);
  });

  it('a failed ack is retried on the next drain and the redelivered event is not granted twice', async () => {
    const p = player();
    const http = failingAcks();
    const client = p.connect({ http });
    const { eventIds } = emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 5 }] });
    expect(await client.pollNow()).toMatchObject({ granted: 1, acked: 0, ackFailed: 1 });
    expect(p.emitted('error')).toEqual([expect.objectContaining({ phase: 'ack' })]);
    expect(p.unprocessed()).toEqual(eventIds);

    http.failing = false;
    const retry = await client.pollNow();
    // The pending ack goes first; the event may also be redelivered before the server sees it.
    expect(retry.granted).toBe(0);
    expect(retry.acked).toBeGreaterThanOrEqual(1);
    expect(await client.inventory.balance('gold')).toBe(5);
    expect(p.processed()).toEqual(eventIds);
  });

  it('a crash after the commit and before the ack loses nothing and grants nothing twice', async () => {
    const p = player();
    const http = failingAcks();
    const crashed = p.connect({ http, retries: 0 });
    const { eventIds } = emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 5 }], mode: 'separate' });
    await crashed.pollNow();
    await crashed.close(); // the tab dies with both acks unsent

    const reloaded = p.connect();
    const report = await reloaded.pollNow();
    expect(report.granted).toBe(0);
    expect(await reloaded.inventory.balance('gold')).toBe(5);
    expect(p.processed()).toEqual(eventIds);
  });

  it('an ack whose response is lost after the server recorded it is not a problem', async () => {
    const p = player({ retries: 2 });
    emulator.setFaults({ dropAckResponseRate: 1 });
    const { eventIds } = emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 5 }] });
    const first = await p.client.pollNow();
    expect(first).toMatchObject({ granted: 1, ackFailed: 1 });
    expect(p.processed()).toEqual(eventIds);
    emulator.setFaults({ dropAckResponseRate: 0 });
    expect(await p.client.pollNow()).toMatchObject({ fetched: 0, acked: 1 });
    expect(await p.client.inventory.balance('gold')).toBe(5);
  });
});

describe('events that are not ours or not valid', () => {
  it('leaves another project’s event unapplied and unacked, and says so once', async () => {
    const p = player();
    const foreign = emulator.injectEvent(p.userId, { ...x.paymentWithLineItems(1, 501), settings: { project_id: 999, merchant_id: 1 } });
    const ours = emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] }).eventIds[0];
    expect(await p.client.pollNow()).toMatchObject({ granted: 1, ignored: 1, acked: 1 });
    expect(await p.client.pollNow()).toMatchObject({ fetched: 1, skipped: 1, ignored: 0, acked: 0 });
    expect(p.unprocessed()).toEqual([foreign]);
    expect(p.processed()).toEqual([ours]);
    expect(p.emitted('ignored')).toEqual([expect.objectContaining({ eventId: foreign, reason: 'other-project', quarantined: false })]);
    expect(await p.client.inventory.balances()).toEqual({ gold: 1 });
  });

  it('quarantines bad events and grants the rest of the batch', async () => {
    const p = player();
    const bad = [
      emulator.injectEvent(p.userId, { ...x.separateOrderPaid(5, 505), items: [{ sku: 'gold', quantity: -100 }] }),
      emulator.injectEvent(p.userId, { ...x.separateOrderPaid(6, 506), items: [{ sku: 'gold', quantity: 1e300 }] }),
      emulator.injectEvent(p.userId, { ...x.separateOrderPaid(7, 507), items: [{ sku: ['gold'], quantity: 1 }] }),
      emulator.injectEvent(p.userId, 'not an object'),
    ];
    const good = emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 2 }] }).eventIds[0];
    const unsupported = emulator.injectEvent(p.userId, x.userValidation());
    const report = await p.client.pollNow();
    expect(report).toMatchObject({ granted: 1, ignored: 5, acked: 2 });
    expect(await p.client.inventory.balances()).toEqual({ gold: 2 });
    expect(p.emitted('ignored').map(({ eventId, reason, quarantined }) => [eventId, reason, quarantined])).toEqual([
      [bad[0], 'invalid-quantity', true],
      [bad[1], 'invalid-quantity', true],
      [bad[2], 'invalid-sku', true],
      [bad[3], 'malformed-data', true],
      [unsupported, 'unsupported-type', false],
    ]);
    expect(p.processed()).toEqual([good, unsupported]);
    expect(await p.client.inventory.event(bad[0]!)).toMatchObject({ outcome: 'quarantined', reason: 'invalid-quantity' });
    expect(await p.client.pollNow()).toMatchObject({ skipped: 4, granted: 0, ignored: 0 });
  });

  it('records a partial refund, tells the game, acks it, and takes nothing back', async () => {
    const p = player();
    const { transactionId } = emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 100 }] });
    const partial = emulator.injectEvent(p.userId, x.partialRefund(Number(transactionId)));
    expect(await p.client.pollNow()).toMatchObject({ granted: 1, partialRefunds: 1, acked: 2 });
    expect(p.emitted('partialRefund')).toEqual([expect.objectContaining({ eventId: partial, transactionId: String(transactionId) })]);
    expect(await p.client.inventory.balance('gold')).toBe(100);
  });
});

describe('tokens', () => {
  it('answers a 401 by asking the token function again', async () => {
    const p = player();
    // Badly signed, not expired: only the server can tell, with a 401.
    const token = vi
      .fn()
      .mockReturnValueOnce(`${emulator.issueToken(p.userId)}x`)
      .mockImplementation(() => emulator.issueToken(p.userId));
    const client = p.connect({ token });
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] });
    expect(await client.pollNow()).toMatchObject({ granted: 1, acked: 1 });
    expect(token).toHaveBeenCalledTimes(2);
  });

  it('raises AuthError when even a fresh token is refused, and never shows the token', async () => {
    const p = player();
    const expired = emulator.issueToken(p.userId, -60);
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const client = p.connect({ token: expired });
    const failure = await client.pollNow().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AuthError);
    const error = failure as AuthError;
    expect(`${error.message} ${error.stack} ${JSON.stringify(error)}`).not.toContain(expired);
    expect(p.emitted('error')).toEqual([{ error, phase: 'poll' }]);
    expect(JSON.stringify(log.mock.calls)).not.toContain(expired);
    log.mockRestore();
  });

  it('refuses a token for another player instead of granting their purchase here', async () => {
    const p = player();
    const intruder = `intruder-${p.userId}`;
    let current = p.userId;
    const client = p.connect({ token: () => emulator.issueToken(current, current === p.userId ? 1 : 3600) });
    await client.pollNow();
    current = intruder;
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the first token expires: a 401 asks for another
    const { eventIds } = emulator.purchase({ userId: intruder, items: [{ sku: 'gold', quantity: 100 }] });
    await expect(client.pollNow()).rejects.toThrow(/another player/);
    expect(await client.inventory.balances()).toEqual({});
    expect(emulator.state(intruder).events.filter((event) => event.processed)).toEqual([]);
    expect(eventIds).toHaveLength(1);
  });

  it('accepts a userId of the game’s own that differs from the JWT’s sub', async () => {
    const p = player({ userId: 'save-slot-1' });
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 3 }] });
    expect(await p.client.pollNow()).toMatchObject({ granted: 1 });
    expect((await p.profile.databases()).map((db) => db.name)).toContain(`xsolla-getupdates:${emulator.projectId}:save-slot-1`);
  });

  it('pauses the loop when even a fresh token is refused, and setToken() resumes it', async () => {
    const p = player({ cadence: { intervalMs: 30 } });
    const client = p.connect({ token: () => `${emulator.issueToken(p.userId)}x` });
    client.start();
    await eventually(() => expect(p.emitted('status').at(-1)).toEqual({ status: 'paused', reason: 'auth' }));
    const errors = p.emitted('error').length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(p.emitted('error')).toHaveLength(errors); // no retry loop against a 401
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 7 }] });
    client.setToken(() => emulator.issueToken(p.userId));
    await eventually(async () => expect(await client.inventory.balance('gold')).toBe(7));
  });

  it('resumes when the game calls setToken() from its error handler during the failing drain', async () => {
    const p = player({ cadence: { intervalMs: 30 } });
    const client = p.connect({ token: () => `${emulator.issueToken(p.userId)}x` });
    client.on('error', ({ error }) => {
      if (error instanceof AuthError) client.setToken(() => emulator.issueToken(p.userId));
    });
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 3 }] });
    client.start();
    await eventually(async () => expect(await client.inventory.balance('gold')).toBe(3));
    expect(p.emitted('status')).not.toContainEqual({ status: 'paused', reason: 'auth' });
  });

  it('a loop stopped after an auth pause stays stopped when a token arrives', async () => {
    const p = player({ cadence: { intervalMs: 30 } });
    const client = p.connect({ token: () => `${emulator.issueToken(p.userId)}x` });
    client.start();
    await eventually(() => expect(p.emitted('status').at(-1)).toEqual({ status: 'paused', reason: 'auth' }));
    client.stop();
    client.setToken(() => emulator.issueToken(p.userId));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(p.emitted('status').at(-1)).toEqual({ status: 'paused', reason: 'auth' });
    expect(p.emitted('status').filter(({ status }) => status === 'polling')).toHaveLength(1);
  });

  it('scopes the database by the JWT’s sub when no userId is given', async () => {
    const p = player();
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 4 }] });
    await p.client.pollNow();
    const names = (await p.profile.databases()).map((db) => db.name);
    expect(names).toContain(`xsolla-getupdates:${emulator.projectId}:${p.userId}`);
  });
});

describe('a server that misbehaves', () => {
  it('reports garbage JSON as a ProtocolError and keeps going on the next drain', async () => {
    const p = player();
    const http = axios.create();
    let garbage = true;
    http.interceptors.response.use((response) => (garbage ? { ...response, data: '{"events": [oops' } : response));
    const client = p.connect({ http });
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] });
    await expect(client.pollNow()).rejects.toBeInstanceOf(ProtocolError);
    garbage = false;
    expect(await client.pollNow()).toMatchObject({ granted: 1 });
  });

  it('retries 5xx with backoff and honours Retry-After on 429', async () => {
    const p = player({ retries: 3 });
    emulator.setFaults({ errorRate: 1, status: 429, retryAfterS: 0 });
    let gets = 0;
    const http = axios.create();
    http.interceptors.request.use((config) => {
      if (config.method?.toUpperCase() === 'GET' && ++gets === 3) emulator.setFaults({ errorRate: 0 });
      return config;
    });
    const client = p.connect({ http, retries: 3 });
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] });
    expect(await client.pollNow()).toMatchObject({ granted: 1 });
    // Two refused GETs retried, then the one that finds the purchase (its page is short: the last).
    expect(gets).toBe(3);
  });
});

describe('polling', () => {
  it('watchOrder resolves once the order lands', async () => {
    const p = player({ cadence: { watchIntervalMs: 50 } });
    const future = String(Number(emulator.purchase({ userId: 'someone-else', items: [{ sku: 'x', quantity: 1 }] }).orderId) + 1);
    const watching = p.client.watchOrder(future);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { orderId } = emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 9 }] });
    expect(orderId).toBe(future);
    await expect(watching).resolves.toMatchObject({ orderId: String(orderId), status: 'granted' });
  });

  it('watchOrder can be aborted', async () => {
    const p = player({ cadence: { watchIntervalMs: 20 } });
    const controller = new AbortController();
    const watching = p.client.watchOrder(424242, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('gave up')), 100);
    await expect(watching).rejects.toThrow('gave up');
  });

  it('start() polls on its interval and stop() ends it', async () => {
    const p = player({ cadence: { intervalMs: 30 } });
    p.client.start();
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 3 }] });
    await eventually(async () => expect(await p.client.inventory.balance('gold')).toBe(3));
    // Stop while idle: stop() lets a drain already in flight finish, which could grant the next buy.
    await eventually(() => expect(p.emitted('status').at(-1)?.status).toBe('waiting'));
    p.client.stop();
    const statuses = p.emitted('status').map(({ status }) => status);
    expect(statuses).toContain('polling');
    expect(statuses.at(-1)).toBe('stopped');
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 3 }] });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await p.client.inventory.balance('gold')).toBe(3);
  });

  /** An axios instance that counts GET /events requests. */
  const countingGets = countingHttp;

  it('pauses while the page is hidden and drains at once when it is visible again', async () => {
    const signals = manualSignals();
    const http = countingGets();
    const p = player({ signals, http, cadence: { intervalMs: 60_000, returnWatchMs: 0 } });
    p.client.start();
    await eventually(() => expect(p.emitted('status').at(-1)).toEqual({ status: 'waiting', nextPollInMs: 60_000 }));
    signals.setVisible(false);
    await eventually(() => expect(p.emitted('status').at(-1)).toEqual({ status: 'paused', reason: 'hidden' }));
    const getsWhileHidden = http.gets;
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 4 }] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(http.gets).toBe(getsWhileHidden);
    signals.setVisible(true);
    await eventually(async () => expect(await p.client.inventory.balance('gold')).toBe(4));
  });

  it('pauses while offline and drains when the network returns', async () => {
    const signals = manualSignals({ online: false });
    const http = countingGets();
    const p = player({ signals, http, cadence: { intervalMs: 60_000 } });
    p.client.start();
    await eventually(() => expect(p.emitted('status').at(-1)).toEqual({ status: 'paused', reason: 'offline' }));
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 2 }] });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(http.gets).toBe(0);
    signals.setOnline(true);
    await eventually(async () => expect(await p.client.inventory.balance('gold')).toBe(2));
  });

  it('polls fast for a while after the player comes back (from Pay Station, say)', async () => {
    const signals = manualSignals();
    const p = player({ signals, cadence: { intervalMs: 60_000, watchIntervalMs: 50, returnWatchMs: 2_000 } });
    p.client.start();
    await eventually(() => expect(p.emitted('status').at(-1)).toEqual({ status: 'waiting', nextPollInMs: 60_000 }));
    signals.focus();
    await eventually(() => expect(p.emitted('status').at(-1)).toEqual({ status: 'waiting', nextPollInMs: 50 }));
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 6 }] });
    await eventually(async () => expect(await p.client.inventory.balance('gold')).toBe(6));
  });

  it('no wake (focus, online) polls before a Retry-After is over', async () => {
    const signals = manualSignals();
    const http = countingGets();
    const p = player({ signals, http, retries: 0, cadence: { intervalMs: 60_000 } });
    emulator.setFaults({ errorRate: 1, status: 429, retryAfterS: 120 });
    p.client.start();
    await eventually(() => expect(p.emitted('status').at(-1)).toMatchObject({ status: 'backing-off' }));
    const gets = http.gets;
    for (let i = 0; i < 5; i++) signals.focus();
    signals.setOnline(false);
    signals.setOnline(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(http.gets).toBe(gets);
  });

  it('watchOrder without a running loop honours Retry-After instead of polling every second', async () => {
    const http = countingGets();
    const p = player({ http, retries: 0, cadence: { watchIntervalMs: 50 } });
    emulator.setFaults({ errorRate: 1, status: 429, retryAfterS: 120 });
    const controller = new AbortController();
    const watching = p.client.watchOrder(123456, { signal: controller.signal }).catch(() => 'aborted');
    await new Promise((resolve) => setTimeout(resolve, 600));
    controller.abort();
    expect(await watching).toBe('aborted');
    expect(http.gets).toBe(1);
  });

  it('close() ends a pending watchOrder, and nothing polls afterwards', async () => {
    const http = countingGets();
    const p = player({ http, cadence: { watchIntervalMs: 30 } });
    const watching = p.client.watchOrder(654321).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await p.client.close();
    expect(await watching).toMatchObject({ message: 'this client is closed' });
    const gets = http.gets;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(http.gets).toBe(gets);
    await expect(p.client.pollNow()).rejects.toThrow('closed');
  });

  it('restarts cleanly after stop() while it could not yet reach its database', async () => {
    const signals = manualSignals({ online: false });
    let tokenWorks = false;
    const p = player({ signals, cadence: { errorBackoff: { baseDelayMs: 20, maxDelayMs: 40 } } });
    const client = p.connect({
      token: () => {
        if (!tokenWorks) throw new Error('login server down');
        return emulator.issueToken(p.userId);
      },
    });
    client.start();
    // It says why it cannot run, instead of backing off in silence.
    await eventually(() => expect(p.emitted('status').at(-1)).toEqual({ status: 'paused', reason: 'auth' }));
    expect(p.emitted('error')).toEqual([{ phase: 'poll', error: expect.objectContaining({ name: 'AuthError' }) }]);
    client.stop();
    tokenWorks = true;
    client.start();
    await eventually(() => expect(p.emitted('status').at(-1)).toEqual({ status: 'paused', reason: 'offline' }));
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] });
    signals.setOnline(true);
    await eventually(async () => expect(await client.inventory.balance('gold')).toBe(1));
  });

  it('keeps polling through errors, backing off', async () => {
    const p = player({ cadence: { intervalMs: 20, errorBackoff: { baseDelayMs: 10, maxDelayMs: 40, maxRetryAfterMs: 100 } }, retries: 0 });
    emulator.setFaults({ errorRate: 1, status: 500 });
    p.client.start();
    await eventually(() => expect(p.emitted('error').length).toBeGreaterThanOrEqual(2));
    expect(p.emitted('status').map(({ status }) => status)).toContain('backing-off');
    emulator.setFaults({ errorRate: 0 });
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] });
    await eventually(async () => expect(await p.client.inventory.balance('gold')).toBe(1));
  });

  it('concurrent pollNow calls share one drain and never double-apply', async () => {
    const p = player();
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] });
    const reports = await Promise.all([p.client.pollNow(), p.client.pollNow(), p.client.pollNow()]);
    expect(reports.reduce((sum, report) => sum + report.granted, 0)).toBe(1);
    expect(await p.client.inventory.balance('gold')).toBe(1);
  });

  it('consume() emits changed and throws when short', async () => {
    const p = player();
    emulator.purchase({ userId: p.userId, items: [{ sku: 'potion', quantity: 2 }] });
    await p.client.pollNow();
    expect(await p.client.inventory.consume('potion', 2)).toBe(0);
    await expect(p.client.inventory.consume('potion', 1)).rejects.toMatchObject({ name: 'InsufficientBalanceError' });
    expect(p.emitted('changed').at(-1)).toEqual({ skus: ['potion'], source: 'consume' });
  });
});

describe('game handlers that throw', () => {
  it('do not stop the other notifications of a drain, which are reported as handler errors', async () => {
    const p = player();
    const granted: number[] = [];
    let first = true;
    p.client.on('granted', () => {
      if (first) {
        first = false;
        throw new Error('game bug');
      }
    });
    p.client.on('granted', ({ eventId }) => granted.push(eventId));
    const a = emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] }).eventIds[0];
    const b = emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 1 }] }).eventIds[0];
    expect(await p.client.pollNow()).toMatchObject({ granted: 2, acked: 2 });
    expect(granted).toEqual([a, b]);
    const [{ error, phase }] = p.emitted('error') as [ClientEvents['error']];
    expect(phase).toBe('handler');
    // Typed like every other error event, so that a handler reads `error.name` without narrowing.
    expect(error).toBeInstanceOf(HandlerError);
    expect(error).toMatchObject({ name: 'HandlerError', message: expect.stringContaining('game bug'), cause: new Error('game bug') });
  });

  it('do not stop the polling loop', async () => {
    const p = player({ cadence: { intervalMs: 20 } });
    p.client.on('status', () => {
      throw new Error('status handler bug');
    });
    p.client.start();
    emulator.purchase({ userId: p.userId, items: [{ sku: 'gold', quantity: 2 }] });
    await eventually(async () => expect(await p.client.inventory.balance('gold')).toBe(2));
    expect(p.emitted('error').some(({ phase }) => phase === 'handler')).toBe(true);
  });
});

describe('options', () => {
  it('rejects a project id that is not a positive integer', () => {
    expect(() => createGetUpdatesClient({ projectId: 'abc', token: 't' })).toThrow(/projectId/);
    expect(() => createGetUpdatesClient({ projectId: -1, token: 't' })).toThrow(/projectId/);
  });
});
