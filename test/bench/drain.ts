/**
 * Backlog drain: 1,000 events waiting on the emulator, granted and acked by the client, beside
 * its physical floor (the same acks as bare POSTs at the same concurrency: nothing parsed, nothing
 * stored) and a naive baseline built from the same parts (one transaction per event, each ack
 * awaited before the next event). Runs unchanged in Node (fake-indexeddb) and in Chromium.
 */
import { createGetUpdatesClient } from '../../src';
import { parseEvent } from '../../src/events/parse';
import type { ParsedEvent } from '../../src/events/plan';
import { ACK_CONCURRENCY } from '../../src/poll/drain';
import { openDatabase } from '../../src/store/database';
import { createInventory } from '../../src/store/inventory';
import { createTransport } from '../../src/transport/http';
import { createTokenSource } from '../../src/transport/token';

export interface DrainBenchOptions {
  baseUrl: string;
  projectId: number;
  indexedDB: IDBFactory;
  events: number;
  /** Calls an emulator admin endpoint. */
  admin<T>(path: string, body?: unknown): Promise<T>;
}

async function backlog(options: DrainBenchOptions, userId: string): Promise<{ token: string; eventIds: number[] }> {
  // A third of the orders separate (two events each), the rest combined (one), to reach the event count.
  const eventIds: number[] = [];
  while (eventIds.length < options.events) {
    const made = eventIds.length;
    const mode = made % 3 === 0 && options.events - made >= 2 ? 'separate' : 'combined';
    const purchase = await options.admin<{ eventIds: number[] }>('purchase', { userId, items: [{ sku: 'gold', quantity: 10 }], mode });
    eventIds.push(...purchase.eventIds);
  }
  return { token: (await options.admin<{ token: string }>('token', { userId })).token, eventIds };
}

export type MethodCounts = Record<string, number>;
const methodCounts = async (options: DrainBenchOptions) => (await options.admin<{ byMethod: MethodCounts }>('stats')).byMethod;

/** What the emulator counted between `before` and `after`, by method. */
export const countsSince = (before: MethodCounts, after: MethodCounts) =>
  Object.fromEntries(Object.entries(after).map(([method, count]) => [method, count - (before[method] ?? 0)]));

/** The library as shipped: pages of events applied one transaction per page, acks in parallel. */
export async function drainWithClient(options: DrainBenchOptions, run: string): Promise<{ ms: number; requests: MethodCounts }> {
  const { token } = await backlog(options, `bench-drain-${run}`);
  const client = createGetUpdatesClient({
    projectId: options.projectId,
    baseUrl: options.baseUrl,
    token,
    indexedDB: options.indexedDB,
    locks: null,
  });
  const before = await methodCounts(options);
  const started = performance.now();
  const report = await client.pollNow();
  const elapsed = performance.now() - started;
  const requests = countsSince(before, await methodCounts(options));
  await client.close();
  if (report.acked !== options.events) throw new Error(`drained ${report.acked} of ${options.events} events`);
  return { ms: elapsed, requests };
}

/** The floor: the same number of acks as bare `fetch` POSTs, as many in flight as the client allows (or `inFlight`). */
export async function ackFloor(options: DrainBenchOptions, run: string, inFlight = ACK_CONCURRENCY): Promise<number> {
  const { token, eventIds } = await backlog(options, `bench-floor-${run}`);
  const queue = [...eventIds];
  const ack = async (id: number) => {
    const url = `${options.baseUrl}/events/${id}/processed?project_id=${options.projectId}`;
    const response = await fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`floor: ack ${id} answered HTTP ${response.status}`);
  };
  const started = performance.now();
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) await ack(id);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return performance.now() - started;
}

/** The naive way: one transaction per event, and its ack awaited before the next event. */
export async function drainNaively(options: DrainBenchOptions, run: string): Promise<number> {
  const { token } = await backlog(options, `bench-naive-${run}`);
  const transport = createTransport({ baseUrl: options.baseUrl, projectId: String(options.projectId), tokens: createTokenSource(token) });
  const inventory = createInventory(openDatabase(options.indexedDB, `bench-naive:${run}`));
  const started = performance.now();
  let acked = 0;
  for (let afterId: number | undefined; ;) {
    const page = await transport.listEvents({ afterId });
    if (page.length === 0) break;
    for (const raw of page) {
      const event = parseEvent(raw, String(options.projectId)) as ParsedEvent;
      await inventory.applyBatch([event], Date.now());
      await transport.markProcessed(event.id);
      acked++;
      afterId = event.id;
    }
  }
  const elapsed = performance.now() - started;
  await inventory.close();
  if (acked !== options.events) throw new Error(`naive drain acked ${acked} of ${options.events} events`);
  return elapsed;
}

export interface DrainFigures {
  drainMs: number;
  /** What the emulator saw during the client's drain, by method (preflights are OPTIONS). */
  drainRequests: MethodCounts;
  floorMs: number;
  /** Absent when the naive baseline was not run (it takes a round trip per event). */
  naiveMs?: number;
}

export async function benchDrain(options: DrainBenchOptions, run: string, { naive = true } = {}): Promise<DrainFigures> {
  const naiveMs = naive ? await drainNaively(options, run) : undefined;
  const drain = await drainWithClient(options, run);
  const floorMs = await ackFloor(options, run);
  return { drainMs: drain.ms, drainRequests: drain.requests, floorMs, naiveMs };
}
