/** What one GetUpdates event means for the inventory, decided from its data alone. */

/** One line an order grants: `quantity` units of `sku`. */
export interface GrantLine {
  sku: string;
  /** A positive safe integer. */
  quantity: number;
  /** Xsolla item type when the payload says it (`virtual_good`, `virtual_currency`, `bundle`, ...). */
  type?: string;
  isBundleContent?: boolean;
  isFree?: boolean;
  isBonus?: boolean;
}

/** The ids that name one purchase; at least one is present. Ids are kept as strings. */
export interface OrderKeys {
  orderId?: string;
  transactionId?: string;
}

/** Why an event of a known type was quarantined instead of applied. */
export type QuarantineReason =
  | 'malformed-data'
  | 'missing-order-key'
  | 'missing-items'
  | 'invalid-sku'
  | 'invalid-quantity'
  | 'balance-overflow'
  /** Its effect could not be written even alone (IndexedDB refused it): kept without its data. */
  | 'unstorable';

export type EventPlan =
  | { kind: 'grant'; keys: OrderKeys; lines: GrantLine[] }
  | { kind: 'revoke'; keys: OrderKeys }
  /** A payment with no items: links the transaction; its order_paid brings the items. */
  | { kind: 'recordTransaction'; keys: OrderKeys }
  | { kind: 'partialRefund'; keys: OrderKeys }
  | { kind: 'unsupported' }
  /** `keys`: what could be read of its order ids, so sibling events of that order stay foreign too. */
  | { kind: 'otherProject'; projectId: string; keys: OrderKeys }
  | { kind: 'quarantine'; reason: QuarantineReason; detail: string };

/** An event whose envelope is usable: a safe positive integer id and a notification type. */
export interface ParsedEvent {
  id: number;
  type: string;
  plan: EventPlan;
  /** The raw `data`; a bounded copy of it is kept for quarantined events and partial refunds. */
  data: unknown;
  /** The server's `created_at` in ms since the epoch (undefined when absent or unreadable). */
  createdAt?: number;
}

/** An event so broken it has no usable id: it can be neither stored nor acked. */
export interface UnreadableEvent {
  id: undefined;
  detail: string;
}
