/** For browser-mode tests: the emulator vitest serves, and its admin API. */
import { inject } from 'vitest';

export const url = inject('emulatorUrl');

/** One call to the emulator's admin API: a GET without a body, a POST of `body` as JSON. */
export async function admin<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}/__emulator/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json() as Promise<T>;
}
