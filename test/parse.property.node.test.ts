import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundedCopy } from '../src/events/bounded';
import { parseEvent, planEvent } from '../src/events/parse';
import * as x from './fixtures/xsolla';

const TYPES = ['order_paid', 'payment', 'refund', 'order_canceled', 'partial_refund', 'user_validation'];
const anyQuantity = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.bigInt().map(String),
  fc.constantFrom(2 ** 53, -0, NaN, Infinity, null, '1', []),
);
const anySku = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype', ''), fc.integer(), fc.object());
const item = fc.record({ sku: anySku, quantity: anyQuantity, amount: anyQuantity, type: fc.string() }, { requiredKeys: [] });
/** Xsolla-shaped data whose fields are replaced by arbitrary values. */
const shapedData = fc.record(
  {
    notification_type: fc.constantFrom(...TYPES),
    items: fc.oneof(fc.array(item), fc.anything()),
    order: fc.record({ id: fc.oneof(fc.integer(), fc.string(), fc.anything()), invoice_id: fc.anything() }, { requiredKeys: [] }),
    transaction: fc.record({ id: fc.anything() }, { requiredKeys: [] }),
    settings: fc.record({ project_id: fc.oneof(fc.constant(308077), fc.anything()) }, { requiredKeys: [] }),
    purchase: fc.record(
      {
        order: fc.record({ id: fc.anything(), lineitems: fc.oneof(fc.array(item), fc.anything()) }, { requiredKeys: [] }),
        virtual_items: fc.record({ items: fc.oneof(fc.array(item), fc.anything()) }, { requiredKeys: [] }),
        virtual_currency: fc.oneof(item, fc.anything()),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['notification_type'] },
);

describe('the parser under arbitrary input', () => {
  it('never throws, and a grant only ever holds valid SKUs and positive safe integer quantities', () => {
    fc.assert(
      fc.property(fc.oneof(shapedData, fc.anything(), fc.jsonValue()), (data) => {
        for (const type of TYPES) {
          const plan = planEvent(type, data, x.PROJECT_ID);
          if (plan.kind !== 'grant') continue;
          expect(plan.lines.length).toBeGreaterThan(0);
          for (const line of plan.lines) {
            expect(typeof line.sku === 'string' && line.sku.length > 0).toBe(true);
            expect(Number.isSafeInteger(line.quantity) && line.quantity > 0).toBe(true);
          }
          expect(plan.keys.orderId !== undefined || plan.keys.transactionId !== undefined).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on whole events either', () => {
    fc.assert(
      fc.property(fc.anything(), fc.record({ id: fc.anything(), data: fc.oneof(shapedData, fc.anything()) }), (raw, shaped) => {
        for (const input of [raw, shaped]) {
          const result = parseEvent(input, x.PROJECT_ID);
          if (result.id !== undefined) expect(Number.isSafeInteger(result.id) && result.id > 0).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a bounded, storable copy of any data', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.anything({ withBigInt: true, withNullPrototype: true, withBoxedValues: true, withSparseArray: true }), shapedData),
        fc.nat(6000),
        (data, depth) => {
          let deep: unknown = data;
          for (let level = 0; level < depth; level++) deep = { [level % 2 ? '__proto__' : 'a']: deep };
          const copy = boundedCopy(deep);
          expect(structuredClone(copy)).toEqual(copy);
          expect(JSON.stringify(copy ?? null).length).toBeLessThan(32_000);
        },
      ),
      { numRuns: 300 },
    );
  });
});
