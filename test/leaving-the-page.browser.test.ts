/**
 * A player who leaves the game's page for another page of the site (or closes the tab) while the
 * ledger writes. WebKit keeps the page in its back/forward cache with a readwrite transaction
 * frozen half-way, and every later readwrite transaction of the origin waits for it: the next
 * page's drain never ends (seen in WebKitGTK 2.50). Leaving must end what runs: the write is
 * aborted (nothing of it persists, its events come back and are deduplicated), the connection
 * closed, and the next write (on returning, `pageshow`) opens a new one.
 */
import { promisifyRequest } from 'idb-keyval';
import { expect, it } from 'vitest';
import { StorageError } from '../src/errors';
import { openDatabase } from '../src/store/database';

it('leaving the page mid-write aborts the write and closes the connection; coming back writes again', async () => {
  const db = openDatabase(indexedDB, `leaving-${crypto.randomUUID()}`);
  let written = 0;
  const halfWay = new Promise<void>((resolve) => {
    void db
      .transact('readwrite', ['meta'], async (tx) => {
        for (let i = 1; i <= 1000; i++) {
          await promisifyRequest(tx.objectStore('meta').put(i, 'counter'));
          written = i;
          if (i === 10) resolve();
        }
      })
      .then(
        () => (outcome = 'committed'),
        (error: unknown) => (outcome = error),
      );
  });
  let outcome: unknown = 'running';
  await halfWay;
  dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));

  await expect.poll(() => outcome).not.toBe('running');
  expect(outcome).toBeInstanceOf(StorageError);
  expect(written).toBeLessThan(1000);

  dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
  const read = () => db.transact('readonly', ['meta'], (tx) => promisifyRequest(tx.objectStore('meta').get('counter')));
  expect(await read()).toBeUndefined(); // nothing of the aborted write persisted
  await db.transact('readwrite', ['meta'], (tx) => promisifyRequest(tx.objectStore('meta').put(1, 'counter')));
  expect(await read()).toBe(1);
  await db.close();
});
