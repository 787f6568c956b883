/** For browser-mode tests: the emulator vitest serves, its admin API, and clients closed after each test. */
import { afterEach, inject } from 'vitest';
import type { GetUpdatesClient } from '../../src';

export const url = inject('emulatorUrl');

/** One call to the emulator's admin API: a GET without a body, a POST of `body` as JSON. */
export async function admin<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}/__emulator/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json() as Promise<T>;
}

/** A list to push the test file's clients onto; each is closed after its test. */
export function clientsClosedAfterEach(): GetUpdatesClient[] {
  const clients: GetUpdatesClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  return clients;
}
