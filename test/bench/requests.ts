/**
 * Requests the client makes over simulated time: an idle hour in the foreground and hidden, and
 * a 10-minute window in which a watched purchase lands at minute 2. The real loop runs on a
 * virtual clock against the real emulator; only the waiting is skipped.
 */
import axios from 'axios';
import { manualSignals, type CadenceOptions } from '../../src';
import { VirtualClock } from '../support/virtual-clock';
import type { Emulator } from '../../src/emulator';
import { benchPlayer } from './player';

const realSleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const IDLE = new Set(['waiting', 'backing-off', 'paused', 'following', 'stopped']);

async function countRequests(emulator: Emulator, cadence: CadenceOptions, scenario: 'foreground' | 'hidden' | 'watch'): Promise<number> {
  const clock = new VirtualClock();
  const http = axios.create();
  let requests = 0;
  let inflight = 0;
  http.interceptors.request.use((config) => (requests++, inflight++, config));
  http.interceptors.response.use(
    (response) => (inflight--, response),
    (error: unknown) => {
      inflight--;
      throw error;
    },
  );
  const { userId, client } = benchPlayer(emulator, `requests-${scenario}`, {
    http,
    clock,
    cadence,
    signals: manualSignals({ visible: scenario !== 'hidden' }),
  });
  let status = 'stopped';
  client.on('status', (event) => (status = event.status));
  // Settled when no request is in flight and the loop is waiting, a few checks in a row.
  const settle = async () => {
    for (let calm = 0; calm < 3; calm = inflight === 0 && IDLE.has(status) ? calm + 1 : 0) await realSleep(1);
  };
  client.start();
  if (scenario === 'watch') {
    const orderId = emulator.purchase({ userId: 'someone-else', items: [{ sku: 'x', quantity: 1 }] }).orderId + 1;
    void client.watchOrder(orderId).catch(() => undefined);
    await settle();
    await clock.runUntil(120_000, settle);
    emulator.purchase({ userId, items: [{ sku: 'gold', quantity: 100 }] });
    await clock.runUntil(600_000, settle);
  } else {
    await settle();
    await clock.runUntil(3_600_000, settle);
  }
  await client.close();
  return requests;
}

/** A fixed 3 s poller, as Xsolla's own SDK does during a purchase. */
export const FIXED_3S: CadenceOptions = { intervalMs: 3000, watchIntervalMs: 3000, hiddenIntervalMs: 3000, returnWatchMs: 0 };

export async function benchRequests(emulator: Emulator) {
  const figures = async (cadence: CadenceOptions) => ({
    idleForeground: await countRequests(emulator, cadence, 'foreground'),
    idleHidden: await countRequests(emulator, cadence, 'hidden'),
    watchWindow: await countRequests(emulator, cadence, 'watch'),
  });
  return { ours: await figures({}), fixed3s: await figures(FIXED_3S) };
}
