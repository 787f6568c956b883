import { afterEach } from 'vitest';
import type { GetUpdatesClient } from '../../src';

/** A list to push a test file's clients onto; each is closed after its test. */
export function clientsClosedAfterEach(): GetUpdatesClient[] {
  const clients: GetUpdatesClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  return clients;
}
