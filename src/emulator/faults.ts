/**
 * What the emulator does wrong on purpose: injected failures, and the server behaviours the
 * Events API leaves undocumented (DESIGN §1), so a client can be run under each of them.
 */
import { EmulatorInputError, requireObject } from './input';

/** What acking an event can answer when there is nothing (more) to record. */
export type AckStatus = 200 | 204 | 404;

export interface Faults {
  /** Share of Events API requests (0..1) answered with `status` instead of served. */
  errorRate: number;
  /** Delay added before every Events API response. */
  latencyMs: number;
  /** Status of injected failures (default 503). */
  status: number;
  /** Retry-After seconds sent with injected failures (null clears it). */
  retryAfterS?: number | null;
  /** Share of acks recorded and then answered with a dropped connection. */
  dropAckResponseRate: number;
  /** List from the oldest unprocessed event whatever `after_id` says (Xsolla's SDKs never send it). */
  ignoreAfterId: boolean;
  /** What acking an event that is already processed answers (default 204). */
  repeatAckStatus: AckStatus;
  /** What acking an id the player has no event for answers (default 404). */
  unknownAckStatus: AckStatus;
  /** What a bad or expired token gets (default 401; Xsolla's SDK treats 403 the same). */
  authFailureStatus: 401 | 403;
}

export const NO_FAULTS: Faults = {
  errorRate: 0,
  latencyMs: 0,
  status: 503,
  dropAckResponseRate: 0,
  ignoreAfterId: false,
  repeatAckStatus: 204,
  unknownAckStatus: 404,
  authFailureStatus: 401,
};

/** A minute: longer waits only stall tests, and a timer cannot hold much more than 24 days. */
const MAX_LATENCY_MS = 60_000;

const isRate = (value: unknown) => typeof value === 'number' && value >= 0 && value <= 1;
const oneOf =
  (...allowed: unknown[]) =>
  (value: unknown) =>
    allowed.includes(value);

/** Each field's check, and what the error says it must be. */
const RULES: { [K in keyof Faults]-?: [check: (value: unknown) => boolean, mustBe: string] } = {
  errorRate: [isRate, 'a number from 0 to 1'],
  dropAckResponseRate: [isRate, 'a number from 0 to 1'],
  latencyMs: [
    (value) => typeof value === 'number' && value >= 0 && value <= MAX_LATENCY_MS,
    `a number of milliseconds from 0 to ${MAX_LATENCY_MS}`,
  ],
  status: [(value) => Number.isInteger(value) && (value as number) >= 400 && (value as number) <= 599, 'an HTTP error status (400 to 599)'],
  retryAfterS: [
    (value) => value === undefined || value === null || (typeof value === 'number' && value >= 0 && Number.isFinite(value)),
    'a non-negative number or null',
  ],
  ignoreAfterId: [(value) => typeof value === 'boolean', 'true or false'],
  repeatAckStatus: [oneOf(200, 204, 404), '200, 204 or 404'],
  unknownAckStatus: [oneOf(200, 204, 404), '200, 204 or 404'],
  authFailureStatus: [oneOf(401, 403), '401 or 403'],
};

/** `current` with `update` applied, or an EmulatorInputError naming the first bad field. */
export function applyFaults(current: Faults, update: unknown): Faults {
  const changes = requireObject(update, 'faults');
  for (const [field, value] of Object.entries(changes)) {
    const rule = Object.hasOwn(RULES, field) ? RULES[field as keyof Faults] : undefined;
    if (!rule) throw new EmulatorInputError(`unknown fault "${field}"; known: ${Object.keys(RULES).join(', ')}`);
    if (!rule[0](value)) throw new EmulatorInputError(`${field} must be ${rule[1]}`);
  }
  const next = { ...current, ...changes } as Faults;
  // null or undefined clears it: no Retry-After header at all.
  if (next.retryAfterS === undefined || next.retryAfterS === null) delete next.retryAfterS;
  return next;
}
