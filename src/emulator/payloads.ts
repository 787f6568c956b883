/**
 * Event data shaped like Xsolla's webhooks, for both project generations: "combined"
 * (order_paid / order_canceled carrying the payment under `billing`) and "separate"
 * (payment / refund, then item-only order_paid / order_canceled without settings or billing).
 */
import type { GrantLine } from '../events/plan';
import type { Money } from './money';

export type WebhookMode = 'combined' | 'separate';

/** An item bought: the same shape the client's grants use. */
export type PurchaseItem = GrantLine;

export interface Purchase {
  projectId: number;
  userId: string;
  orderId: number;
  transactionId: number;
  items: PurchaseItem[];
  mode: WebhookMode;
  paidAt: string;
  /** What the order cost (default 1.99 USD); `lineAmounts` per item, null for bundle content and free lines. */
  price?: Money & { lineAmounts?: Array<string | null> };
  /** The buyer's `custom_parameters` from Create order, passed on in the payment. */
  customParameters?: Record<string, unknown>;
}

const MERCHANT_ID = 2340;
const PRICE = '1.99';

const priceOf = (purchase: Pick<Purchase, 'price'>): Money => purchase.price ?? { amount: PRICE, currency: 'USD' };
/** A line's share of the price: none for bundle content or a free line. */
const lineAmount = (purchase: Pick<Purchase, 'price'>, item: PurchaseItem, index: number): string | null =>
  item.isBundleContent || item.isFree ? null : (purchase.price?.lineAmounts?.[index] ?? PRICE);

function orderItems(purchase: Purchase) {
  return purchase.items.map((item, index) => ({
    sku: item.sku,
    type: item.type ?? 'virtual_good',
    is_pre_order: false,
    is_free: item.isFree ?? false,
    is_bonus: item.isBonus ?? false,
    is_bundle_content: item.isBundleContent ?? false,
    quantity: item.quantity,
    amount: lineAmount(purchase, item, index),
    promotions: [],
  }));
}

function order(purchase: Purchase, status: 'paid' | 'canceled') {
  return {
    id: purchase.orderId,
    mode: 'default',
    currency_type: 'real',
    currency: priceOf(purchase).currency,
    amount: priceOf(purchase).amount,
    status,
    platform: 'xsolla',
    comment: null,
    invoice_id: String(purchase.transactionId),
    promotions: [],
    promocodes: [],
    coupons: [],
  };
}

/** The payment part: a `payment` (or, with refund details, `refund`) webhook body. */
function billing(purchase: Purchase, type: 'payment' | 'refund') {
  const { amount, currency } = priceOf(purchase);
  const body: Record<string, unknown> = {
    notification_type: type,
    settings: { project_id: purchase.projectId, merchant_id: MERCHANT_ID },
    purchase: {
      total: { currency, amount: Number(amount) },
      order: {
        id: purchase.orderId,
        // Every line, bundle contents too, so both generations grant the same inventory.
        lineitems: purchase.items.map((item, index) => ({
          sku: item.sku,
          quantity: item.quantity,
          price: { currency, amount: Number(lineAmount(purchase, item, index) ?? 0) },
        })),
      },
    },
    user: { id: purchase.userId, name: purchase.userId, country: 'US' },
    transaction: {
      id: purchase.transactionId,
      external_id: `emulator-${purchase.transactionId}`,
      payment_date: purchase.paidAt,
      payment_method: 1380,
      payment_method_name: 'Emulated card',
      dry_run: 1,
      agreement: 1,
    },
    payment_details: {
      payment: { currency, amount: Number(amount) },
      vat: { currency, amount: 0 },
      xsolla_fee: { currency, amount: 0.1 },
    },
    custom_parameters: purchase.customParameters ?? {},
  };
  if (type === 'refund')
    body.refund_details = { code: 1, reason: 'Cancellation by the user request / the game request', author: 'emulator' };
  return body;
}

const user = (purchase: Purchase) => ({ external_id: purchase.userId, email: `${purchase.userId}@players.example` });

/** Event data for a paid order, in the order Xsolla sends it. */
export function paidEventData(purchase: Purchase): Array<Record<string, unknown>> {
  const paid = { notification_type: 'order_paid', items: orderItems(purchase), order: order(purchase, 'paid'), user: user(purchase) };
  if (purchase.mode === 'combined')
    return [{ ...paid, billing: billing(purchase, 'payment'), custom_parameters: purchase.customParameters ?? {} }];
  return [billing(purchase, 'payment'), paid];
}

/** Event data for a refunded order, in the order Xsolla sends it. */
export function refundEventData(purchase: Purchase): Array<Record<string, unknown>> {
  const canceled = {
    notification_type: 'order_canceled',
    items: orderItems(purchase),
    order: order(purchase, 'canceled'),
    user: user(purchase),
  };
  if (purchase.mode === 'combined')
    return [{ ...canceled, billing: billing(purchase, 'refund'), custom_parameters: purchase.customParameters ?? {} }];
  return [billing(purchase, 'refund'), canceled];
}

/**
 * Get order's answer (`GET /v2/project/{id}/order/{orderId}`): the status and what was bought,
 * never an inventory (bundle contents are not lines of the order).
 */
export function orderStatusBody(order: Omit<Purchase, 'paidAt'>, status: string) {
  const { currency } = priceOf(order);
  const price = (amount: string) => ({ amount, amount_without_discount: amount, currency });
  return {
    order_id: order.orderId,
    status,
    content: {
      price: price(priceOf(order).amount),
      virtual_price: null,
      is_free: false,
      items: order.items.flatMap((item, index) =>
        item.isBundleContent
          ? []
          : [
              {
                sku: item.sku,
                quantity: item.quantity,
                is_free: item.isFree ?? false,
                price: price(lineAmount(order, item, index) ?? '0'),
              },
            ],
      ),
    },
  };
}
