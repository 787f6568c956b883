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
import { delay, linkSignals } from '../schedule/delay';
import type { StoreApi } from '../transport/store-api';
import { payStationUrl } from './pay-station';
import { openPopup, showIn } from './popup';

/** Once the buyer is done, or the order is paid: how long its event has to deliver it (the error event says 2 minutes). */
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

const never = new Promise<never>(() => {});

export function createPurchases(deps: PurchaseDeps) {
  // The purchase under way, if any: another one brings its window to the front instead.
  let current: { focus(): void } | undefined;

  function purchase(sku: string, { quantity = 1, sandbox = false, signal, open }: PurchaseOptions = {}): Promise<PurchaseOutcome> {
    try {
      deps.lifetime.throwIfAborted();
      signal?.throwIfAborted();
      if (!isValidSku(sku) || !isValidQuantity(quantity) || (open !== undefined && typeof open !== 'function')) {
        throw new InvalidArgumentError('purchase() needs a SKU, a whole quantity above 0 and, if given, an open function');
      }
      if (current) {
        current.focus();
        throw new PurchaseInProgressError('a purchase is open already: no second order was made');
      }
      // Now, inside the player's click: no await has happened yet.
      const popup = open ? undefined : openPopup();
      const mine = (current = { focus: () => popup?.focus() });
      const run = async () => {
        const stop = linkSignals(signal, deps.lifetime);
        let shown = false;
        try {
          const { orderId, token } = await deps.storeApi.createOrder(sku, sandbox ? { quantity, sandbox } : { quantity }, stop.signal);
          const url = payStationUrl(deps.storeUrl, token, sandbox);
          shown = true;
          const buyerDone = popup
            ? showIn(popup, url, deps.clock, stop.signal)
            : Promise.resolve(open!(url, { orderId })).then((view) => view?.closed?.catch(() => undefined) ?? never);
          return await outcome(orderId, buyerDone, stop.signal);
        } catch (error) {
          // A blank popup goes, and so does Pay Station when the game gives up; after another failure
          // (the token refused meanwhile, say) the buyer may be paying: that window is theirs.
          if (!shown || stop.signal.aborted) popup?.close();
          throw error;
        } finally {
          stop.abort(); // ends the watch, the waits and the popup's listeners
        }
      };
      return typed(run(), signal).finally(() => {
        if (current === mine) current = undefined;
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Every wait here rejects once `signal` aborts: the purchase gave up, or the client closed. */
  async function outcome(orderId: string, buyerDone: Promise<unknown>, signal: AbortSignal): Promise<PurchaseOutcome> {
    const ended = (status: PurchaseStatus, order?: Order): PurchaseOutcome => ({ status, orderId, ...(order && { order }) });
    /** What Get order says of the order now (`unknown` when it cannot tell). */
    const asked = () =>
      deps.storeApi
        .getOrder(orderId, signal)
        .then(readStatus)
        .catch(() => (signal.throwIfAborted(), 'unknown'));
    /** What Get order's word settles: `new` once the buyer is done (closed), or `canceled`. */
    const told = (status: string) => (status === 'new' ? ended('closed') : status === 'canceled' ? ended('canceled') : undefined);
    const settled = deps.watch(orderId, signal).then((order) => ended(order.status === 'granted' ? 'delivered' : 'canceled', order));
    let said!: (word: 'paid' | PurchaseOutcome) => void;
    const statusSaid = new Promise<'paid' | PurchaseOutcome>((resolve) => (said = resolve));
    const off = deps.onOrderStatus((update) => {
      if (update.orderId !== orderId) return;
      if (update.status === 'canceled') said(ended('canceled'));
      else if (update.status === 'paid' || update.status === 'done') said('paid');
    });
    signal.addEventListener('abort', off, { once: true });
    const wait = (ms: number) => delay(ms, { signal, clock: deps.clock }).then(() => 'late' as const);
    const first = await Promise.race([settled, statusSaid, buyerDone.then(() => 'done' as const), wait(BUYER_WAIT_MS)]);
    if (typeof first === 'object') return first;
    const known = first === 'done' ? told(await asked()) : undefined;
    if (known) return known;
    if (first !== 'late') {
      // Paid, or the buyer is done: the ledger has the wait to deliver it (a refund meanwhile revokes it there).
      const second = await Promise.race([settled, wait(DELIVERY_WAIT_MS)]);
      if (second !== 'late') return second;
    }
    const status = await asked();
    const last = told(status);
    if (last) return last;
    deps.onUndelivered(
      new GetUpdatesError(
        `order ${orderId} ${status === 'unknown' ? 'may be' : 'is'} paid but undelivered after 2 minutes: usually the project's ` +
          'Events API is not turned on (Publisher Account → Settings → Integration settings → "Use API")',
      ),
    );
    return ended('pending');
  }

  return { purchase };
}
