import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { planEvent } from '../src/events/parse';
import type { GrantedEvent } from '../src';
import { NO_FAULTS, startEmulator, type Emulator } from '../src/emulator';
import { soloPlayer } from './support/solo-player';
import { eventually } from './support/eventually';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ pageSize: 2 });
});
afterAll(() => emulator.close());

const api = (path: string, init: RequestInit & { token?: string } = {}) =>
  fetch(`${emulator.url}${path}`, {
    ...init,
    headers: { ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}), ...init.headers },
  });
const post = (path: string, body: unknown) => api(path, { method: 'POST', body: JSON.stringify(body) });

describe('the emulator', () => {
  it('issues tokens and serves only the bearer’s unprocessed events, a page at a time', async () => {
    const { token } = await (await post('/__emulator/token', { userId: 'e1' })).json();
    emulator.purchase({ userId: 'e1', items: [{ sku: 'a', quantity: 1 }], mode: 'separate' });
    emulator.purchase({ userId: 'e1', items: [{ sku: 'b', quantity: 1 }] });
    emulator.purchase({ userId: 'e2', items: [{ sku: 'c', quantity: 1 }] });
    const first = await (await api(`/events?project_id=${emulator.projectId}`, { token })).json();
    expect(first.events.map((e: { data: { notification_type: string } }) => e.data.notification_type)).toEqual(['payment', 'order_paid']);
    const after = first.events[1].id;
    const second = await (await api(`/events?project_id=${emulator.projectId}&after_id=${after}`, { token })).json();
    expect(second.events).toHaveLength(1);
    expect(second.events[0]).toMatchObject({ status: 0, created_at: expect.any(String) });

    expect((await api(`/events/${after}/processed?project_id=${emulator.projectId}`, { method: 'POST', token })).status).toBe(204);
    expect(emulator.state('e1').events.find((e) => e.id === after)).toMatchObject({ processed: true, processedAt: expect.any(String) });
    const typed = await (await api(`/events?project_id=${emulator.projectId}&types=payment`, { token })).json();
    expect(typed.events.map((e: { data: { notification_type: string } }) => e.data.notification_type)).toEqual(['payment']);
  });

  it('refuses bad, expired or missing tokens with 401, and the wrong project with 400', async () => {
    expect((await api(`/events?project_id=${emulator.projectId}`)).status).toBe(401);
    expect((await api(`/events?project_id=${emulator.projectId}`, { token: emulator.issueToken('e1', -1) })).status).toBe(401);
    expect((await api(`/events?project_id=${emulator.projectId}`, { token: `${emulator.issueToken('e1')}x` })).status).toBe(401);
    expect((await api('/events?project_id=1', { token: emulator.issueToken('e1') })).status).toBe(400);
  });

  it('answers CORS preflights so the demo page can call it', async () => {
    const response = await api('/events', { method: 'OPTIONS', headers: { Origin: 'http://localhost:5173' } });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toContain('Authorization');
  });

  it('produces payloads our parser reads as one order in both generations', () => {
    for (const mode of ['combined', 'separate'] as const) {
      const { eventIds, orderId } = emulator.purchase({ userId: 'e3', items: [{ sku: 'gold', quantity: 5 }], mode });
      const refund = emulator.refund(orderId);
      const events = emulator.state('e3').events.filter((e) => [...eventIds, ...refund.eventIds].includes(e.id));
      const plans = events.map((e) =>
        planEvent((e.data as { notification_type: string }).notification_type, e.data, String(emulator.projectId)),
      );
      expect(plans.every((plan) => 'keys' in plan && plan.keys.orderId === String(orderId))).toBe(true);
      expect(plans.map((plan) => plan.kind)).toEqual(mode === 'combined' ? ['grant', 'revoke'] : ['grant', 'grant', 'revoke', 'revoke']);
    }
  });

  it('rejects bad admin input with 4xx and a reason', async () => {
    expect((await post('/__emulator/purchase', { userId: 'e1', items: [{ sku: 'a', quantity: -1 }] })).status).toBe(400);
    expect((await post('/__emulator/refund', { orderId: 1 })).status).toBe(404);
    expect((await post('/__emulator/faults', { errorRate: 2 })).status).toBe(400);
    expect((await api('/__emulator/token', { method: 'POST', body: '{not json' })).status).toBe(400);
    const { orderId } = emulator.purchase({ userId: 'e1', items: [{ sku: 'a', quantity: 1 }] });
    emulator.refund(orderId);
    expect((await post('/__emulator/refund', { orderId })).status).toBe(409);
  });

  it('injects faults: errors with Retry-After, and acks whose response is dropped', async () => {
    const token = emulator.issueToken('e4');
    emulator.setFaults({ errorRate: 1, status: 429, retryAfterS: 2 });
    const limited = await api(`/events?project_id=${emulator.projectId}`, { token });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    emulator.setFaults({ errorRate: 0, dropAckResponseRate: 1 });
    const [id] = emulator.purchase({ userId: 'e4', items: [{ sku: 'a', quantity: 1 }] }).eventIds;
    await expect(api(`/events/${id}/processed?project_id=${emulator.projectId}`, { method: 'POST', token })).rejects.toThrow();
    expect(emulator.state('e4').events[0]?.processed).toBe(true);
    emulator.setFaults({ dropAckResponseRate: 0, retryAfterS: undefined });
  });
});

describe('one id, one type: the emulator answers order and transaction ids as the client names them', () => {
  it('a game compares granted.orderId === orderId from the emulator’s purchase() and it matches', async () => {
    const { userId, client } = soloPlayer(emulator, 'same-ids');
    try {
      const granted: GrantedEvent[] = [];
      client.on('granted', (event) => granted.push(event));
      for (const mode of ['combined', 'separate'] as const) {
        const { orderId, transactionId, eventIds } = emulator.purchase({ userId, items: [{ sku: 'gold', quantity: 5 }], mode });
        await client.pollNow();
        const mine = granted.filter((event) => event.orderId === orderId);
        expect(mine).toHaveLength(1);
        expect(mine[0]!.transactionId === transactionId).toBe(true);
        expect(eventIds.includes(mine[0]!.eventId)).toBe(true);
        expect((await client.inventory.order(orderId))?.orderId === orderId).toBe(true);
        expect((await client.inventory.order(transactionId))?.transactionId === transactionId).toBe(true);
      }
    } finally {
      await client.close();
    }
  });

  it('answers ids as strings over HTTP and in state(), and takes an order id as a string or a number', async () => {
    const bought = await (await post('/__emulator/purchase', { userId: 'ids', items: [{ sku: 'a', quantity: 1 }], pending: true })).json();
    expect(bought).toEqual({ orderId: expect.any(String), transactionId: expect.any(String), eventIds: [] });
    const paid = await (await post('/__emulator/pay', { orderId: Number(bought.orderId) })).json();
    expect(paid).toEqual({ eventIds: [expect.any(Number)] });
    const refunded = await (await post('/__emulator/refund', { orderId: bought.orderId })).json();
    expect(refunded).toEqual({ eventIds: [expect.any(Number)] });
    const [order] = emulator.state('ids').orders;
    expect(order).toMatchObject({ orderId: bought.orderId, transactionId: bought.transactionId, status: 'canceled' });

    const pending = emulator.purchase({ userId: 'ids', items: [{ sku: 'a', quantity: 1 }], pending: true });
    expect(emulator.pay(Number(pending.orderId)).eventIds).toHaveLength(1);
    expect(emulator.refund(pending.orderId).eventIds).toHaveLength(1);
    // The events keep Xsolla's own types: numbers in the webhook-shaped data.
    const [paidEvent] = emulator.state('ids').events;
    expect((paidEvent!.data as { order: { id: unknown } }).order.id).toBe(Number(bought.orderId));
  });
});

describe('closing', () => {
  it('close() during a long injected latency resolves at once, and the waiting request is answered', { timeout: 60_000 }, async () => {
    const slow = await startEmulator();
    slow.setFaults({ latencyMs: 60_000 });
    const waiting = fetch(`${slow.url}/events?project_id=${slow.projectId}`, {
      headers: { Authorization: `Bearer ${slow.issueToken('c1')}` },
    }).then(
      (response) => response.status,
      () => 'connection closed',
    );
    // The request is in: counted, and now waiting out the latency.
    await eventually(async () => expect((await (await fetch(`${slow.url}/__emulator/stats`)).json()).requests).toBe(1));
    const started = Date.now();
    await slow.close();
    // Far below the latency, and far above what a busy machine needs to close.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect([503, 'connection closed']).toContain(await waiting);
  });
});

describe('ids across restarts', () => {
  afterEach(() => vi.useRealTimers());
  const buy = (emulator: Emulator) => emulator.purchase({ userId: 'restarted', items: [{ sku: 'gold', quantity: 1 }], mode: 'separate' });
  // Ahead of the clock the other emulators of this file started on.
  const later = (ms: number) => Date.now() + 60_000 + ms;
  // Order and transaction ids are strings of a number, as the client names them.
  const idsOf = ({ orderId, transactionId, eventIds }: ReturnType<typeof buy>) => [Number(orderId), Number(transactionId), ...eventIds];

  it('a restarted emulator (a new process) never reuses the order, transaction and event ids a profile has seen', async () => {
    const startedAt = later(0);
    vi.useFakeTimers({ toFake: ['Date'], now: startedAt });
    const first = await startEmulator();
    const before = [buy(first), buy(first)];
    await first.close();
    // A new process remembers nothing but the clock: load the emulator afresh, a second later.
    vi.setSystemTime(startedAt + 1000);
    vi.resetModules();
    const restarted = await (await import('../src/emulator')).startEmulator();
    const after = buy(restarted);
    await restarted.close();

    expect(Number(after.orderId)).toBeGreaterThan(Math.max(...before.map((p) => Number(p.orderId))));
    expect(Number(after.transactionId)).toBeGreaterThan(Math.max(...before.map((p) => Number(p.transactionId))));
    expect(Math.min(...after.eventIds)).toBeGreaterThan(Math.max(...before.flatMap((p) => p.eventIds)));
    expect([...before.flatMap(idsOf), ...idsOf(after)].every(Number.isSafeInteger)).toBe(true);
    // No id is two kinds of thing: an order is looked up by order id or transaction id.
    expect(new Set([...before, after].flatMap((p) => [p.orderId, p.transactionId])).size).toBe(6);
  });

  it('two emulators started in the same millisecond of one process never hand out the same id', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: later(0) });
    const [a, b] = await Promise.all([startEmulator(), startEmulator()]);
    const bought = [buy(a), buy(b), buy(a), buy(b)];
    await Promise.all([a.close(), b.close()]);
    for (const kind of ['orderId', 'transactionId'] as const) expect(new Set(bought.map((p) => p[kind])).size).toBe(4);
    expect(new Set(bought.flatMap((p) => p.eventIds)).size).toBe(8);
    // Restarted in the same process within the same millisecond: still above what it handed out.
    const again = await startEmulator();
    expect(Number(buy(again).orderId)).toBeGreaterThan(Math.max(...bought.map((p) => Number(p.orderId))));
    await again.close();
  });
});

describe('undocumented server behaviours, switched on', () => {
  afterEach(() => emulator.setFaults(NO_FAULTS));
  const events = (token: string, query = '') => api(`/events?project_id=${emulator.projectId}${query}`, { token });
  const ack = (token: string, id: number) => api(`/events/${id}/processed?project_id=${emulator.projectId}`, { method: 'POST', token });

  it('a server that ignores after_id lists from the oldest unprocessed event', async () => {
    const token = emulator.issueToken('b1');
    for (const sku of ['a', 'b', 'c']) emulator.purchase({ userId: 'b1', items: [{ sku, quantity: 1 }] });
    const [first] = (await (await events(token)).json()).events;
    expect((await (await events(token, `&after_id=${first.id}`)).json()).events[0].id).toBeGreaterThan(first.id);
    emulator.setFaults({ ignoreAfterId: true });
    expect((await (await events(token, `&after_id=${first.id}`)).json()).events[0].id).toBe(first.id);
  });

  it.each([200, 204, 404] as const)('acks of unknown and already-acked ids can answer %i', async (status) => {
    const token = emulator.issueToken('b2');
    const [id] = emulator.purchase({ userId: 'b2', items: [{ sku: 'a', quantity: 1 }] }).eventIds;
    expect((await ack(token, id!)).status).toBe(204);
    expect((await ack(token, id!)).status).toBe(204); // today: an already-acked id
    expect((await ack(token, 1)).status).toBe(404); // today: an unknown id
    emulator.setFaults({ repeatAckStatus: status, unknownAckStatus: status });
    for (const answer of [await ack(token, id!), await ack(token, 1)]) {
      expect(answer.status).toBe(status);
      if (status === 404) expect(await answer.json()).toEqual({ error: { code: '404', description: expect.any(String) } });
    }
    expect(emulator.state('b2').events.find((event) => event.id === id)).toMatchObject({ processed: true });
  });

  it('a server that answers a bad or expired token with 403', async () => {
    emulator.setFaults({ authFailureStatus: 403 });
    for (const token of [emulator.issueToken('b3', -10), `${emulator.issueToken('b3')}x`, '']) {
      const answer = await events(token);
      expect(answer.status).toBe(403);
      expect(await answer.json()).toEqual({ error: { code: '403', description: expect.any(String) } });
    }
    expect((await events(emulator.issueToken('b3'))).status).toBe(200);
  });

  it('takes the switches over HTTP, validated, and reports them', async () => {
    const switches = { ignoreAfterId: true, repeatAckStatus: 200, unknownAckStatus: 204, authFailureStatus: 403 };
    expect((await post('/__emulator/faults', switches)).status).toBe(200);
    expect(await (await api('/__emulator/faults')).json()).toMatchObject(switches);
    for (const bad of [
      { ignoreAfterId: 'yes' },
      { repeatAckStatus: 500 },
      { unknownAckStatus: '404' },
      { authFailureStatus: 400 },
      { ignoreAfterID: true },
    ]) {
      const answer = await post('/__emulator/faults', bad);
      expect(answer.status).toBe(400);
      expect((await answer.json()).error.description).toContain(Object.keys(bad)[0]);
    }
    expect(() => emulator.setFaults({ authFailureStatus: 500 as 401 })).toThrow(/authFailureStatus/);
    expect(await (await api('/__emulator/faults')).json()).toMatchObject(switches);
    expect(emulator.setFaults(NO_FAULTS)).toMatchObject({
      ignoreAfterId: false,
      repeatAckStatus: 204,
      unknownAckStatus: 404,
      authFailureStatus: 401,
    });
  });
});
