/** Readers for untrusted JSON: each returns a typed value or says plainly that it could not. */

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value[key]` for own keys only, so nothing is ever read from `Object.prototype`. */
export function field(value: unknown, key: string): unknown {
  return isRecord(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

/** Follows a path of own keys: `path(data, 'billing', 'settings', 'project_id')`. */
export function path(value: unknown, ...keys: string[]): unknown {
  return keys.reduce(field, value);
}

/** Marks a present value whose type is wrong, as opposed to an absent one. */
export const INVALID = Symbol('invalid');

const MAX_ID_LENGTH = 256;

/**
 * An order, transaction or project id as a string: a non-negative safe integer or a non-empty
 * string. Decimal strings are written as their number (`"000000001"`, `"1"` and `1` are one id),
 * since Xsolla sends the same id as a number in one payload and a string in another.
 * `undefined` when absent (missing, null or ''), INVALID when present but unusable.
 */
export function readId(value: unknown): string | undefined | typeof INVALID {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? String(value) : INVALID;
  if (typeof value !== 'string' || value.length > MAX_ID_LENGTH) return INVALID;
  return /^\d+$/.test(value) && Number.isSafeInteger(Number(value)) ? String(Number(value)) : value;
}

/** A quantity the ledger can add and subtract exactly. */
export function isValidQuantity(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** A SKU is data: any non-empty string, `__proto__` included; never anything else. */
export function isValidSku(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
