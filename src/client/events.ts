/** The client's typed events (one mitt map) and how ledger outcomes become them. */
import { field, isRecord, isValidQuantity, isValidSku } from '../events/fields';
import type { GrantLine, QuarantineReason } from '../events/plan';
import type { LoopStatus } from '../poll/loop';
import type { OrderStatusUpdate } from '../push/order-status';
import type { AppliedEvent } from '../ledger/records';
import type { Emission } from '../tabs/broadcast';

export interface GrantedEvent {
  eventId: number;
  orderId?: string;
  transactionId?: string;
  items: GrantLine[];
}

export interface RevokedEvent {
  eventId: number;
  orderId?: string;
  transactionId?: string;
  /** What the order had granted and this event took back. */
  items: GrantLine[];
}

export interface PartialRefundEvent {
  eventId: number;
  orderId?: string;
  transactionId?: string;
  /** The raw event data: partial refunds carry no reliable per-item amounts, the game decides. */
  data: unknown;
}

export type IgnoredReason = 'unsupported-type' | 'other-project' | 'revoked-before-grant' | 'unreadable-event' | QuarantineReason;

export interface IgnoredEvent {
  eventId?: number;
  type?: string;
  reason: IgnoredReason;
  /** True when the event was stored aside, not acked, and will be skipped by later polls. */
  quarantined: boolean;
  detail?: string;
}

/**
 * - `polling`: a drain is running; `waiting`/`backing-off`: the next one is due in `nextPollInMs`;
 * - `paused`: hidden (with the default cadence) or offline, until that changes;
 * - `following`: another tab of this player polls, and this one hears of its changes;
 * - `stopped`: `start()` was not called, or `stop()` was.
 */
export type StatusEvent = LoopStatus;
export type ClientStatus = LoopStatus['status'];

export type ClientEvents = {
  granted: GrantedEvent;
  revoked: RevokedEvent;
  partialRefund: PartialRefundEvent;
  ignored: IgnoredEvent;
  /** `handler`: one of the game's own event handlers threw (the library carried on). */
  error: { error: unknown; phase: 'poll' | 'ack' | 'handler' };
  status: StatusEvent;
  /** Xsolla's order-status channel reported a status (with the `orderStatus` option). */
  orderStatus: OrderStatusUpdate;
  /** Balances changed: by this tab's drain or `consume()`, or by another tab of the same player. */
  changed: { skus: string[]; source: 'poll' | 'consume' | 'other-tab' };
};

/** The notifications every tab of the player hears, whichever tab committed the change. */
export type SharedEvents = Pick<ClientEvents, 'granted' | 'revoked' | 'partialRefund' | 'changed'>;

const isOptionalId = (value: unknown) => value === undefined || typeof value === 'string';
const hasEventIds = (payload: unknown) =>
  Number.isSafeInteger(field(payload, 'eventId')) &&
  isOptionalId(field(payload, 'orderId')) &&
  isOptionalId(field(payload, 'transactionId'));
const isGrantLine = (line: unknown) => isValidSku(field(line, 'sku')) && isValidQuantity(field(line, 'quantity'));
const hasItems = (payload: unknown) => {
  const items = field(payload, 'items');
  return Array.isArray(items) && items.every(isGrantLine);
};
const CHANGE_SOURCES: ReadonlySet<unknown> = new Set(['poll', 'consume', 'other-tab']);

/** What a payload from another tab must look like before this tab fires it. */
export const SHARED_EVENT_SHAPES: { [K in keyof SharedEvents]: (payload: unknown) => boolean } = {
  granted: (payload) => hasEventIds(payload) && hasItems(payload),
  revoked: (payload) => hasEventIds(payload) && hasItems(payload),
  partialRefund: (payload) => isRecord(payload) && hasEventIds(payload),
  changed: (payload) => {
    const skus = field(payload, 'skus');
    return Array.isArray(skus) && skus.every(isValidSku) && CHANGE_SOURCES.has(field(payload, 'source'));
  },
};

/** The events one committed page of outcomes fires, in event id order, then `changed`. */
export function emissionsFor(applied: readonly AppliedEvent[]): Array<Emission<ClientEvents>> {
  const emissions: Array<Emission<ClientEvents>> = [];
  const changed = new Set<string>();
  for (const event of applied) {
    event.changed.forEach((sku) => changed.add(sku));
    const ids = { eventId: event.id, ...orderIds(event) };
    switch (event.outcome) {
      case 'granted':
        emissions.push(['granted', { ...ids, items: event.order?.items ?? [] }]);
        break;
      case 'revoked':
        emissions.push(['revoked', { ...ids, items: event.order?.items ?? [] }]);
        break;
      case 'partialRefund':
        emissions.push(['partialRefund', { ...ids, data: event.record?.data }]);
        break;
      case 'voided':
        emissions.push(['ignored', { eventId: event.id, type: event.type, reason: 'revoked-before-grant', quarantined: false }]);
        break;
      case 'unsupported':
        emissions.push(['ignored', { eventId: event.id, type: event.type, reason: 'unsupported-type', quarantined: false }]);
        break;
      case 'otherProject':
        emissions.push([
          'ignored',
          { eventId: event.id, type: event.type, reason: 'other-project', quarantined: false, detail: event.record?.detail },
        ]);
        break;
      case 'quarantined':
        emissions.push([
          'ignored',
          {
            eventId: event.id,
            type: event.type,
            reason: event.record?.reason ?? 'malformed-data',
            quarantined: true,
            detail: event.record?.detail,
          },
        ]);
        break;
      case 'duplicate':
      case 'recorded':
      case 'tombstoned':
      case 'skipped':
        break; // nothing the game needs to hear: no balance moved, nothing new set aside
      default:
        event.outcome satisfies never; // a new outcome must be given its notification here
    }
  }
  if (changed.size > 0) emissions.push(['changed', { skus: [...changed], source: 'poll' }]);
  return emissions;
}

function orderIds(event: AppliedEvent): { orderId?: string; transactionId?: string } {
  const ids: { orderId?: string; transactionId?: string } = {};
  if (event.order?.orderId !== undefined) ids.orderId = event.order.orderId;
  if (event.order?.transactionId !== undefined) ids.transactionId = event.order.transactionId;
  return ids;
}

/**
 * Wraps each game handler so that one that throws cannot stop the drain, the loop or the
 * handlers after it: its error is reported as an `error` event (phase `handler`). An `error`
 * handler that throws while reporting is rethrown on its own task, as an uncaught error.
 */
export function createHandlerGuard(report: (error: unknown) => void) {
  const guarded = new WeakMap<object, (...args: unknown[]) => void>();
  let reporting = false;
  return <H extends (...args: never[]) => void>(handler: H): H => {
    let safe = guarded.get(handler);
    if (!safe) {
      safe = (...args: unknown[]) => {
        try {
          (handler as unknown as (...args: unknown[]) => void)(...args);
        } catch (error) {
          if (reporting)
            return void setTimeout(() => {
              throw error;
            });
          reporting = true;
          try {
            report(error);
          } finally {
            reporting = false;
          }
        }
      };
      guarded.set(handler, safe);
    }
    return safe as unknown as H;
  };
}
