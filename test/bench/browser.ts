/** The benchmark's browser half, imported by the page (real Chromium IndexedDB, same-origin emulator). */
import { benchDrain } from './drain';

const admin = async <T>(path: string, body?: unknown): Promise<T> =>
  (await fetch(`/__emulator/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) })).json() as Promise<T>;

export function drainInBrowser(events: number, run: string) {
  return benchDrain({ baseUrl: location.origin, projectId: 308077, indexedDB, events, admin }, run);
}
