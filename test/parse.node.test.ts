import { describe, expect, it } from 'vitest';
import { boundedCopy } from '../src/events/bounded';
import { PARSER_VERSION, parseEvent, planEvent } from '../src/events/parse';
import * as x from './fixtures/xsolla';

const plan = (data: Record<string, unknown>) => planEvent(String(data.notification_type), data, x.PROJECT_ID);
const SEED_LINES = [
  { sku: 'virtual-good-item_test', quantity: 3, type: 'virtual_good' },
  { sku: 'virtual-good-item_test_test_new', quantity: 1, type: 'bundle' },
  { sku: 'gold', quantity: 1500, type: 'virtual_currency' },
];

describe('what each Xsolla event means', () => {
  it.each([
    [
      'combined order_paid grants every item and links order + transaction',
      x.combinedOrderPaid(2, 601),
      { kind: 'grant', keys: { orderId: '2', transactionId: '601' }, lines: SEED_LINES },
    ],
    [
      'separate order_paid (no settings, no billing) grants every item',
      x.separateOrderPaid(1, 501),
      { kind: 'grant', keys: { orderId: '1', transactionId: '501' }, lines: SEED_LINES },
    ],
    [
      'payment with Store line items grants them',
      x.paymentWithLineItems(1, 501),
      { kind: 'grant', keys: { orderId: '1', transactionId: '501' }, lines: [{ sku: 'skill', quantity: 1 }] },
    ],
    [
      'legacy payment grants virtual_items (amount = quantity) and virtual_currency',
      x.legacyPayment(502),
      {
        kind: 'grant',
        keys: { transactionId: '502' },
        lines: [
          { sku: 'test_item1', quantity: 1 },
          { sku: 'test_item2', quantity: 2 },
          { sku: 'test_package', quantity: 10 },
        ],
      },
    ],
    [
      'payment with no items only records the transaction',
      x.paymentWithoutItems(503),
      { kind: 'recordTransaction', keys: { transactionId: '503' } },
    ],
    ['refund revokes its order', x.refund(1, 501), { kind: 'revoke', keys: { orderId: '1', transactionId: '501' } }],
    [
      'separate order_canceled revokes via order id and invoice id',
      x.separateOrderCanceled(1, 501),
      { kind: 'revoke', keys: { orderId: '1', transactionId: '501' } },
    ],
    ['combined order_canceled revokes', x.combinedOrderCanceled(2, 601), { kind: 'revoke', keys: { orderId: '2', transactionId: '601' } }],
    ['partial_refund is recorded for the game to decide', x.partialRefund(501), { kind: 'partialRefund', keys: { transactionId: '501' } }],
    ['user_validation is not ours to act on', x.userValidation(), { kind: 'unsupported' }],
  ])('%s', (_name, data, expected) => {
    expect(plan(data)).toEqual(expected);
  });

  it('keeps the v2 item flags (free, bonus, bundle content)', () => {
    const data = x.combinedOrderPaid();
    data.items = [
      {
        sku: 'com.xsolla.item_new_1',
        type: 'bundle',
        is_pre_order: false,
        is_free: false,
        is_bonus: false,
        is_bundle_content: false,
        quantity: 1,
        amount: '1000',
        promotions: [],
      },
      {
        sku: 'com.xsolla.gold_1',
        type: 'virtual_currency',
        is_pre_order: false,
        is_free: false,
        is_bonus: false,
        is_bundle_content: true,
        quantity: 1500,
        amount: '[null]',
        promotions: [],
      },
      { sku: 'gift', type: 'virtual_good', is_pre_order: false, is_free: true, is_bonus: true, quantity: 1, amount: '0', promotions: [] },
    ] as never;
    expect(plan(data)).toMatchObject({
      kind: 'grant',
      lines: [
        { sku: 'com.xsolla.item_new_1', quantity: 1, isBundleContent: false, isFree: false, isBonus: false },
        { sku: 'com.xsolla.gold_1', quantity: 1500, isBundleContent: true },
        { sku: 'gift', quantity: 1, isFree: true, isBonus: true },
      ],
    });
  });

  it('leaves events of another project alone (settings or billing.settings)', () => {
    const separate = { ...x.paymentWithLineItems(), settings: { project_id: 999, merchant_id: 1 } };
    const combined = x.combinedOrderPaid();
    combined.billing.settings = { project_id: 999, merchant_id: 1 };
    expect(plan(separate)).toEqual({ kind: 'otherProject', projectId: '999', keys: { orderId: '1', transactionId: '501' } });
    expect(plan(combined)).toEqual({ kind: 'otherProject', projectId: '999', keys: { orderId: '2', transactionId: '601' } });
  });

  it('reads what it can of another project’s order keys, and never quarantines them', () => {
    const noKeys = { notification_type: 'payment', settings: { project_id: 999 } };
    const badKey = { notification_type: 'refund', settings: { project_id: 999 }, transaction: { id: { $ne: 1 } } };
    expect(plan(noKeys)).toEqual({ kind: 'otherProject', projectId: '999', keys: {} });
    expect(plan(badKey)).toEqual({ kind: 'otherProject', projectId: '999', keys: {} });
  });

  it('treats an event with no project at all as the caller’s', () => {
    expect(plan(x.separateOrderPaid()).kind).toBe('grant');
  });

  it('takes the project id as a string or a number', () => {
    expect(plan({ ...x.paymentWithLineItems(), settings: { project_id: '308077' } }).kind).toBe('grant');
  });
});

describe('bad content is quarantined with a reason, never applied', () => {
  const withItem = (item: unknown) => ({ ...x.separateOrderPaid(), items: [x.orderItems()[0], item] });
  it.each([
    ['zero quantity', withItem({ sku: 'a', quantity: 0 }), 'invalid-quantity'],
    ['negative quantity', withItem({ sku: 'a', quantity: -5 }), 'invalid-quantity'],
    ['fractional quantity', withItem({ sku: 'a', quantity: 1.5 }), 'invalid-quantity'],
    ['quantity as a string', withItem({ sku: 'a', quantity: '3' }), 'invalid-quantity'],
    ['unsafe quantity', withItem({ sku: 'a', quantity: 2 ** 53 }), 'invalid-quantity'],
    ['missing quantity', withItem({ sku: 'a' }), 'invalid-quantity'],
    [
      'lines adding up past the safe range',
      {
        ...x.separateOrderPaid(),
        items: [
          { sku: 'a', quantity: 2 ** 52 },
          { sku: 'a', quantity: 2 ** 52 },
        ],
      },
      'invalid-quantity',
    ],
    ['missing sku', withItem({ quantity: 1 }), 'invalid-sku'],
    ['empty sku', withItem({ sku: '', quantity: 1 }), 'invalid-sku'],
    ['sku as a number', withItem({ sku: 42, quantity: 1 }), 'invalid-sku'],
    ['sku as an object', withItem({ sku: { toString: 'x' }, quantity: 1 }), 'invalid-sku'],
    ['item that is not an object', withItem('gold'), 'malformed-data'],
    ['items that is not an array', { ...x.separateOrderPaid(), items: { sku: 'a', quantity: 1 } }, 'malformed-data'],
    ['order_paid without items', { ...x.separateOrderPaid(), items: [] }, 'missing-items'],
    ['order_paid without any id', { notification_type: 'order_paid', items: x.orderItems() }, 'missing-order-key'],
    ['refund without any id', { notification_type: 'refund', settings: { project_id: 308077 } }, 'missing-order-key'],
    ['order id of the wrong type', { ...x.separateOrderPaid(), order: { id: { $ne: 1 } } }, 'malformed-data'],
    ['fractional order id', { ...x.separateOrderPaid(), order: { id: 1.5 } }, 'malformed-data'],
    ['project id of the wrong type', { ...x.paymentWithLineItems(), settings: { project_id: [308077] } }, 'malformed-data'],
    ['legacy currency with neither sku nor name', { ...x.legacyPayment(), purchase: { virtual_currency: { quantity: 5 } } }, 'invalid-sku'],
    [
      'line item with an invalid quantity',
      { ...x.paymentWithLineItems(), purchase: { order: { id: 1, lineitems: [{ sku: 'a', quantity: -1 }] } } },
      'invalid-quantity',
    ],
  ])('%s', (_name, data, reason) => {
    expect(plan(data as Record<string, unknown>)).toMatchObject({ kind: 'quarantine', reason });
  });

  it('accepts __proto__ and constructor as ordinary SKUs', () => {
    const data = { ...x.separateOrderPaid(), items: JSON.parse('[{"sku":"__proto__","quantity":2},{"sku":"constructor","quantity":1}]') };
    expect(plan(data)).toMatchObject({
      kind: 'grant',
      lines: [
        { sku: '__proto__', quantity: 2 },
        { sku: 'constructor', quantity: 1 },
      ],
    });
    expect(({} as Record<string, unknown>).quantity).toBeUndefined();
  });
});

describe('the envelope', () => {
  it('reads id, type and plan', () => {
    expect(parseEvent(x.event(7, x.refund()), x.PROJECT_ID)).toMatchObject({ id: 7, type: 'refund', plan: { kind: 'revoke' } });
  });
  it.each([[null], ['text'], [{}], [{ id: 'seven', data: x.refund() }], [{ id: 0 }], [{ id: -1 }], [{ id: 1.5 }], [{ id: 2 ** 53 }]])(
    'an event without a usable id (%j) is unreadable',
    (raw) => {
      expect(parseEvent(raw, x.PROJECT_ID).id).toBeUndefined();
    },
  );
  it('reads the server’s created_at as milliseconds, and nothing else as a time', () => {
    expect(parseEvent(x.event(7, x.refund()), x.PROJECT_ID)).toMatchObject({ createdAt: Date.parse('2025-04-03T21:21:27Z') });
    for (const createdAt of [undefined, null, '', 'yesterday', 1743715287000, '9'.repeat(300), { toString: () => '2025' }]) {
      const result = parseEvent({ id: 7, created_at: createdAt, data: x.refund() }, x.PROJECT_ID);
      expect(result).toHaveProperty('createdAt', undefined);
    }
  });
  it('has a parser version that quarantine records are stamped with', () => {
    expect(Number.isSafeInteger(PARSER_VERSION) && PARSER_VERSION >= 1).toBe(true);
  });
  it('an event whose data has no type is quarantined, not dropped', () => {
    expect(parseEvent({ id: 3, data: 'garbage' }, x.PROJECT_ID)).toMatchObject({
      id: 3,
      plan: { kind: 'quarantine', reason: 'malformed-data' },
    });
  });
});

describe('what is kept of a bad event’s data', () => {
  it('keeps small data as it is', () => {
    const data = x.combinedOrderPaid();
    expect(boundedCopy(data)).toEqual(data);
  });
  it('cuts nesting past 32 levels and payloads past the byte budget, with a marker', () => {
    let deep: unknown = 'bottom';
    for (let level = 0; level < 5000; level++) deep = [deep];
    let depth = 0;
    for (let value = boundedCopy(deep); Array.isArray(value); value = value[0]) depth++;
    expect(depth).toBe(32);
    const huge = boundedCopy({ text: 'x'.repeat(1_000_000), list: new Array(1_000_000).fill(7) });
    expect(JSON.stringify(huge).length).toBeLessThan(20_000);
    expect(JSON.stringify(huge)).toContain('[omitted');
  });
  it('keeps __proto__ as a plain key and survives cycles, getters that throw, symbols, functions and BigInt', () => {
    const data: Record<string, unknown> = JSON.parse('{"__proto__":{"polluted":true},"n":-0,"big":1e308}');
    data.self = data;
    data.big2 = 10n;
    data.sym = Symbol('s');
    data.fn = () => 1;
    Object.defineProperty(data, 'trap', {
      enumerable: true,
      get: () => {
        throw new Error('no');
      },
    });
    const copy = boundedCopy(data) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.is(copy.n, -0)).toBe(true);
    expect(copy.big).toBe(1e308);
    for (const key of ['self', 'big2', 'sym', 'fn', 'trap']) expect(copy[key]).toMatch(/^\[omitted/);
    expect(structuredClone(copy)).toEqual(copy);
  });
});
