/** The emulator's in-memory world: players' events, their orders, and the faults to inject. */
import { applyFaults, NO_FAULTS, type Faults } from './faults';
import { createIdSource } from './ids';
import { EmulatorInputError, requireItems, requireJsonData, requireOrderId, requireObject, requireProjectId, requireUserId } from './input';
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
}

export function createWorld(projectId: number) {
  const events: EmulatedEvent[] = [];
  const purchases = new Map<number, Purchase & { refunded: boolean }>();
  const nextId = createIdSource(Date.now());
  let faults: Faults = { ...NO_FAULTS };
  /**
   * What the Events API was asked, and what the fault injection did to it. `byMethod` counts
   * every request outside the admin endpoints as it reaches the server, CORS preflights included.
   */
  const stats = { requests: 0, injectedErrors: 0, droppedAckResponses: 0, byMethod: {} as Record<string, number> };

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

  return {
    projectId,
    addEvent,

    purchase(request: PurchaseRequest) {
      const {
        userId: rawUserId,
        items: rawItems,
        mode = 'combined',
        projectId: owner,
      } = requireObject(request, 'a purchase') as Partial<PurchaseRequest>;
      const userId = requireUserId(rawUserId);
      const items = requireItems(rawItems);
      if (mode !== 'combined' && mode !== 'separate') throw new EmulatorInputError('mode must be "combined" or "separate"');
      const purchase = {
        projectId: owner === undefined ? projectId : requireProjectId(owner),
        userId,
        orderId: nextId('order'),
        transactionId: nextId('transaction'),
        items,
        mode,
        paidAt: new Date().toISOString(),
        refunded: false,
      };
      purchases.set(purchase.orderId, purchase);
      const eventIds = paidEventData(purchase).map((data) => addEvent(userId, data));
      return { orderId: purchase.orderId, transactionId: purchase.transactionId, eventIds };
    },

    refund(orderId: unknown) {
      const id = requireOrderId(orderId);
      const purchase = purchases.get(id);
      if (!purchase) throw new EmulatorInputError(`no order ${id}`, 404);
      if (purchase.refunded) throw new EmulatorInputError(`order ${purchase.orderId} is already refunded`, 409);
      purchase.refunded = true;
      return { eventIds: refundEventData(purchase).map((data) => addEvent(purchase.userId, data)), userId: purchase.userId, orderId: id };
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
          .map(({ orderId, transactionId, items, mode, refunded, projectId: owner }) => ({
            orderId,
            transactionId,
            items,
            mode,
            refunded,
            projectId: owner,
          })),
      };
    },

    get faults() {
      return faults;
    },
    stats,
    setFaults(update: Partial<Faults>) {
      faults = applyFaults(faults, update);
      return faults;
    },
  };
}

export type World = ReturnType<typeof createWorld>;

/** The event's type when it has a readable one (injected data may be anything JSON). */
function notificationType(data: unknown): string | undefined {
  const type = (data as { notification_type?: unknown } | null)?.notification_type;
  return typeof type === 'string' ? type : undefined;
}
