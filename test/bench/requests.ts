/**
 * Requests the client makes over simulated time: an idle hour in the foreground (with and
 * without a healthy order-status socket) and hidden, and a 10-minute window in which a watched
 * purchase lands at minute 2. The real loop runs on a virtual clock against the real emulator;
 * only the waiting is skipped.
 */
import axios from 'axios';
import WebSocket from 'ws';
import { manualSignals, type CadenceOptions } from '../../src';
import { VirtualClock } from '../support/virtual-clock';
import type { Emulator } from '../../src/emulator';
import { soloPlayer } from '../support/solo-player';

const realSleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const IDLE = new Set(['waiting', 'backing-off', 'paused', 'following', 'stopped']);

type Scenario = 'foreground' | 'push' | 'hidden' | 'watch';

async function countRequests(emulator: Emulator, cadence: CadenceOptions, scenario: Scenario): Promise<number> {
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
  const { userId, client } = soloPlayer(emulator, `bench-requests-${scenario}`, {
    http,
    clock,
    cadence,
    signals: manualSignals({ visible: scenario !== 'hidden' }),
    orderStatus: scenario === 'push' && { url: `${emulator.url.replace('http', 'ws')}/connection/websocket`, websocket: WebSocket },
  });
  let status = 'stopped';
  client.on('status', (event) => (status = event.status));
  // Settled when no request is in flight and the loop is waiting, a few checks in a row.
  const settle = async () => {
    for (let calm = 0; calm < 3; calm = inflight === 0 && IDLE.has(status) ? calm + 1 : 0) await realSleep(1);
  };
  client.start();
  if (scenario === 'watch') {
    const orderId = String(Number(emulator.purchase({ userId: 'someone-else', items: [{ sku: 'x', quantity: 1 }] }).orderId) + 1);
    void client.watchOrder(orderId).catch(() => undefined);
    await settle();
    await clock.runUntil(120_000, settle);
    emulator.purchase({ userId, items: [{ sku: 'gold', quantity: 100 }] });
    await clock.runUntil(600_000, settle);
  } else if (scenario === 'push') {
    // The hour of a tab already open: the drain at page load is not counted, and the socket
    // (real time, loopback) has had a moment to subscribe.
    await settle();
    await realSleep(1_000);
    const atStart = requests;
    await clock.runUntil(3_600_000, settle);
    await client.close();
    return requests - atStart;
  } else {
    await settle();
    await clock.runUntil(3_600_000, settle);
  }
  await client.close();
  return requests;
}

/** A fixed 3 s poller, as Xsolla's own SDK does during a purchase. */
export const FIXED_3S: CadenceOptions = {
  intervalMs: 3000,
  watchIntervalMs: 3000,
  pushIntervalMs: 3000,
  hiddenIntervalMs: 3000,
  returnWatchMs: 0,
};

export async function benchRequests(emulator: Emulator) {
  const figures = async (cadence: CadenceOptions) => ({
    idleForeground: await countRequests(emulator, cadence, 'foreground'),
    idleHidden: await countRequests(emulator, cadence, 'hidden'),
    idlePush: await countRequests(emulator, cadence, 'push'),
    watchWindow: await countRequests(emulator, cadence, 'watch'),
  });
  return { ours: await figures({}), fixed3s: await figures(FIXED_3S) };
}
