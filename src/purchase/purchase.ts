/**
 * The purchase (DESIGN.md §2d): Create order, Pay Station, and an outcome the game can show.
 * The order is watched as `watchOrder` watches one, with Get order whatever the options, and
 * only the ledger says `delivered`: Create order and Get order never grant. Pay Station says
 * when the buyer is done with it; Get order then tells a buyer who left without paying
 * (`closed`) from a payment whose event is still to come. Every path ends: at delivery, on a
 * cancel, after a bounded wait for delivery once the buyer is done or the order is paid, or
 * after a longer one when nothing says the buyer is done.
 */
import { GetUpdatesError, InvalidArgumentError, PurchaseInProgressError, typed } from '../errors';
import { isValidQuantity, isValidSku } from '../events/fields';
import type { Order } from '../ledger/records';
import { readStatus } from '../push/order-poll';
import type { OrderStatusUpdate } from '../push/order-status';
import type { Clock } from '../schedule/clock';
import { delay, linkSignals, raceAbort } from '../schedule/delay';
import type { StoreApi } from '../transport/store-api';
import { payStationUrl } from './pay-station';
import { openPopup, showIn } from './popup';

/** Once the buyer is done, or the order is paid: how long its event has to deliver it. */
export const DELIVERY_WAIT_MS = 2 * 60_000;
/** With nothing that says the buyer is done (an `open()` without `closed`, a severed popup): how long the purchase waits. */
export const BUYER_WAIT_MS = 15 * 60_000;

export type PurchaseStatus = 'delivered' | 'closed' | 'canceled' | 'pending';

export interface PurchaseOutcome {
  /**
   * - `delivered`: granted in the ledger (`granted` fired for it);
   * - `closed`: the buyer left Pay Station and Get order says unpaid; nothing granted;
   * - `canceled`: canceled or refunded before it was delivered;
   * - `pending`: paid (or its state unknown) but not delivered within the wait (an `error` event
   *   says why this usually happens); the next drains deliver it once its event arrives.
   */
  status: PurchaseStatus;
  orderId: string;
  /** The ledger's order, when the ledger settled it (`delivered`, or `canceled` by a refund event). */
  order?: Order;
}

/** What an `open()` can tell of Pay Station: `closed` settles when the buyer is done with it. */
export interface PayStationView {
  closed?: Promise<unknown>;
}

export interface PurchaseOptions {
  /** How many (default 1). */
  quantity?: number;
  /** Xsolla's sandbox: its test cards, no money moves. */
  sandbox?: boolean;
  signal?: AbortSignal;
  /**
   * Shows Pay Station at `url` instead of a popup: an iframe, a full-page redirect, Electron's
   * `shell.openExternal`, a portal's opener. Called once the order exists (`orderId` is what a
   * redirect keeps, to watch the order on return).
   */
  open?(url: string, order: { orderId: string }): PayStationView | void | Promise<PayStationView | void>;
}

export interface PurchaseDeps {
  storeApi: StoreApi;
  storeUrl: string;
  clock: Clock;
  /** Aborted by `close()`. */
  lifetime: AbortSignal;
  /** Resolves with the order once the ledger settles it (`watchOrder`, with Get order). */
  watch(orderId: string, signal: AbortSignal): Promise<Order>;
  /** Subscribes to the order statuses the client reports; returns the unsubscribe. */
  onOrderStatus(listener: (update: OrderStatusUpdate) => void): () => void;
  /** An order paid (or of unknown state) that no event delivered within the wait. */
  onUndelivered(error: GetUpdatesError): void;
}

const PAID: ReadonlySet<string> = new Set(['paid', 'done']);
const never = new Promise<never>(() => {});

export function createPurchases(deps: PurchaseDeps) {
  // The purchase under way, if any: another one brings its window to the front instead.
  let current: { focus(): void } | undefined;

  function purchase(sku: string, options: PurchaseOptions = {}): Promise<PurchaseOutcome> {
    const { quantity = 1, sandbox = false, signal, open } = options;
    try {
      deps.lifetime.throwIfAborted();
      signal?.throwIfAborted();
      if (!isValidSku(sku)) throw new InvalidArgumentError('purchase() needs a non-empty SKU string');
      if (!isValidQuantity(quantity)) throw new InvalidArgumentError('quantity must be a whole number above 0');
      if (current) {
        current.focus();
        throw new PurchaseInProgressError('a purchase is open already (it was brought to the front): no second order was made');
      }
      // Now, inside the player's click: no await has happened yet.
      const popup = open ? undefined : openPopup();
      const mine = { focus: () => popup?.focus() };
      current = mine;
      return typed(run(sku, quantity, sandbox, popup, open, signal), signal).finally(() => {
        if (current === mine) current = undefined;
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async function run(
    sku: string,
    quantity: number,
    sandbox: boolean,
    popup: Window | undefined,
    open: PurchaseOptions['open'],
    signal: AbortSignal | undefined,
  ): Promise<PurchaseOutcome> {
    const stop = linkSignals(signal, deps.lifetime);
    try {
      const { orderId, token } = await deps.storeApi.createOrder(sku, sandbox ? { quantity, sandbox } : { quantity }, stop.signal);
      const url = payStationUrl(deps.storeUrl, token, sandbox);
      const buyerDone = popup
        ? showIn(popup, url, deps.clock, stop.signal)
        : raceAbort(Promise.resolve(open!(url, { orderId })), stop.signal).then((view) => view?.closed?.catch(() => undefined) ?? never);
      return await outcome(orderId, buyerDone, stop.signal);
    } catch (error) {
      popup?.close();
      throw error;
    } finally {
      stop.abort(); // ends the watch, the waits and the popup's listeners
    }
  }

  async function outcome(orderId: string, buyerDone: Promise<unknown>, signal: AbortSignal): Promise<PurchaseOutcome> {
    const ended = (status: PurchaseStatus, order?: Order): PurchaseOutcome => (order ? { status, orderId, order } : { status, orderId });
    const settled = deps.watch(orderId, signal).then((order) => ended(order.status === 'granted' ? 'delivered' : 'canceled', order));
    let paid!: (said: 'paid') => void;
    let canceled!: (outcome: PurchaseOutcome) => void;
    const paidSaid = new Promise<'paid'>((resolve) => (paid = resolve));
    const canceledSaid = new Promise<PurchaseOutcome>((resolve) => (canceled = resolve));
    const off = deps.onOrderStatus((update) => {
      if (update.orderId !== orderId) return;
      if (update.status === 'canceled') canceled(ended('canceled'));
      else if (PAID.has(update.status)) paid('paid');
    });
    signal.addEventListener('abort', off, { once: true });
    const wait = (ms: number) => delay(ms, { signal, clock: deps.clock }).then(() => 'late' as const);
    const first = await raceAbort(
      Promise.race([settled, canceledSaid, paidSaid, buyerDone.then(() => 'done' as const), wait(BUYER_WAIT_MS)]),
      signal,
    );
    if (typeof first === 'object') return first;
    if (first === 'done') {
      const status = await orderStatus(orderId, signal);
      if (status === 'new' || status === 'canceled') return ended(status === 'new' ? 'closed' : 'canceled');
    }
    if (first !== 'late') {
      const second = await raceAbort(Promise.race([settled, canceledSaid, wait(DELIVERY_WAIT_MS)]), signal);
      if (second !== 'late') return second;
    }
    const status = await orderStatus(orderId, signal);
    if (status === 'new' || status === 'canceled') return ended(status === 'new' ? 'closed' : 'canceled');
    deps.onUndelivered(
      new GetUpdatesError(
        `order ${orderId} ${status === 'unknown' ? 'may be paid (Get order did not answer)' : 'is paid'}, but no event delivered it within ` +
          `${DELIVERY_WAIT_MS / 60_000} minutes. Usually the project's Events API is not turned on: ask Xsolla to enable it, then ` +
          'Publisher Account → the project → Settings → Integration settings → "Use API". Its event is applied when it comes.',
      ),
    );
    return ended('pending');
  }

  /** What Get order says of the order now; `unknown` when it cannot tell. */
  function orderStatus(orderId: string, signal: AbortSignal): Promise<string> {
    return deps.storeApi
      .getOrder(orderId, signal)
      .then(readStatus)
      .catch(() => {
        signal.throwIfAborted();
        return 'unknown';
      });
  }

  return { purchase };
}
