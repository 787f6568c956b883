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
  | 'balance-overflow';

export type EventPlan =
  | { kind: 'grant'; keys: OrderKeys; lines: GrantLine[] }
  | { kind: 'revoke'; keys: OrderKeys }
  /** A payment with no items: links the transaction; its order_paid brings the items. */
  | { kind: 'recordTransaction'; keys: OrderKeys }
  | { kind: 'partialRefund'; keys: OrderKeys }
  | { kind: 'unsupported' }
  | { kind: 'otherProject'; projectId: string }
  | { kind: 'quarantine'; reason: QuarantineReason; detail: string };

/** An event whose envelope is usable: a safe positive integer id and a notification type. */
export interface ParsedEvent {
  id: number;
  type: string;
  plan: EventPlan;
  /** The raw `data`, kept for quarantined events and partial refunds. */
  data: unknown;
}

/** An event so broken it has no usable id: it can be neither stored nor acked. */
export interface UnreadableEvent {
  id: undefined;
  detail: string;
}
