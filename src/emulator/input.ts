/**
 * Checks for what callers hand the emulator, over HTTP (JSON) or as function arguments (any
 * value at all). Each one names what was wrong, so the answer is a 4xx with a reason.
 */
import type { PurchaseItem } from './payloads';

export class EmulatorInputError extends Error {
  constructor(
    message: string,
    readonly status = 400,
    /** The Store API's own `errorCode`, where Xsolla documents one for this refusal. */
    readonly errorCode?: number,
  ) {
    super(message);
  }
}

export function requireUserId(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new EmulatorInputError('userId must be a non-empty string');
  return value;
}

const OPTIONAL_ITEM_FLAGS = ['isBundleContent', 'isFree', 'isBonus'] as const;

export function requireItems(value: unknown): PurchaseItem[] {
  if (!Array.isArray(value) || value.length === 0) throw new EmulatorInputError('items must be a non-empty array');
  return value.map((item: unknown) => {
    const { sku, quantity, type, ...flags } = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    if (typeof sku !== 'string' || typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity <= 0) {
      throw new EmulatorInputError('each item needs a sku and a positive integer quantity');
    }
    if (type !== undefined && typeof type !== 'string') throw new EmulatorInputError('an item type must be a string');
    const line: PurchaseItem = { sku, quantity, ...(type === undefined ? {} : { type }) };
    for (const flag of OPTIONAL_ITEM_FLAGS) {
      if (flags[flag] === undefined) continue;
      if (typeof flags[flag] !== 'boolean') throw new EmulatorInputError(`${flag} must be true or false`);
      line[flag] = flags[flag];
    }
    return line;
  });
}

/** An order id as a number or a string of digits (what the demo and tests send). */
export function requireOrderId(value: unknown): number {
  const id = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) throw new EmulatorInputError('orderId must be a positive integer');
  return id;
}

export function requireProjectId(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
    throw new EmulatorInputError('projectId must be a positive integer');
  return value;
}

/** Seconds a token lives; negative issues one that has already expired (for tests). */
export function requireExpiresInS(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > 10 * 365 * 86_400) {
    throw new EmulatorInputError('expiresInS must be a number of seconds (at most ten years either way)');
  }
  return value;
}

/**
 * A copy of injected event data as it will go over the wire, taken now: data that cannot be
 * serialised (a BigInt, a cycle, a throwing toJSON) is refused here, instead of breaking every
 * later GET /events of that player. `undefined` stays: an event with no data at all.
 */
export function requireJsonData(value: unknown): unknown {
  if (value === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new EmulatorInputError(`data must serialise to JSON (${error instanceof Error ? error.message : 'it cannot'})`);
  }
  return text === undefined ? undefined : JSON.parse(text);
}

export function requireObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new EmulatorInputError(`${what} must be an object`);
  return value as Record<string, unknown>;
}
