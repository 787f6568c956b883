/** Paid order on the emulator -> `granted` fired, while the order is watched (real time, loopback). */
import WebSocket from 'ws';
import type { CadenceOptions } from '../../src';
import type { Emulator } from '../../src/emulator';
import { soloPlayer } from '../support/solo-player';

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

/**
 * `cycleMs`: the poller's watch interval; payments fall at a uniformly random point of it.
 * `push`: listen to the emulator's order-status WebSocket (polling then stays slow).
 */
export async function grantLatencies(
  emulator: Emulator,
  cadence: CadenceOptions,
  cycleMs: number,
  samples: number,
  push = false,
): Promise<number[]> {
  const { userId, client } = soloPlayer(emulator, 'bench-latency', {
    cadence,
    orderStatus: push && { url: `${emulator.url.replace('http', 'ws')}/connection/websocket`, websocket: WebSocket },
  });
  const grantedAt = new Map<string, number>();
  client.on('granted', ({ orderId }) => orderId && grantedAt.set(orderId, performance.now()));
  client.start();
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const orderId = String(Number(emulator.purchase({ userId: 'someone-else', items: [{ sku: 'x', quantity: 1 }] }).orderId) + 1);
    const watching = client.watchOrder(orderId);
    // Pay at a random moment of the polling cycle, as a player would.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * cycleMs));
    const paidAt = performance.now();
    emulator.purchase({ userId, items: [{ sku: 'gold', quantity: 1 }] });
    await watching;
    latencies.push(grantedAt.get(orderId)! - paidAt);
  }
  await client.close();
  return latencies;
}
