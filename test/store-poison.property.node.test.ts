/**
 * Issue #9, item 15: no single event can block a player. Pages mix valid purchases with events
 * whose data IndexedDB cannot clone (thousands of levels deep), huge ones, shapes that only look
 * cyclic (one object referenced from everywhere) and exotic values; every valid purchase must be
 * granted exactly once and every bad event quarantined, against fake-indexeddb.
 */
import fc from 'fast-check';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../src/events/parse';
import type { ParsedEvent } from '../src/events/plan';
import { openDatabase } from '../src/store/database';
import type { AppliedEvent } from '../src/ledger/records';
import { createInventory } from '../src/store/inventory';
import * as x from './fixtures/xsolla';

/** Built without recursion, as a JSON parser would hand it over. */
const nested = (depth: number) => {
  let value: unknown = { sku: 'gold' };
  for (let level = 0; level < depth; level++) value = level % 2 ? [value] : { level: value };
  return value;
};
/** One object reachable along 2^levels paths: tiny in memory, enormous to walk naively. */
const diamond = (levels: number) => {
  let value: unknown = { leaf: 1 };
  for (let level = 0; level < levels; level++) value = { left: value, right: value };
  return value;
};

const nasty = fc.oneof(
  fc.integer({ min: 2000, max: 6000 }).map(nested),
  fc.integer({ min: 100_000, max: 1_000_000 }).map((length) => 'x'.repeat(length)),
  fc.integer({ min: 10_000, max: 200_000 }).map((length) => new Array<number>(length).fill(1e308)),
  fc.integer({ min: 20, max: 40 }).map(diamond),
  fc.constant(JSON.parse('{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"polluted":1}}}') as unknown),
  fc.constantFrom<unknown>(-0, 1e308, 'NaN', '-Infinity', Number.MIN_VALUE),
);
/** Each placement makes the event invalid whatever the payload is. */
const PLACEMENTS = [
  (payload: unknown) => ({ items: [{ sku: 'gold', quantity: -1 }], custom_parameters: payload }),
  (payload: unknown) => ({ items: [payload] }),
  (payload: unknown) => ({ items: payload }),
];
const bad = fc
  .record({ payload: nasty, place: fc.constantFrom(...PLACEMENTS) })
  .map(({ payload, place }) => ({ kind: 'bad' as const, payload, place }));
const valid = fc.record({
  kind: fc.constant('valid' as const),
  sku: fc.constantFrom('gold', 'gem', '__proto__', 'constructor'),
  quantity: fc.integer({ min: 1, max: 1000 }),
  // A valid purchase may carry a deep payload too: it is granted, its data is not stored.
  extra: fc.option(fc.integer({ min: 2000, max: 6000 }).map(nested), { nil: undefined }),
});

describe('a poisoned event never blocks a player', () => {
  it('grants every valid purchase exactly once and quarantines every bad event, page after page and on redelivery', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(valid, bad), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 6 }),
        async (entries, pageSize) => {
          const inventory = createInventory(openDatabase(new IDBFactory(), `poison-${run++}`));
          const events = entries.map((entry, index) => {
            const orderId = 1000 + index;
            const data =
              entry.kind === 'valid'
                ? {
                    notification_type: 'order_paid',
                    order: { id: orderId },
                    items: [{ sku: entry.sku, quantity: entry.quantity }],
                    custom_parameters: entry.extra,
                  }
                : { notification_type: 'order_paid', order: { id: orderId }, ...entry.place(entry.payload) };
            return parseEvent(x.event(index + 1, data), x.PROJECT_ID) as ParsedEvent;
          });
          const pages: ParsedEvent[][] = [];
          for (let start = 0; start < events.length; start += pageSize) pages.push(events.slice(start, start + pageSize));

          const expected: Record<string, number> = Object.create(null);
          for (const entry of entries) if (entry.kind === 'valid') expected[entry.sku] = (expected[entry.sku] ?? 0) + entry.quantity;
          try {
            for (const delivery of [1, 2]) {
              const applied: AppliedEvent[] = [];
              for (const page of pages) applied.push(...(await inventory.applyBatch(page, delivery)));
              entries.forEach((entry, index) => {
                const outcome = applied.find((event) => event.id === index + 1)?.outcome;
                if (entry.kind === 'valid') expect(outcome).toBe(delivery === 1 ? 'granted' : 'duplicate');
                else expect(outcome).toBe(delivery === 1 ? 'quarantined' : 'skipped');
              });
              expect({ ...(await inventory.balances()) }).toEqual({ ...expected });
            }
            for (const [index, entry] of entries.entries()) {
              expect((await inventory.event(index + 1))?.outcome).toBe(entry.kind === 'valid' ? 'granted' : 'quarantined');
            }
            const validIds = entries.flatMap((entry, index) => (entry.kind === 'valid' ? [index + 1] : []));
            expect(await inventory.pendingAcks()).toEqual(validIds);
            expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
          } finally {
            await inventory.close();
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});
