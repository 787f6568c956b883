/**
 * Buyers for purchase tests: players whose clients run on a virtual clock against a running
 * emulator. Their Create order requests reach the emulator's own Store API route (DESIGN.md
 * §2d), as a game's do: it opens the order unpaid and answers `{order_id, token}`, or refuses
 * a SKU its catalog does not have with a 404 in Xsolla's error shape. Each buyer records what
 * it asked for and what the emulator answered. Clients made here are closed after each test.
 */
import { expect } from 'vitest';
import type { GetUpdatesClient, GetUpdatesClientOptions } from '../../src';
import type { Emulator } from '../../src/emulator';
import { clientsClosedAfterEach } from './closed-after-each';
import { countedHttp } from './counted-http';
import { recordEmitted } from './emitted';
import { eventually } from './eventually';
import { soloPlayer } from './solo-player';
import { VirtualClock } from './virtual-clock';

export type Buyer = ReturnType<ReturnType<typeof buyersOf>>;

/** `buyer()` for the emulator `current()` returns; registers the clean-up for the test file. */
export function buyersOf(current: () => Emulator) {
  const clients = clientsClosedAfterEach();
  return (options: Partial<GetUpdatesClientOptions> = {}) => buyer(current(), clients, options);
}

/** Create order's path; its last part is the SKU. */
const CREATE_ORDER = /\/v2\/project\/\d+\/payment\/item\/([^/]+)$/;

/** One Create order request: what was asked, and what the emulator's answer named (none if refused). */
interface CreatedOrder {
  sku: string;
  body: unknown;
  url: string;
  orderId?: string;
  /** The Pay Station token it was given. */
  token?: string;
}

/**
 * A player whose client runs on a virtual clock. Its Create order requests are recorded on their
 * way to the emulator; with `eventsApiOff`, GetUpdates lists nothing (a project that never turned
 * the Events API on), while Get order still tells the truth; with `refuseToken`, GetUpdates
 * answers 401.
 */
function buyer(emulator: Emulator, clients: GetUpdatesClient[], options: Partial<GetUpdatesClientOptions>) {
  const clock = new VirtualClock();
  const created: CreatedOrder[] = [];
  /** The record of each Create order request, for its response to fill in. */
  const creating = new WeakMap<object, CreatedOrder>();
  const acks: string[] = [];
  const { http, requests, settle } = countedHttp((config) => {
    const url = String(config.url);
    const answer = (status: number, body: unknown) =>
      (config.adapter = async () => ({ status, statusText: '', headers: {}, config, data: JSON.stringify(body) }));
    const createOrder = CREATE_ORDER.exec(url);
    if (createOrder && config.method?.toUpperCase() === 'POST') {
      const request: CreatedOrder = { sku: decodeURIComponent(createOrder[1]!), body: config.data, url };
      created.push(request);
      creating.set(config, request);
    } else if (config.method?.toUpperCase() === 'GET' && url.endsWith('/events')) {
      if (state.eventsApiOff) answer(200, { events: [] });
      if (state.refuseToken) answer(401, { error: { description: 'token expired' } });
    }
    if (url.endsWith('/processed')) acks.push(url);
    return config;
  });
  http.interceptors.response.use((response) => {
    const request = creating.get(response.config);
    if (request && response.status === 200) {
      const { order_id, token } = JSON.parse(String(response.data)) as { order_id: number; token: string };
      Object.assign(request, { orderId: String(order_id), token });
    }
    return response;
  });
  /** The request counts, and what the test may switch: GetUpdates off, the token refused. */
  const state = Object.assign(requests, { eventsApiOff: false, refuseToken: false });
  const { userId, client } = soloPlayer(emulator, 'buyer', { http, clock, ...options });
  clients.push(client);
  const emitted = recordEmitted(client);
  /**
   * Moves the virtual clock on by `ms`, letting what each timer starts finish; first, what is in
   * flight (a Get order answered only then sets the timer of the next one).
   */
  const advance = async (ms: number) => {
    await settle();
    await clock.runUntil(clock.now() + ms, settle);
  };
  /**
   * Waits until `check` passes, moving the virtual clock on a second at a time (at most
   * `withinMs`) between real waits: what a timer starts may take a while on a busy machine.
   */
  const until = (check: () => unknown, withinMs = 300_000) => {
    const end = clock.now() + withinMs;
    return eventually(async () => {
      if (clock.now() < end) await advance(1_000);
      await check();
    });
  };
  /** Acks sent for each event id. */
  const acksOf = (eventId: number) => acks.filter((url) => url.includes(`/events/${eventId}/processed`)).length;
  const grantsOf = (orderId: string) => emitted('granted').filter((granted) => granted.orderId === orderId);
  /** Waits until Pay Station shows the order and the watch of it has begun (a request after Create order). */
  const shown = async (view: { url?: string }) => {
    await eventually(() => expect(view.url).toBeDefined());
    await eventually(() => expect(state.total).toBeGreaterThan(created.length));
  };
  return { userId, client, clock, created, state, emitted, advance, until, acksOf, grantsOf, shown };
}

/** A promise whose outcome the test can look at without waiting on it. */
export function track<T>(promise: Promise<T>) {
  const tracked = { promise, done: false, value: undefined as T | undefined, error: undefined as unknown };
  promise.then(
    (value) => Object.assign(tracked, { done: true, value }),
    (error: unknown) => Object.assign(tracked, { done: true, error }),
  );
  return tracked;
}
