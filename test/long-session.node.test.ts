/**
 * A game left open for days: a poll a minute, the player tabbing away and back, the network
 * dropping, the server down for a while, purchases watched and not. The real client runs on a
 * virtual clock against the real emulator; what must not grow is counted exactly: abort
 * listeners still attached to live signals, signals derived with `AbortSignal.any`, and timers.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { manualSignals, type ClientStatus } from '../src';
import { startEmulator, type Emulator } from '../src/emulator';
import { countedHttp } from './support/counted-http';
import { soloPlayer } from './support/solo-player';
import { flush, VirtualClock } from './support/virtual-clock';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const DAYS = 3;
const IDLE = new Set<ClientStatus>(['waiting', 'backing-off', 'paused', 'following', 'stopped']);

/**
 * Records every abort listener added to or removed from any AbortSignal, so the listeners still
 * attached to signals that have not aborted can be counted (an aborted signal fires no more).
 */
function trackAbortListeners() {
  const listeners = new Map<AbortSignal, Set<unknown>>();
  const { addEventListener, removeEventListener } = EventTarget.prototype;
  const patch = (name: 'addEventListener' | 'removeEventListener', original: typeof addEventListener, change: 'add' | 'delete') =>
    Object.defineProperty(AbortSignal.prototype, name, {
      configurable: true,
      writable: true,
      value(this: AbortSignal, ...args: Parameters<typeof addEventListener>) {
        const [type, listener] = args;
        if (type === 'abort' && listener) {
          const set = listeners.get(this) ?? new Set();
          listeners.set(this, set);
          set[change](listener);
        }
        return original.apply(this, args);
      },
    });
  patch('addEventListener', addEventListener, 'add');
  patch('removeEventListener', removeEventListener, 'delete');
  return {
    /** Listeners on signals that may still abort. */
    live() {
      let count = 0;
      for (const [signal, set] of listeners) {
        if (signal.aborted) listeners.delete(signal);
        else count += set.size;
      }
      return count;
    },
    restore() {
      delete (AbortSignal.prototype as Partial<AbortSignal>).addEventListener;
      delete (AbortSignal.prototype as Partial<AbortSignal>).removeEventListener;
    },
  };
}

describe('a game left open for days', () => {
  it('leaves no derived signal, abort listener or timer behind its drains, watches and waits', async () => {
    const tracked = trackAbortListeners();
    const derived = vi.spyOn(AbortSignal, 'any');
    try {
      const clock = new VirtualClock();
      const signals = manualSignals();
      let offline = false;
      const { http, requests } = countedHttp((config) => {
        if (offline) throw Object.assign(new Error('offline'), { code: 'ERR_NETWORK' });
        return config;
      });
      const { userId, client } = soloPlayer(emulator, 'long-session', {
        http,
        clock,
        signals,
        retries: 0,
        restore: { storeUrl: emulator.url },
      });
      let status: ClientStatus = 'stopped';
      const drains: number[] = [];
      client.on('status', (event) => {
        status = event.status;
        if (event.status === 'polling') drains.push(clock.now());
      });
      const settle = async () => {
        for (let calm = 0; calm < 5; calm = requests.inflight === 0 && IDLE.has(status) ? calm + 1 : 0) await flush();
      };
      // What the game just did (a purchase, a signal) runs to its end before time moves on.
      const runUntil = async (ms: number) => {
        await settle();
        await clock.runUntil(ms, settle);
      };

      let bought = 0;
      const buy = () => {
        emulator.purchase({ userId, items: [{ sku: 'gold', quantity: 1 }] });
        bought++;
      };
      client.start();
      await settle();
      const atStart = { listeners: tracked.live(), timers: clock.pending };
      const checkpoints: Array<{ listeners: number; timers: number }> = [];

      for (let day = 0; day < DAYS; day++) {
        const at = (ms: number) => runUntil(day * DAY + ms);
        await at(2 * HOUR);
        buy(); // granted by the next minute's poll

        await at(4 * HOUR); // the player tabs away for an hour, then comes back
        signals.setVisible(false);
        await at(5 * HOUR);
        signals.setVisible(true);
        signals.focus();

        await at(8 * HOUR); // a watched purchase, paid two minutes later
        const shop = new AbortController();
        const { orderId } = emulator.purchase({ userId, items: [{ sku: 'gold', quantity: 1 }], pending: true });
        const watched = client.watchOrder(orderId, { signal: shop.signal });
        await at(8 * HOUR + 2 * MINUTE);
        emulator.pay(orderId);
        bought++;
        await at(8 * HOUR + 3 * MINUTE);
        await expect(watched).resolves.toMatchObject({ orderId: String(orderId), status: 'granted' });

        await at(10 * HOUR); // a watch the player gives up on (the shop is closed)
        const unpaid = emulator.purchase({ userId, items: [{ sku: 'gold', quantity: 1 }], pending: true }).orderId;
        const abandoned = client.watchOrder(unpaid, { signal: shop.signal }).catch((error: unknown) => error);
        await at(10 * HOUR + MINUTE);
        shop.abort(new Error('shop closed'));
        expect(await abandoned).toMatchObject({ message: 'shop closed' });

        await at(12 * HOUR); // the network drops for half an hour
        offline = true;
        signals.setOnline(false);
        await at(12 * HOUR + 30 * MINUTE);
        offline = false;
        signals.setOnline(true);

        await at(16 * HOUR); // the server is down for twenty minutes
        emulator.setFaults({ errorRate: 1, status: 503 });
        await at(16 * HOUR + 20 * MINUTE);
        emulator.setFaults({ errorRate: 0 });
        buy();

        await at(20 * HOUR); // the game asks for a poll and a restore, each with its own signal
        const menu = new AbortController();
        await client.pollNow({ signal: menu.signal });
        await client.restorePurchases({ signal: menu.signal });

        await at(DAY);
        checkpoints.push({ listeners: tracked.live(), timers: clock.pending });
      }

      // A poll a minute, all day, every day (and faster while watching or back from Pay Station).
      expect(drains.length).toBeGreaterThan(DAYS * 1_300);
      expect(await client.inventory.balance('gold')).toBe(bought);
      expect(emulator.state(userId).events.filter((event) => !event.processed)).toEqual([]);
      // What a drain, a watch or a wait derived from a long-lived signal ended with it.
      expect(derived).not.toHaveBeenCalled();
      expect(checkpoints).toEqual(Array.from({ length: DAYS }, () => atStart));

      await client.close();
      await settle();
      expect(clock.pending).toBe(0);
      expect(tracked.live()).toBe(0);
    } finally {
      derived.mockRestore();
      tracked.restore();
    }
  }, 300_000);
});
