/**
 * The ledger's records as they are stored and reported: what happened to each event, and each
 * order as the game sees it. Pure data and the pure functions that build it.
 */
import { boundedCopy } from '../events/bounded';
import { PARSER_VERSION } from '../events/parse';
import type { GrantLine, ParsedEvent, QuarantineReason } from '../events/plan';
import type { OrderOutcome, OrderRecord, OrderStatus } from './order';
import type { RestoreLine } from './restored';

/** What the ledger did with one event. */
export type EventOutcome =
  | OrderOutcome
  /** Type this library does not act on: recorded and acked. */
  | 'unsupported'
  /** Belongs to another project, or to an order another project's event named: recorded, never acked. */
  | 'otherProject'
  /** Known type, invalid content: recorded with (a bounded copy of) its raw data, never applied or acked. */
  | 'quarantined';

/** The ledger's record of one event id. */
export interface EventRecord {
  id: number;
  type: string;
  outcome: EventOutcome;
  /** The device's clock when it was recorded. */
  appliedAt: number;
  /** The server's `created_at`, when the event had a readable one. */
  createdAt?: number;
  orderKey?: string;
  reason?: QuarantineReason;
  detail?: string;
  /** Which PARSER_VERSION quarantined it (absent: 0, before versions were recorded). */
  parserVersion?: number;
  /** Raw event data, bounded in depth and size, kept for quarantined events and partial refunds. */
  data?: unknown;
}

/** An order as the game sees it. */
export interface Order {
  orderId?: string;
  transactionId?: string;
  status: OrderStatus;
  items: GrantLine[];
  eventIds: number[];
  grantedAt?: number;
  revokedAt?: number;
  /** The server's `created_at` of the event that revoked or voided it. */
  revokedAtServer?: number;
}

/** The result of offering one event to the ledger. */
export interface AppliedEvent {
  id: number;
  type: string;
  /** `skipped`: already recorded as quarantined or another project's; left alone again. */
  outcome: EventOutcome | 'skipped';
  /** True when the event's effect is committed and the server should be told. */
  ack: boolean;
  order?: Order;
  record?: EventRecord;
  /** SKUs whose balance this event changed. */
  changed: string[];
  /** Restored units this grant took over instead of adding (see ledger/restored.ts). */
  absorbed?: RestoreLine[];
}

export function toOrder(record: OrderRecord): Order {
  const { key: _key, lines, ...rest } = record;
  return { ...rest, items: lines };
}

/** A new event record, before its outcome is known. `now` is the device clock. */
export function newRecord(event: ParsedEvent, now: number): EventRecord {
  const record: EventRecord = { id: event.id, type: event.type, outcome: 'unsupported', appliedAt: now };
  if (event.createdAt !== undefined) record.createdAt = event.createdAt;
  return record;
}

/** The record of an event set aside; what is kept of its raw data is bounded. */
export function quarantined(record: EventRecord, data: unknown, reason: QuarantineReason, detail: string): EventRecord {
  const result: EventRecord = { ...record, outcome: 'quarantined', reason, detail, parserVersion: PARSER_VERSION };
  // Bounded: one deep or huge payload must not fail its page.
  if (data !== undefined) result.data = boundedCopy(data);
  return result;
}
