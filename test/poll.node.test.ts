/**
 * The polling loop, the drain and the shared drain on their own: a virtual clock, manual
 * signals and plain fakes stand in for time, the page and the network.
 */
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { manualSignals } from '../src';
import { AuthError, HttpError, StorageError } from '../src/errors';
import { drain, emptyReport } from '../src/poll/drain';
import { createPollLoop, type LoopStatus, type PollLoopOptions } from '../src/poll/loop';
import { createSharedDrain } from '../src/poll/shared-drain';
import { resolveCadence } from '../src/schedule/cadence';
import { openDatabase } from '../src/store/database';
import { createInventory } from '../src/store/inventory';
import { createLeaderElection } from '../src/tabs/leader';
import type { Transport } from '../src/transport/http';
import * as x from './fixtures/xsolla';
import { flush, VirtualClock } from './support/virtual-clock';

const cadence = resolveCadence({ intervalMs: 60_000, watchIntervalMs: 800, returnWatchMs: 0 });

/** A loop that polls alone (no Web Locks), with `drain` as its work, on a virtual clock. */
function loopWith(drainOnce: () => Promise<unknown>, overrides: Partial<PollLoopOptions> = {}) {
  const clock = new VirtualClock();
  const signals = manualSignals();
  const statuses: LoopStatus[] = [];
  const drains: number[] = [];
  const errors: unknown[] = [];
  const loop = createPollLoop({
    drain: () => (drains.push(clock.now()), drainOnce()),
    cadence,
    signals,
    election: async () => createLeaderElection('loop-test', null),
    isWatching: () => false,
    onStatus: (status) => statuses.push(status),
    onError: (error) => errors.push(error),
    clock,
    random: () => 0.5,
    ...overrides,
  });
  const runUntil = (ms: number) => clock.runUntil(ms, flush);
  return { loop, clock, signals, statuses, drains, errors, runUntil };
}

describe('the polling loop', () => {
  it('drains at once, then every interval', async () => {
    const t = loopWith(async () => undefined);
    t.loop.start();
    await flush();
    await t.runUntil(180_000);
    expect(t.drains).toEqual([0, 60_000, 120_000, 180_000]);
    t.loop.stop();
    expect(t.statuses.at(-1)).toEqual({ status: 'stopped' });
  });

  it('a drain made elsewhere (a paid status, pollNow) counts as a poll: the next one is a full interval after it', async () => {
    const t = loopWith(async () => undefined);
    t.loop.start();
    await flush();
    await t.runUntil(30_000);
    t.loop.drainedElsewhere();
    await flush();
    await t.runUntil(150_000);
    expect(t.drains).toEqual([0, 90_000, 150_000]);
    t.loop.stop();
  });

  it('a drain made elsewhere does not cut an error backoff short', async () => {
    let failing = true;
    const t = loopWith(async () => {
      if (failing) throw new HttpError('down', { retryable: true, status: 503 });
    });
    t.loop.start();
    await flush();
    const backoff = t.statuses.at(-1);
    expect(backoff).toMatchObject({ status: 'backing-off' });
    failing = false;
    t.loop.drainedElsewhere();
    await flush();
    expect(t.statuses.at(-1)).toBe(backoff);
    t.loop.stop();
  });

  it('no wake, focus or return to the page drains before a Retry-After is over (the not-before gate)', async () => {
    let fail = true;
    const t = loopWith(async () => {
      if (fail) throw new HttpError('429', { status: 429, retryable: true, retryAfterMs: 30_000 });
    });
    t.loop.start();
    await flush();
    expect(t.statuses.at(-1)).toEqual({ status: 'backing-off', nextPollInMs: 30_000 });
    fail = false;
    for (const at of [1_000, 10_000, 29_000]) {
      await t.runUntil(at);
      t.loop.wake();
      t.signals.focus();
      t.signals.setOnline(false);
      t.signals.setOnline(true);
      await flush();
    }
    expect(t.drains).toEqual([0]);
    await t.runUntil(30_000);
    expect(t.drains).toEqual([0, 30_000]);
  });

  it('hands the lead over while hidden, and drains at once when the page is visible again', async () => {
    const t = loopWith(async () => undefined);
    t.loop.start();
    await flush();
    t.signals.setVisible(false);
    await flush();
    expect(t.statuses.at(-1)).toEqual({ status: 'paused', reason: 'hidden' });
    await t.runUntil(600_000);
    expect(t.drains).toEqual([0]);
    t.signals.setVisible(true);
    await flush();
    await flush();
    expect(t.drains).toEqual([0, 600_000]);
  });

  it('pauses for auth when the token is refused, and stays paused until started again', async () => {
    const t = loopWith(async () => {
      throw new AuthError('refused');
    });
    t.loop.start();
    await flush();
    await flush();
    expect(t.statuses.at(-1)).toEqual({ status: 'paused', reason: 'auth' });
    expect(t.loop.running).toBe(false);
    await t.runUntil(600_000);
    expect(t.drains).toEqual([0]);
  });

  it('pauses for storage and reports the error when the database cannot be opened here', async () => {
    const unavailable = new StorageError('no IndexedDB', { reason: 'unavailable' });
    const t = loopWith(async () => undefined, { election: () => Promise.reject(unavailable) });
    t.loop.start();
    await flush();
    await flush();
    expect(t.statuses.at(-1)).toEqual({ status: 'paused', reason: 'storage' });
    expect(t.errors).toEqual([unavailable]);
  });

  it('backs off with full jitter after a transient failure to open, reporting each one', async () => {
    let attempts = 0;
    const t = loopWith(async () => undefined, {
      election: async () => {
        if (++attempts < 3) throw new StorageError('blip');
        return createLeaderElection('loop-test-retry', null);
      },
    });
    t.loop.start();
    await flush();
    await t.runUntil(10_000);
    expect(attempts).toBe(3);
    expect(t.errors).toHaveLength(2);
    expect(t.drains).toHaveLength(1);
  });
});

describe('one drain', () => {
  /** A transport over a fixed list of unprocessed events, counting acks in flight. */
  function fakeServer(count: number, { ignoresAfterId = false, pageSize = 10 } = {}) {
    const unprocessed = new Map(Array.from({ length: count }, (_, i) => [i + 1, x.event(i + 1, x.combinedOrderPaid(i + 1, 9_000 + i))]));
    let inFlight = 0;
    const stats = { gets: 0, acks: 0, maxInFlight: 0 };
    const transport: Transport & { ackAnswer?: () => Promise<never> } = {
      async listEvents({ afterId } = {}) {
        stats.gets++;
        const from = ignoresAfterId ? 0 : (afterId ?? 0);
        return [...unprocessed]
          .filter(([id]) => id > from)
          .slice(0, pageSize)
          .map(([, event]) => event);
      },
      async markProcessed(eventId) {
        inFlight++;
        stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
        try {
          await flush();
          if (transport.ackAnswer) await transport.ackAnswer();
          stats.acks++;
          unprocessed.delete(eventId);
          return 'acked';
        } finally {
          inFlight--;
        }
      },
    };
    return { transport, stats, unprocessed };
  }

  const inventory = () => createInventory(openDatabase(new IDBFactory(), 'drain-test'));
  const deps = (transport: Transport, store = inventory()) => ({
    transport,
    inventory: store,
    projectId: x.PROJECT_ID,
    now: () => 1,
    onApplied: () => undefined,
    onUnreadable: () => undefined,
    onAckError: vi.fn(),
  });

  it('keeps at most six acks in flight', async () => {
    const server = fakeServer(40);
    const report = await drain(deps(server.transport));
    expect(report).toMatchObject({ granted: 40, acked: 40, pages: 5 });
    expect(server.stats.maxInFlight).toBe(6);
    expect(server.unprocessed.size).toBe(0);
  });

  it('ends against a server that ignores after_id, and the next drain gets the rest', async () => {
    const server = fakeServer(25, { ignoresAfterId: true });
    const store = inventory();
    const first = await drain(deps(server.transport, store));
    expect(first.granted).toBeGreaterThanOrEqual(10);
    expect(first.pages).toBeLessThanOrEqual(4);
    while (server.unprocessed.size > 0) await drain(deps(server.transport, store));
    expect(await store.balance('gold')).toBe(25 * 1500);
  });

  it('stops acking at the first refused token: the grants stay, their acks stay pending, the drain says AuthError', async () => {
    const server = fakeServer(20);
    server.transport.ackAnswer = () => Promise.reject(new AuthError('refused'));
    const store = inventory();
    await expect(drain(deps(server.transport, store))).rejects.toBeInstanceOf(AuthError);
    expect(server.stats.maxInFlight).toBeLessThanOrEqual(6);
    expect(await store.balance('gold')).toBe(20 * 1500);
    expect((await store.pendingAcks()).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});

describe('the shared drain', () => {
  it('the first caller starts a drain; every caller during it shares the one drain after it', async () => {
    let runs = 0;
    const gates: Array<() => void> = [];
    const shared = createSharedDrain(() => new Promise((resolve) => gates.push(() => resolve({ ...emptyReport(), fetched: ++runs }))));
    const first = shared.run();
    const during = [shared.run(), shared.run()];
    await flush();
    gates.shift()!();
    expect((await first).fetched).toBe(1);
    await flush();
    gates.shift()!();
    expect((await Promise.all(during)).map((report) => report.fetched)).toEqual([2, 2]);
    expect(runs).toBe(2);
  });
});

describe('the loop while the order-status socket is healthy (issue #13)', () => {
  it('polls every 5 minutes, at the usual minute again once the socket is lost, and not at all while hidden', async () => {
    let pushHealthy = true;
    const t = loopWith(async () => undefined, { pushHealthy: () => pushHealthy });
    t.loop.start();
    await flush();
    await t.runUntil(3_600_000);
    // An idle hour: the drain at start, then 12.
    expect(t.drains).toHaveLength(13);
    expect(t.drains.slice(0, 3)).toEqual([0, 300_000, 600_000]);
    pushHealthy = false;
    t.loop.wake(); // what a lost socket does
    await flush();
    await t.runUntil(3_720_000);
    expect(t.drains.slice(-3)).toEqual([3_600_000, 3_660_000, 3_720_000]);
    t.signals.setVisible(false);
    await flush();
    const hiddenFrom = t.drains.length;
    await t.runUntil(7_200_000);
    expect(t.drains).toHaveLength(hiddenFrom);
  });
});
