/** The Store API transport: the Events API's request core (token refresh, typed errors) on Xsolla's Store routes. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OrderNotFoundError } from '../src/errors';
import { startEmulator, type Emulator } from '../src/emulator';
import { createStoreApi } from '../src/transport/store-api';
import { createTokenSource } from '../src/transport/token';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

const storeFor = (token: Parameters<typeof createTokenSource>[0]) =>
  createStoreApi({ storeUrl: emulator.url, projectId: String(emulator.projectId), tokens: createTokenSource(token), retries: 0 });

describe('Store API transport', () => {
  it('a 401 asks the token function for a fresh token once, then reads the inventory', async () => {
    emulator.setInventory('store-u1', [{ sku: 'dragon_blade', quantity: 1, virtual_item_type: 'non_consumable' }]);
    const tokens = ['not-a-valid-token', emulator.issueToken('store-u1')];
    const tokenFunction = vi.fn(() => tokens.shift()!);
    const { items, pages } = await storeFor(tokenFunction).inventoryItems();
    expect(items).toEqual([expect.objectContaining({ sku: 'dragon_blade', quantity: 1 })]);
    expect(pages).toBe(1);
    expect(tokenFunction).toHaveBeenCalledTimes(2);
  });

  it('a refused token is an AuthError whose message does not carry the token', async () => {
    const error = await storeFor('header.payloadpayload.signaturesig')
      .inventoryItems()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AuthError' });
    expect(String((error as Error).message)).not.toContain('payloadpayload');
  });

  it('Get order of an order Xsolla does not know rejects with OrderNotFoundError (404)', async () => {
    const error = await storeFor(emulator.issueToken('store-u2'))
      .getOrder('987654321')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrderNotFoundError);
    expect(error).toMatchObject({ status: 404, orderId: '987654321', retryable: false });
  });

  it('Get order reads a pending order, then the paid one', async () => {
    const { orderId } = emulator.purchase({ userId: 'store-u3', items: [{ sku: 'gold', quantity: 1 }], pending: true });
    const store = storeFor(emulator.issueToken('store-u3'));
    expect(await store.getOrder(String(orderId))).toMatchObject({ order_id: Number(orderId), status: 'new' });
    emulator.pay(orderId);
    expect(await store.getOrder(String(orderId))).toMatchObject({ order_id: Number(orderId), status: 'done' });
  });
});
