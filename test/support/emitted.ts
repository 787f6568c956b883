import type { ClientEvents, GetUpdatesClient } from '../../src';

/** Records every notification `client` fires; `emitted(type)` gives the payloads of one type, oldest first. */
export function recordEmitted(client: GetUpdatesClient) {
  const seen: Array<[keyof ClientEvents, unknown]> = [];
  client.on('*' as never, ((type: keyof ClientEvents, payload: unknown) => seen.push([type, payload])) as never);
  return <K extends keyof ClientEvents>(type: K) => seen.filter(([t]) => t === type).map(([, payload]) => payload as ClientEvents[K]);
}
