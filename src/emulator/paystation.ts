/**
 * The emulator's Pay Station, at Xsolla's path: `GET /paystation4/?token=` opens the checkout of
 * the order Create order gave that token for, and its buttons call `POST /paystation4/pay` and
 * `POST /paystation4/decline` with `{token}`. Paying here is paying through the same world as
 * `pay()`: the events in the order's webhook mode, the Player Inventory, Get order, the socket.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJson, send, sendError } from './http';
import { EmulatorInputError } from './input';
import { pageHeaders, payStationErrorPage, payStationPage, type PageLine } from './paystation-page';
import type { StoredOrder, World } from './state';

export const PAY_STATION_PATH = '/paystation4/';

/** What the page posts to its host as a `status` message, and what its endpoints answer. */
const paymentInfo = (order: StoredOrder, status: 'done' | 'troubled') => ({
  paymentInfo: { status, invoice: String(order.transactionId) },
});

export function createPayStation(world: World, pay: (orderId: number) => unknown) {
  const tokens = new Map<string, number>();

  /** The order a token opens while it waits to be paid; 404 for a token it never gave, 409 once paid or canceled. */
  function unpaidOrder(token: unknown): StoredOrder {
    const orderId = typeof token === 'string' ? tokens.get(token) : undefined;
    const order = orderId === undefined ? undefined : world.order(orderId);
    if (!order) throw new EmulatorInputError('This payment link is not valid: no order has this token.', 404);
    if (order.status !== 'new') {
      throw new EmulatorInputError(`Order ${order.orderId} is ${order.status === 'canceled' ? 'canceled' : 'already paid'}.`, 409);
    }
    return order;
  }

  const actions: Record<string, (order: StoredOrder) => unknown> = {
    pay(order) {
      pay(order.orderId);
      return paymentInfo(order, 'done');
    },
    // A declined card: nothing is charged, and the order stays open to pay.
    decline: (order) => paymentInfo(order, 'troubled'),
  };

  /** The order's lines as the buyer reads them: each bought SKU, with what a bundle holds. */
  function linesOf(order: StoredOrder): PageLine[] {
    const nameOf = (sku: string) => world.shop.listings.get(sku)?.name ?? sku;
    const lines: PageLine[] = [];
    order.items.forEach((item, index) => {
      if (item.isBundleContent && lines.length > 0) lines.at(-1)!.contents.push({ name: nameOf(item.sku), quantity: item.quantity });
      else if (!item.isBundleContent) {
        lines.push({ name: nameOf(item.sku), quantity: item.quantity, amount: order.price.lineAmounts?.[index] ?? null, contents: [] });
      }
    });
    return lines;
  }

  function page(response: ServerResponse, token: string | null) {
    const nonce = randomBytes(16).toString('base64');
    const answer = (status: number, html: string) => {
      if (response.headersSent) return;
      response.writeHead(status, pageHeaders(nonce, status === 200));
      response.end(html);
    };
    try {
      const order = unpaidOrder(token);
      answer(200, payStationPage({ lines: linesOf(order), price: order.price, sandbox: order.sandbox, nonce }));
    } catch (error) {
      if (!(error instanceof EmulatorInputError)) throw error;
      const title = error.status === 404 ? 'Payment not found' : 'Payment not available';
      answer(error.status, payStationErrorPage({ title, message: error.message, nonce }));
    }
  }

  return {
    /** A Pay Station token for an order just created (opaque, like Xsolla's). */
    issue(orderId: number): string {
      const token = randomBytes(16).toString('hex');
      tokens.set(token, orderId);
      return token;
    },

    /** Serves one request whose path starts with PAY_STATION_PATH. */
    async serve(method: string, path: string, request: IncomingMessage, response: ServerResponse, query: URLSearchParams) {
      const action = path.slice(PAY_STATION_PATH.length);
      const allowed = action === '' ? 'GET' : Object.hasOwn(actions, action) ? 'POST' : undefined;
      if (!allowed) return sendError(response, 404, 'Not found');
      if (method !== allowed) return sendError(response, 405, `${path} takes ${allowed}`, { Allow: allowed });
      if (action === '') return page(response, query.get('token'));
      const { token } = await readJson(request);
      send(response, 200, actions[action]!(unpaidOrder(token)));
    },
  };
}
