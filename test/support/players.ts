/**
 * Players for client tests against a running emulator: each has their own browser profile
 * (a fake-indexeddb factory), records every notification its clients fire, and reads the
 * server's view of its events. Clients made here are closed after each test.
 */
import axios from 'axios';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach } from 'vitest';
import { createGetUpdatesClient, type ClientEvents, type GetUpdatesClient, type GetUpdatesClientOptions } from '../../src';
import type { Emulator } from '../../src/emulator';

export type Player = ReturnType<ReturnType<typeof playersOf>>;

/** `player()` for the emulator `current()` returns; registers the clean-up for the test file. */
export function playersOf(current: () => Emulator) {
  let players = 0;
  const clients: GetUpdatesClient[] = [];
  afterEach(async () => {
    current().setFaults({ errorRate: 0, latencyMs: 0, dropAckResponseRate: 0, retryAfterS: undefined, status: 503 });
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  return function player(options: Partial<GetUpdatesClientOptions> = {}) {
    const emulator = current();
    const userId = `player-${++players}-${Math.random().toString(36).slice(2, 8)}`;
    const profile = new IDBFactory();
    const seen: Array<[keyof ClientEvents, unknown]> = [];
    const connect = (overrides: Partial<GetUpdatesClientOptions> = {}) => {
      const client = createGetUpdatesClient({
        projectId: emulator.projectId,
        baseUrl: emulator.url,
        token: () => emulator.issueToken(userId),
        indexedDB: profile,
        retries: 1,
        ...options,
        ...overrides,
      });
      client.on('*' as never, ((type: keyof ClientEvents, payload: unknown) => seen.push([type, payload])) as never);
      clients.push(client);
      return client;
    };
    const processed = () =>
      emulator
        .state(userId)
        .events.filter((event) => event.processed)
        .map((event) => event.id);
    const unprocessed = () =>
      emulator
        .state(userId)
        .events.filter((event) => !event.processed)
        .map((event) => event.id);
    const emitted = <K extends keyof ClientEvents>(type: K) =>
      seen.filter(([t]) => t === type).map(([, payload]) => payload as ClientEvents[K]);
    return { userId, profile, connect, processed, unprocessed, emitted, client: connect() };
  };
}

/** An axios instance that counts the GETs and POSTs it sends. */
export function countingHttp() {
  const http = Object.assign(axios.create(), { gets: 0, posts: 0 });
  http.interceptors.request.use((config) => {
    if (config.method?.toUpperCase() === 'GET') http.gets++;
    if (config.method?.toUpperCase() === 'POST') http.posts++;
    return config;
  });
  return http;
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
