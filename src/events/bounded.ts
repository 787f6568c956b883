/**
 * What is kept of a bad event's raw data. IndexedDB's structured clone walks a value
 * recursively: data nested a few thousand levels deep overflows the stack when stored or read
 * back (fake-indexeddb from ~1,900 levels, Chromium ~5,000), failing the whole page's
 * transaction, and a huge payload wastes quota. So a quarantined event keeps a copy bounded in
 * depth and size, with a marker string where something was cut. Pure, and it never throws.
 */

export interface CopyLimits {
  /** Containers deeper than this become a marker. */
  maxDepth: number;
  /** A rough budget of JSON bytes; what does not fit becomes a marker. */
  maxBytes: number;
}

export const BOUNDED_COPY_LIMITS: CopyLimits = { maxDepth: 32, maxBytes: 16 * 1024 };

const omitted = (what: string) => `[omitted: ${what}]`;

/**
 * A JSON-like copy of `value` no deeper than `maxDepth` and about `maxBytes` in size. Cycles,
 * BigInt, symbols, functions and getters that throw become markers; `__proto__` stays an own key.
 */
export function boundedCopy(value: unknown, limits: CopyLimits = BOUNDED_COPY_LIMITS): unknown {
  let budget = limits.maxBytes;
  const ancestors = new Set<object>();
  // Markers are paid for too, so a million symbols cannot become a million markers.
  const mark = (what: string) => {
    const marker = omitted(what);
    budget -= marker.length + 2;
    return marker;
  };

  // Recursion is bounded by maxDepth, so the stack cannot overflow however deep the input is.
  const copy = (value: unknown, depth: number): unknown => {
    switch (typeof value) {
      case 'string':
        if (value.length + 2 > budget) return mark(`a string of ${value.length} characters`);
        budget -= value.length + 2;
        return value;
      case 'number': // NaN, -0 and Infinity survive structured clone as they are
      case 'boolean':
      case 'undefined':
        budget -= 8;
        return value;
      case 'object':
        if (value === null) {
          budget -= 4;
          return null;
        }
        if (depth >= limits.maxDepth) return mark(`nested deeper than ${limits.maxDepth} levels`);
        if (ancestors.has(value)) return mark('a cycle');
        ancestors.add(value);
        try {
          return Array.isArray(value) ? copyArray(value, depth) : copyRecord(value, depth);
        } finally {
          ancestors.delete(value);
        }
      default: // bigint, symbol, function: not JSON, and not all of them can be cloned
        return mark(`a ${typeof value}`);
    }
  };

  const copyArray = (array: unknown[], depth: number): unknown[] => {
    const result: unknown[] = [];
    for (let index = 0; index < array.length; index++) {
      if (budget <= 0) {
        result.push(mark(`${array.length - index} more items`));
        break;
      }
      budget -= 1;
      result.push(copy(read(array, index), depth + 1));
    }
    return result;
  };

  const copyRecord = (record: object, depth: number): Record<string, unknown> => {
    const result: Record<string, unknown> = {};
    const keys = Object.keys(record);
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index] as string;
      if (budget <= key.length + 3) {
        put(result, '[omitted]', `${keys.length - index} more keys`);
        break;
      }
      budget -= key.length + 3;
      put(result, key, copy(read(record, key), depth + 1));
    }
    return result;
  };

  try {
    return copy(value, 0);
  } catch {
    return omitted('unreadable data');
  }
}

function read(container: object, key: string | number): unknown {
  try {
    return (container as Record<string | number, unknown>)[key];
  } catch {
    return omitted('a value that could not be read');
  }
}

/** An own data property even for `__proto__`, which plain assignment would turn into a prototype. */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
