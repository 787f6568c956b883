/**
 * Whether a read of the Player Inventory can be trusted (DESIGN.md §2b). It is paged by offset:
 * a row that leaves it (a refund or a consume elsewhere) before the offset between two page reads
 * moves the later rows up, and the row at the page boundary is never read; a row that joins it
 * there moves them down, and one row is read twice. Either way the rows read disagree with the
 * inventory at every moment, and a restore would take a missed row for "no longer listed".
 */
import { field } from '../events/fields';

/** One read of the whole listing: its rows in the order the pages gave them, and how many pages. */
export interface InventoryRead {
  items: readonly unknown[];
  pages: number;
}

/**
 * One page is one response, a snapshot: consistent on its own. A read of several pages is
 * trusted when the read before it listed the same rows in the same places: a change between two
 * of its page reads would have had to happen again, the same way, between the pages of the other.
 */
export function isConsistent(read: InventoryRead, previous?: InventoryRead): boolean {
  return read.pages <= 1 || (previous !== undefined && sameRows(read.items, previous.items));
}

/** The same rows, in the same order, by what restore reads of a row and its identity. */
export function sameRows(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((row, index) => rowKey(row) === rowKey(b[index]));
}

const rowKey = (row: unknown) =>
  JSON.stringify(['instance_id', 'sku', 'quantity', 'virtual_item_type'].map((name) => field(row, name) ?? null));
