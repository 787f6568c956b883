/**
 * Restored units (DESIGN.md §2b): units of a non-consumable that a restore from the Player
 * Inventory granted because no order the ledger knows granted them. They are their own record
 * per SKU, written in the transaction that moves the balance. An order grant of such a SKU takes
 * them over first: the units it would add are the restored ones, so a purchase whose event
 * arrives after its restore is never counted twice.
 */

/** Units of one SKU. */
export interface RestoreLine {
  sku: string;
  quantity: number;
}

/** The restored units of one SKU (a record with 0 units is deleted). */
export interface RestoredRecord {
  sku: string;
  quantity: number;
  /** Device clock of the latest restore that changed it. */
  restoredAt: number;
}

/**
 * An order change's balance delta after it absorbs restored units: for each SKU it adds to,
 * up to that many restored units become the order's instead of new ones. Revocations (negative
 * changes) absorb nothing: only the order's own units go back.
 */
export function absorbRestored(
  delta: ReadonlyMap<string, number>,
  restoredUnits: (sku: string) => number,
): { delta: Map<string, number>; absorbed: Map<string, number> } {
  const result = new Map(delta);
  const absorbed = new Map<string, number>();
  for (const [sku, change] of delta) {
    const taken = change > 0 ? Math.min(change, restoredUnits(sku)) : 0;
    if (taken <= 0) continue;
    absorbed.set(sku, taken);
    if (change === taken) result.delete(sku);
    else result.set(sku, change - taken);
  }
  return { delta: result, absorbed };
}
