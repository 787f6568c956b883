import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createGetUpdatesClient } from '../src';
import { startEmulator, type Emulator } from '../src/emulator';
import { selfSignedCertificate } from './support/self-signed';
import { eventually } from './support/eventually';

const ROUND_TRIP_MS = 600;
let slow: Emulator;
let plain: Emulator;
beforeAll(async () => {
  [slow, plain] = await Promise.all([startEmulator({ roundTripMs: ROUND_TRIP_MS }), startEmulator({ preflightMaxAgeS: null })]);
});
afterAll(() => Promise.all([slow.close(), plain.close()]));

const eventsOf = async (emulator: Emulator, token: string) => {
  const response = await fetch(`${emulator.url}/events?project_id=${emulator.projectId}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return ((await response.json()) as { events: Array<{ id: number }> }).events.map((event) => event.id);
};
const stats = async (emulator: Emulator) =>
  (await (await fetch(`${emulator.url}/__emulator/stats`)).json()) as { byMethod: Record<string, number> };
const preflight = (emulator: Emulator, path: string) =>
  fetch(`${emulator.url}${path}`, {
    method: 'OPTIONS',
    headers: {
      Origin: 'http://localhost:5173',
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'authorization',
    },
  });

describe('the emulated network', () => {
  it('serves each request half a round trip after it was sent, and answers half a trip later', async () => {
    const token = slow.issueToken('n1');
    const before = (await stats(slow)).byMethod.GET ?? 0;
    // Paid before the GET can have reached the server: in the answer.
    const started = performance.now();
    const first = eventsOf(slow, token);
    const early = slow.purchase({ userId: 'n1', items: [{ sku: 'gold', quantity: 1 }] }).eventIds;
    expect(await first).toEqual(early);
    expect(performance.now() - started).toBeGreaterThanOrEqual(ROUND_TRIP_MS - 5);

    // Paid once the server has served the GET (its answer still on the way): not in it, in the next.
    const second = eventsOf(slow, token);
    while (((await stats(slow)).byMethod.GET ?? 0) < before + 2) await new Promise((resolve) => setTimeout(resolve, 5));
    const late = slow.purchase({ userId: 'n1', items: [{ sku: 'gold', quantity: 1 }] }).eventIds;
    expect(await second).toEqual(early);
    expect(await eventsOf(slow, token)).toEqual([...early, ...late]);
  });

  it('never delays the admin endpoints: they answer while a player’s request is still on the line', async () => {
    let answered = false;
    const held = eventsOf(slow, slow.issueToken('n2')).then(() => (answered = true));
    await fetch(`${slow.url}/__emulator/token`, { method: 'POST', body: JSON.stringify({ userId: 'n2' }) });
    expect(answered).toBe(false);
    await held;
  });

  it('counts CORS preflights by method, delays them like any request, and says how long a browser may keep them', async () => {
    const before = (await stats(slow)).byMethod.OPTIONS ?? 0;
    const started = performance.now();
    const answer = await preflight(slow, `/events/1/processed?project_id=${slow.projectId}`);
    expect(performance.now() - started).toBeGreaterThanOrEqual(ROUND_TRIP_MS - 5);
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-max-age')).toBe('7200');
    expect(answer.headers.get('timing-allow-origin')).toBe('*');
    expect((await stats(slow)).byMethod.OPTIONS).toBe(before + 1);

    const unannounced = await preflight(plain, '/events');
    expect(unannounced.status).toBe(204);
    expect(unannounced.headers.has('access-control-max-age')).toBe(false);
    expect((await stats(plain)).byMethod).toMatchObject({ OPTIONS: 1 });
  });
});

describe('the order-status socket on the emulated line', () => {
  it('a publication reaches the player half a round trip after the payment', async () => {
    const userId = 'n3';
    const client = createGetUpdatesClient({
      projectId: slow.projectId,
      baseUrl: slow.url,
      token: slow.issueToken(userId),
      indexedDB: new IDBFactory(),
      locks: null,
      orderStatus: { url: `${slow.url.replace('http', 'ws')}/connection/websocket`, websocket: WebSocket },
    });
    const heard: Array<{ orderId: string; status: string; at: number }> = [];
    client.on('orderStatus', ({ orderId, status }) => heard.push({ orderId, status, at: performance.now() }));
    client.start();
    // Subscribed once a first payment is heard; the second one is the one timed.
    await vi.waitFor(
      () => {
        slow.purchase({ userId, items: [{ sku: 'gold', quantity: 1 }] });
        expect(heard.some(({ status }) => status === 'paid')).toBe(true);
      },
      { timeout: 30_000, interval: ROUND_TRIP_MS },
    );
    const paidAt = performance.now();
    const orderId = String(slow.purchase({ userId, items: [{ sku: 'gold', quantity: 1 }] }).orderId);
    const paid = () => heard.find((status) => status.orderId === orderId && status.status === 'paid');
    await eventually(() => expect(paid()).toBeDefined());
    expect(paid()!.at - paidAt).toBeGreaterThanOrEqual(ROUND_TRIP_MS / 2 - 5);
    await client.close();
  });
});

describe('the emulated line under HTTP/2', () => {
  it('holds the head with the body, though an HTTP/2 server would send it at once', async () => {
    const server = createSecureServer({ ...selfSignedCertificate(), allowHTTP1: true }, (request, response) =>
      slow.handle(request as unknown as IncomingMessage, response as unknown as ServerResponse),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const session = connect(`https://127.0.0.1:${(server.address() as AddressInfo).port}`, { rejectUnauthorized: false });
    const started = performance.now();
    const stream = session.request({ ':path': `/events?project_id=${slow.projectId}`, authorization: `Bearer ${slow.issueToken('n4')}` });
    const headAfter = await new Promise<number>((resolve) => stream.on('response', () => resolve(performance.now() - started)));
    stream.resume();
    await new Promise((resolve) => stream.on('end', resolve));
    expect(headAfter).toBeGreaterThanOrEqual(ROUND_TRIP_MS - 5);
    session.close();
    await new Promise((resolve) => server.close(resolve));
  });
});
