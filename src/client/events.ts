/** The client's typed events (one mitt map) and how ledger outcomes become them. */
import { HandlerError, type GetUpdatesError } from '../errors';
import { field, isRecord, isValidQuantity, isValidSku } from '../events/fields';
import type { GrantLine, QuarantineReason } from '../events/plan';
import type { LoopStatus } from '../poll/loop';
import type { OrderStatusUpdate } from '../push/order-status';
import type { AppliedEvent } from '../ledger/records';
import type { RestoreLine } from '../ledger/restored';
import type { Emission } from '../tabs/broadcast';

export interface GrantedEvent {
  eventId: number;
  orderId?: string;
  transactionId?: string;
  items: GrantLine[];
  /**
   * Units of these items the player already had from a restore: this order took them over, so
   * the balances grew only by the rest. Absent when nothing was restored.
   */
  alreadyRestored?: RestoreLine[];
}

/** A refund or cancel event took back what its order had granted. */
export interface RevokedEvent {
  source: 'event';
  eventId: number;
  orderId?: string;
  transactionId?: string;
  /** What the order had granted and this event took back. */
  items: GrantLine[];
}

/** A restore took back restored units that the Player Inventory no longer lists (refunded elsewhere). */
export interface RestoreRevokedEvent {
  source: 'restore';
  sku: string;
  quantity: number;
  /** The same units as a line, so a handler that reads `items` serves both kinds. */
  items: RestoreLine[];
  /** A restore names no event or order; present so that one handler can destructure both kinds. */
  eventId?: undefined;
  orderId?: undefined;
  transactionId?: undefined;
}

/** A restore granted units of a non-consumable that the Player Inventory lists and the ledger did not hold. */
export interface RestoredEvent {
  sku: string;
  quantity: number;
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
  revoked: RevokedEvent | RestoreRevokedEvent;
  restored: RestoredEvent;
  partialRefund: PartialRefundEvent;
  ignored: IgnoredEvent;
  /**
   * `handler`: one of the game's own event handlers threw (the library carried on; `error` is a
   * `HandlerError` whose `cause` is what it threw); `restore`: a restore failed (nothing of it was
   * applied); `order`: Get order failed for a watched order; `purchase`: a purchase ended
   * `pending` (paid, yet no event delivered it: the message says why that usually happens);
   * `catalog`: rows of the catalog were left out. `error` is always a GetUpdatesError.
   */
  error: { error: GetUpdatesError; phase: 'poll' | 'ack' | 'handler' | 'restore' | 'order' | 'purchase' | 'catalog' };
  status: StatusEvent;
  /** A watched order's status, from the order-status socket or from Get order (each status once). */
  orderStatus: OrderStatusUpdate;
  /** Balances changed: by this tab's drain, `consume()` or restore, or by another tab of the same player. */
  changed: { skus: string[]; source: 'poll' | 'consume' | 'restore' | 'other-tab' };
};

/** The notifications every tab of the player hears, whichever tab committed the change. */
export type SharedEvents = Pick<ClientEvents, 'granted' | 'revoked' | 'restored' | 'partialRefund' | 'changed'>;

const isOptionalId = (value: unknown) => value === undefined || typeof value === 'string';
const hasEventIds = (payload: unknown) =>
  Number.isSafeInteger(field(payload, 'eventId')) &&
  isOptionalId(field(payload, 'orderId')) &&
  isOptionalId(field(payload, 'transactionId'));
const isGrantLine = (line: unknown) => isValidSku(field(line, 'sku')) && isValidQuantity(field(line, 'quantity'));
const hasLines = (payload: unknown, key: string) => {
  const lines = field(payload, key);
  return Array.isArray(lines) && lines.every(isGrantLine);
};
const hasItems = (payload: unknown) => hasLines(payload, 'items');
const CHANGE_SOURCES: ReadonlySet<unknown> = new Set(['poll', 'consume', 'restore', 'other-tab']);

/** What a payload from another tab must look like before this tab fires it. */
export const SHARED_EVENT_SHAPES: { [K in keyof SharedEvents]: (payload: unknown) => boolean } = {
  granted: (payload) =>
    hasEventIds(payload) && hasItems(payload) && (field(payload, 'alreadyRestored') === undefined || hasLines(payload, 'alreadyRestored')),
  revoked: (payload) =>
    field(payload, 'source') === 'restore'
      ? isGrantLine(payload) && hasItems(payload) && field(payload, 'eventId') === undefined
      : field(payload, 'source') === 'event' && hasEventIds(payload) && hasItems(payload),
  restored: isGrantLine,
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
        emissions.push([
          'granted',
          { ...ids, items: event.order?.items ?? [], ...(event.absorbed ? { alreadyRestored: event.absorbed } : {}) },
        ]);
        break;
      case 'revoked':
        emissions.push(['revoked', { source: 'event', ...ids, items: event.order?.items ?? [] }]);
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

/** The events one committed restore fires: `restored` and `revoked` per SKU, then `changed`. */
export function restoreEmissions({
  restored,
  revoked,
}: {
  restored: RestoreLine[];
  revoked: RestoreLine[];
}): Array<Emission<ClientEvents>> {
  const emissions: Array<Emission<ClientEvents>> = [
    ...restored.map(({ sku, quantity }): Emission<ClientEvents> => ['restored', { sku, quantity }]),
    ...revoked.map(({ sku, quantity }): Emission<ClientEvents> => [
      'revoked',
      { source: 'restore', sku, quantity, items: [{ sku, quantity }] },
    ]),
  ];
  const skus = [...new Set([...restored, ...revoked].map(({ sku }) => sku))];
  if (skus.length > 0) emissions.push(['changed', { skus, source: 'restore' }]);
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
export function createHandlerGuard(report: (error: HandlerError) => void) {
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
            const what = error instanceof Error ? error.message : String(error);
            report(new HandlerError(`a game event handler threw: ${what}`, { cause: error }));
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
