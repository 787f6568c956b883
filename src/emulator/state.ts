/**
 * The emulator's in-memory world: players' events, their orders and Player Inventories, and the
 * faults to inject.
 */
import { priceOrder, type Shop } from './catalog';
import { applyFaults, NO_FAULTS, type Faults } from './faults';
import { createIdSource } from './ids';
import { EmulatorInputError, requireItems, requireJsonData, requireOrderId, requireObject, requireProjectId, requireUserId } from './input';
import { createInventories } from './inventory';
import type { Money } from './money';
import { paidEventData, refundEventData, type Purchase, type PurchaseItem, type WebhookMode } from './payloads';

export { EmulatorInputError } from './input';
export { NO_FAULTS, type Faults } from './faults';

export interface EmulatedEvent {
  id: number;
  userId: string;
  status: number;
  createdAt: string;
  data: unknown;
  processed: boolean;
  processedAt?: string;
}

export interface PurchaseRequest {
  userId: string;
  items: PurchaseItem[];
  mode?: WebhookMode;
  /** Stamp the payment with another project id (to emulate events a sibling project owns). */
  projectId?: number;
  /** Open the order unpaid, as Pay Station does (status `new`, no events) until `pay(orderId)`. */
  pending?: boolean;
  /** A sandbox order (Create order's `sandbox`): recorded on the order, shown by `state()`. */
  sandbox?: boolean;
  /** Create order's `custom_parameters`: passed on in the payment events. */
  customParameters?: Record<string, unknown>;
}

/** An order's status as Xsolla's Get order and order-status channel name it. */
export type OrderStatus = 'new' | 'paid' | 'done' | 'canceled';

/** An order as the world keeps it, with Xsolla's own number ids (its events carry them); `paidAt` is set once it is paid. */
export type StoredOrder = Omit<Purchase, 'paidAt'> & {
  paidAt?: string;
  status: OrderStatus;
  sandbox: boolean;
  price: NonNullable<Purchase['price']>;
};

/** An order as `state()` shows it: ids are strings, as the client names them (`Order.orderId`, `granted`). */
export interface EmulatedOrder {
  orderId: string;
  transactionId: string;
  items: PurchaseItem[];
  mode: WebhookMode;
  status: OrderStatus;
  refunded: boolean;
  projectId: number;
  sandbox: boolean;
  /** What it cost, at the catalog's prices. */
  price: Money;
}

export function createWorld(projectId: number, shop: Shop, initialMode: unknown = 'combined') {
  const events: EmulatedEvent[] = [];
  const purchases = new Map<number, StoredOrder>();
  const inventories = createInventories(shop);
  const nextId = createIdSource(Date.now());
  let faults: Faults = { ...NO_FAULTS };
  let webhookMode = requireMode(initialMode);
  /**
   * What the Events API (`requests`) and the Store API were asked, and what faults did to them.
   * `byMethod` counts every request outside the admin endpoints as it reaches the server, CORS
   * preflights included.
   */
  const stats = {
    requests: 0,
    storeRequests: { inventory: 0, consume: 0, order: 0, virtualCurrencyBalance: 0, createOrder: 0, catalog: 0 },
    injectedErrors: 0,
    droppedAckResponses: 0,
    byMethod: {} as Record<string, number>,
  };

  function addEvent(userId: unknown, data: unknown): number {
    const event = {
      userId: requireUserId(userId),
      status: 0,
      createdAt: new Date().toISOString(),
      data: requireJsonData(data),
      processed: false,
    };
    const id = nextId('event');
    events.push({ id, ...event });
    return id;
  }

  /** Xsolla's Player Inventory is per project: an order stamped with another project is not ours. */
  const ownInventory = (order: StoredOrder) => order.projectId === projectId;

  function requireOrder(orderId: unknown): StoredOrder {
    const id = requireOrderId(orderId);
    const order = purchases.get(id);
    if (!order) throw new EmulatorInputError(`no order ${id}`, 404);
    return order;
  }

  /** Payment: the events Xsolla sends, and the items enter the Player Inventory. */
  function payOrder(order: StoredOrder): number[] {
    const paid = { ...order, paidAt: new Date().toISOString() };
    Object.assign(order, { paidAt: paid.paidAt, status: 'done' });
    if (ownInventory(order)) inventories.add(order.userId, order.items);
    return paidEventData(paid).map((data) => addEvent(order.userId, data));
  }

  return {
    projectId,
    shop,
    addEvent,
    inventories,

    purchase(request: PurchaseRequest) {
      const {
        userId: rawUserId,
        items: rawItems,
        mode = webhookMode,
        projectId: owner,
        pending = false,
        sandbox = false,
        customParameters,
      } = requireObject(request, 'a purchase') as Partial<PurchaseRequest>;
      const userId = requireUserId(rawUserId);
      const items = requireItems(rawItems);
      requireMode(mode);
      if (typeof pending !== 'boolean') throw new EmulatorInputError('pending must be true or false');
      if (typeof sandbox !== 'boolean') throw new EmulatorInputError('sandbox must be true or false');
      if (customParameters !== undefined) requireObject(customParameters, 'customParameters');
      const order: StoredOrder = {
        projectId: owner === undefined ? projectId : requireProjectId(owner),
        userId,
        orderId: nextId('order'),
        transactionId: nextId('transaction'),
        items,
        mode,
        status: 'new',
        sandbox,
        price: priceOrder(shop, items),
        ...(customParameters === undefined ? {} : { customParameters: requireJsonData(customParameters) as Record<string, unknown> }),
      };
      purchases.set(order.orderId, order);
      const eventIds = pending ? [] : payOrder(order);
      return { orderId: order.orderId, transactionId: order.transactionId, eventIds };
    },

    /** Pays an order opened with `pending: true`; 404 for an unknown order, 409 unless it is `new`. */
    pay(orderId: unknown) {
      const order = requireOrder(orderId);
      if (order.status !== 'new') throw new EmulatorInputError(`order ${order.orderId} is ${order.status}, not new`, 409);
      return { eventIds: payOrder(order), userId: order.userId, orderId: order.orderId };
    },

    /**
     * Refunds a paid order (its events, and its items leave the inventory), or cancels an unpaid
     * one (nothing was paid: no events). Either way its status becomes `canceled`.
     */
    refund(orderId: unknown) {
      const order = requireOrder(orderId);
      if (order.status === 'canceled') throw new EmulatorInputError(`order ${order.orderId} is already refunded`, 409);
      const { paidAt } = order;
      order.status = 'canceled';
      if (paidAt === undefined) return { eventIds: [], userId: order.userId, orderId: order.orderId };
      if (ownInventory(order)) inventories.remove(order.userId, order.items);
      const eventIds = refundEventData({ ...order, paidAt }).map((data) => addEvent(order.userId, data));
      return { eventIds, userId: order.userId, orderId: order.orderId };
    },

    /** An order by id, whoever's it is: Pay Station knows an order by its token, not by the player. */
    order: (orderId: number): StoredOrder | undefined => purchases.get(orderId),

    /** One of the player's orders in this project, as Get order may show it; undefined otherwise. */
    orderOf(userId: string, orderId: number): StoredOrder | undefined {
      const order = purchases.get(orderId);
      return order && order.userId === userId && order.projectId === projectId ? order : undefined;
    },

    /** Unprocessed events of one player, oldest first, after `afterId`, optionally by type. */
    listUnprocessed(userId: string, { afterId = 0, types, limit }: { afterId?: number; types?: string[]; limit: number }) {
      return events
        .filter((event) => event.userId === userId && !event.processed && event.id > afterId)
        .filter((event) => !types || types.some((type) => type === notificationType(event.data)))
        .slice(0, limit);
    },

    /** Marks one of the player's events processed, and says whether it was already. */
    markProcessed(userId: string, eventId: number): 'acked' | 'repeat' | 'unknown' {
      const event = events.find((candidate) => candidate.id === eventId && candidate.userId === userId);
      if (!event) return 'unknown';
      if (event.processed) return 'repeat';
      event.processed = true;
      event.processedAt = new Date().toISOString();
      return 'acked';
    },

    state(userId: string) {
      return {
        events: events.filter((event) => event.userId === userId),
        orders: [...purchases.values()]
          .filter((purchase) => purchase.userId === userId)
          .map(({ orderId, transactionId, items, mode, status, projectId: owner, sandbox, price }): EmulatedOrder => ({
            orderId: String(orderId),
            transactionId: String(transactionId),
            items,
            mode,
            status,
            refunded: status === 'canceled',
            projectId: owner,
            sandbox,
            price: { amount: price.amount, currency: price.currency },
          })),
        inventory: inventories.snapshot(userId),
      };
    },

    get faults() {
      return faults;
    },
    /** The project's webhook generation: what an order that names no `mode` is paid in. */
    get webhookMode() {
      return webhookMode;
    },
    setWebhookMode(mode: unknown): WebhookMode {
      webhookMode = requireMode(mode);
      return webhookMode;
    },
    stats,
    setFaults(update: Partial<Faults>) {
      faults = applyFaults(faults, update);
      return faults;
    },
  };
}

export type World = ReturnType<typeof createWorld>;

function requireMode(mode: unknown): WebhookMode {
  if (mode !== 'combined' && mode !== 'separate') throw new EmulatorInputError('mode must be "combined" or "separate"');
  return mode;
}

/** The event's type when it has a readable one (injected data may be anything JSON). */
function notificationType(data: unknown): string | undefined {
  const type = (data as { notification_type?: unknown } | null)?.notification_type;
  return typeof type === 'string' ? type : undefined;
}
