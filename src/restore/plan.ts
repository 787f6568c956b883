/**
 * Restore, decided from data alone (DESIGN.md §2b). The Player Inventory says how many units of
 * each SKU the player owns; the ledger says how many it granted: by orders it knows, and by
 * earlier restores. Only `non_consumable` items are restored: the inventory's counters of
 * consumables and currency do not see the game's local `consume()`.
 *
 * What the ledger granted, not the balance, is compared with the inventory: a game that consumed
 * a non-consumable locally is not given a second one by every restore.
 */
import { ProtocolError } from '../errors';
import { field, isRecord, isValidSku } from '../events/fields';
import type { RestoreLine } from '../ledger/restored';

export type { RestoreLine };

/** Xsolla's `virtual_item_type` values. Any other value fails the whole restore: the catalog speaks a language we do not. */
const VIRTUAL_ITEM_TYPES: ReadonlySet<unknown> = new Set(['consumable', 'non_consumable', 'non_renewing_subscription']);

/**
 * - `malformed`: the row has no usable SKU or quantity;
 * - `not-restorable`: a consumable, a subscription, or a row with no `virtual_item_type`.
 */
export type RestoreSkipReason = 'malformed' | 'not-restorable';

export interface SkippedItem {
  /** Absent when the row had no readable SKU. */
  sku?: string;
  reason: RestoreSkipReason;
  detail: string;
}

/** What the inventory lists, as far as restore is concerned. */
export interface OwnedItems {
  /** Units of each `non_consumable` SKU, summed over its rows. */
  owned: Map<string, number>;
  /** SKUs with a row that was skipped: their units are not known, so they are left alone. */
  uncertain: Set<string>;
  skipped: SkippedItem[];
}

/** Reads the inventory's rows. Throws ProtocolError for an unknown `virtual_item_type` (nothing is applied). */
export function readInventory(rows: readonly unknown[], where = 'the inventory'): OwnedItems {
  const result: OwnedItems = { owned: new Map(), uncertain: new Set(), skipped: [] };
  const skip = (sku: string | undefined, reason: RestoreSkipReason, detail: string) => {
    if (sku !== undefined) result.uncertain.add(sku);
    result.skipped.push(sku === undefined ? { reason, detail } : { sku, reason, detail });
  };
  rows.forEach((row, index) => {
    const sku = field(row, 'sku');
    const quantity = field(row, 'quantity');
    const type = field(row, 'virtual_item_type');
    if (type !== undefined && type !== null && !VIRTUAL_ITEM_TYPES.has(type)) {
      throw new ProtocolError(`${where}: item ${index} has an unknown virtual_item_type ${JSON.stringify(String(type)).slice(0, 60)}`);
    }
    if (!isRecord(row) || !isValidSku(sku)) return skip(undefined, 'malformed', `item ${index} has no SKU`);
    if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < 0) {
      return skip(sku, 'malformed', `item ${index} has no whole quantity`);
    }
    if (type !== 'non_consumable')
      return skip(sku, 'not-restorable', type ? `${type as string} items are not restored` : 'no virtual_item_type');
    const total = (result.owned.get(sku) ?? 0) + quantity;
    if (!Number.isSafeInteger(total)) return skip(sku, 'malformed', `the quantities of "${sku}" leave the safe range`);
    result.owned.set(sku, total);
  });
  for (const sku of result.uncertain) result.owned.delete(sku);
  return result;
}

/** What the ledger holds of one SKU: units granted by orders it knows, and units restored. */
export interface HeldUnits {
  ordered: number;
  restored: number;
}

export interface RestorePlan {
  restore: RestoreLine[];
  revoke: RestoreLine[];
}

/**
 * For each non-consumable SKU: units the inventory lists beyond what the ledger granted are
 * restored; restored units beyond what the inventory lists are revoked (never units of a known
 * order: only its refund or cancel event takes those back). `restoredSkus` are the SKUs that
 * hold restored units, listed or not.
 */
export function planRestore(inventory: OwnedItems, held: (sku: string) => HeldUnits, restoredSkus: Iterable<string>): RestorePlan {
  const plan: RestorePlan = { restore: [], revoke: [] };
  for (const sku of new Set([...inventory.owned.keys(), ...restoredSkus])) {
    if (inventory.uncertain.has(sku)) continue;
    const listed = inventory.owned.get(sku) ?? 0;
    const { ordered, restored } = held(sku);
    const granted = ordered + restored;
    if (granted < listed) plan.restore.push({ sku, quantity: listed - granted });
    else if (granted > listed && restored > 0) plan.revoke.push({ sku, quantity: Math.min(restored, granted - listed) });
  }
  return plan;
}
