/**
 * Xsolla's Player Inventory, one per player, kept as Xsolla keeps it: a paid order adds its
 * lines, a refund takes them back, the client may only read and consume. One row per SKU carries
 * the combined quantity of every purchase. Virtual currency is not a row: Xsolla keeps it in a
 * separate balance (`/user/virtual_currency_balance`), so a client restoring from the item list
 * never sees it. Tests may plant any rows at all, malformed ones included.
 */
import { itemTypeOf, type CatalogItemType, type Shop } from './catalog';
import { EmulatorInputError, requireJsonData } from './input';
import type { PurchaseItem } from './payloads';

/** What the Player Inventory holds for one player. */
export interface PlayerInventory {
  /** The rows as served (planted ones may be any JSON). */
  items: unknown[];
  /** SKU → amount, the virtual currency balance. */
  virtualCurrency: Record<string, number>;
}

type Row = Record<string, unknown> & { sku: string; quantity: number };

const isRowOf = (row: unknown, sku: string): row is Row =>
  typeof row === 'object' && row !== null && (row as Row).sku === sku && typeof (row as Row).quantity === 'number';

/** A row shaped like Xsolla's (`GET /v2/project/{id}/user/inventory/items`). */
function newRow(sku: string, virtualItemType: CatalogItemType, quantity: number): Row {
  return {
    sku,
    name: sku,
    type: 'virtual_good',
    virtual_item_type: virtualItemType,
    description: null,
    image_url: null,
    attributes: [],
    groups: [],
    instance_id: null,
    quantity,
    remaining_uses: null,
  };
}

export function createInventories(shop: Shop) {
  const rows = new Map<string, unknown[]>();
  const currency = new Map<string, Map<string, number>>();
  const rowsOf = (userId: string) => rows.get(userId) ?? (rows.set(userId, []).get(userId) as unknown[]);
  const currencyOf = (userId: string) => currency.get(userId) ?? (currency.set(userId, new Map()).get(userId) as Map<string, number>);

  /** Takes `units` from a row, never below zero; an emptied row leaves the list, as on Xsolla. */
  function take(mine: unknown[], row: Row, units: number) {
    row.quantity = Math.max(0, row.quantity - units);
    if (row.quantity === 0) mine.splice(mine.indexOf(row), 1);
  }

  /** A paid (`sign` 1) or refunded (-1) line, wherever its type keeps it. */
  function change(userId: string, line: PurchaseItem, sign: 1 | -1) {
    const type = itemTypeOf(shop, line);
    if (type === 'bundle' || type === 'virtual_currency_package') return;
    if (type === 'virtual_currency') {
      const balance = currencyOf(userId);
      balance.set(line.sku, Math.max(0, (balance.get(line.sku) ?? 0) + sign * line.quantity));
      return;
    }
    const mine = rowsOf(userId);
    const row = mine.find((candidate): candidate is Row => isRowOf(candidate, line.sku));
    if (sign < 0) {
      if (row) take(mine, row, line.quantity);
    } else if (row) row.quantity += line.quantity;
    else mine.push(newRow(line.sku, type, line.quantity));
  }

  return {
    /** A paid order's lines enter the inventory. */
    add(userId: string, lines: PurchaseItem[]) {
      for (const line of lines) change(userId, line, 1);
    },

    /** A refunded order's lines leave it (what the player consumed meanwhile is simply gone). */
    remove(userId: string, lines: PurchaseItem[]) {
      for (const line of lines) change(userId, line, -1);
    },

    /** One page of the player's rows. */
    page(userId: string, offset: number, limit: number): unknown[] {
      return (rows.get(userId) ?? []).slice(offset, offset + limit);
    },

    /**
     * Xsolla's consume (`{sku, quantity, instance_id?}`): 422 for a body it cannot read or an
     * item that is not consumable, 404 when the player has no such item or not enough of it.
     */
    consume(userId: string, body: Record<string, unknown>) {
      const { sku, quantity = null, instance_id: instanceId = null } = body;
      if (typeof sku !== 'string' || sku === '') throw new EmulatorInputError('sku must be a non-empty string', 422);
      if (quantity !== null && (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity <= 0)) {
        throw new EmulatorInputError('quantity must be a positive integer or null', 422);
      }
      if (instanceId !== null && typeof instanceId !== 'string') throw new EmulatorInputError('instance_id must be a string or null', 422);
      if (quantity === null && instanceId === null) throw new EmulatorInputError('quantity is required without an instance_id', 422);
      const mine = rows.get(userId) ?? [];
      const row = mine.find(
        (candidate): candidate is Row => isRowOf(candidate, sku) && (instanceId === null || candidate.instance_id === instanceId),
      );
      if (!row) throw new EmulatorInputError(`the player has no item "${sku}"`, 404);
      if (row.virtual_item_type === 'non_consumable') throw new EmulatorInputError(`"${sku}" is not consumable`, 422);
      const units = quantity ?? 1;
      if (row.quantity < units) throw new EmulatorInputError(`the player has only ${row.quantity} of "${sku}"`, 404);
      take(mine, row, units);
    },

    /** Replaces the player's rows with any JSON (tests plant odd content); currency stays. */
    set(userId: string, items: unknown) {
      if (!Array.isArray(items)) throw new EmulatorInputError('items must be an array');
      rows.set(userId, requireJsonData(items) as unknown[]);
    },

    snapshot(userId: string): PlayerInventory {
      return {
        items: structuredClone(rows.get(userId) ?? []),
        virtualCurrency: Object.fromEntries(currency.get(userId) ?? []),
      };
    },
  };
}

export type Inventories = ReturnType<typeof createInventories>;
