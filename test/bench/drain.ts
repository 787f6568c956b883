/**
 * Backlog drain: 1,000 events waiting on the emulator, granted and acked by the client, against
 * a naive baseline built from the same parts (one transaction per event, each ack awaited
 * before the next event). Runs unchanged in Node (fake-indexeddb) and in Chromium.
 */
import { createGetUpdatesClient } from '../../src';
import { parseEvent } from '../../src/events/parse';
import type { ParsedEvent } from '../../src/events/plan';
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

async function backlog(options: DrainBenchOptions, userId: string): Promise<string> {
  // Half combined (one event per order), half separate (two), to reach the event count.
  let made = 0;
  while (made < options.events) {
    const mode = made % 3 === 0 && options.events - made >= 2 ? 'separate' : 'combined';
    const { eventIds } = await options.admin<{ eventIds: number[] }>('purchase', { userId, items: [{ sku: 'gold', quantity: 10 }], mode });
    made += eventIds.length;
  }
  return (await options.admin<{ token: string }>('token', { userId })).token;
}

/** The library as shipped: pages of events applied one transaction per page, acks in parallel. */
export async function drainWithClient(options: DrainBenchOptions, run: string): Promise<number> {
  const userId = `bench-drain-${run}`;
  const token = await backlog(options, userId);
  const client = createGetUpdatesClient({
    projectId: options.projectId,
    baseUrl: options.baseUrl,
    token,
    indexedDB: options.indexedDB,
    locks: null,
  });
  const started = performance.now();
  const report = await client.pollNow();
  const elapsed = performance.now() - started;
  await client.close();
  if (report.acked !== options.events) throw new Error(`drained ${report.acked} of ${options.events} events`);
  return elapsed;
}

/** The naive way: one transaction per event, and its ack awaited before the next event. */
export async function drainNaively(options: DrainBenchOptions, run: string): Promise<number> {
  const userId = `bench-naive-${run}`;
  const token = await backlog(options, userId);
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

export async function benchDrain(options: DrainBenchOptions, run: string) {
  const naiveMs = await drainNaively(options, run);
  const drainMs = await drainWithClient(options, run);
  return { drainMs, naiveMs, ratio: naiveMs / drainMs };
}
