/**
 * Applying a restore plan in ONE readwrite transaction: it reads the ledger's change counter,
 * the orders and the restored units, decides with the pure plan, and writes the balances and
 * the restored records together. Restore and event grants touch the same stores, so IndexedDB
 * runs them one after the other, in this tab and across tabs: each decides from what the other
 * committed.
 */
import { promisifyRequest } from 'idb-keyval';
import { contribution, type OrderRecord } from '../ledger/order';
import type { RestoreLine, RestoredRecord } from '../ledger/restored';
import { planRestore, type OwnedItems, type SkippedItem } from '../restore/plan';
import { putRestored, readGeneration } from './apply';
import type { Database, StoreName } from './database';
import { viewOf } from './tx-view';

export interface AppliedRestore {
  restored: RestoreLine[];
  revoked: RestoreLine[];
  /** Lines the plan wanted that would take a balance out of the safe integer range. */
  skipped: SkippedItem[];
}

const RESTORE_STORES: readonly StoreName[] = ['balances', 'orders', 'restored', 'meta'];

/**
 * Applies `inventory` unless the ledger changed since `generation` was read (then resolves
 * `stale` and writes nothing: the caller reads the inventory again). `now` is the device clock.
 */
export function applyRestore(db: Database, inventory: OwnedItems, generation: number, now: number): Promise<AppliedRestore | 'stale'> {
  return db.transact('readwrite', RESTORE_STORES, async (tx) => {
    const view = viewOf(tx);
    if ((await readGeneration(view)) !== generation) return 'stale';
    const [orders, records] = await Promise.all([
      promisifyRequest(tx.objectStore('orders').getAll()) as Promise<OrderRecord[]>,
      promisifyRequest(tx.objectStore('restored').getAll()) as Promise<RestoredRecord[]>,
    ]);
    const ordered = new Map<string, number>();
    for (const order of orders) for (const [sku, units] of contribution(order)) ordered.set(sku, (ordered.get(sku) ?? 0) + units);
    const restored = new Map(records.map((record) => [record.sku, record.quantity]));
    const plan = planRestore(inventory, (sku) => ({ ordered: ordered.get(sku) ?? 0, restored: restored.get(sku) ?? 0 }), restored.keys());

    const result: AppliedRestore = { restored: [], revoked: [], skipped: [] };
    const apply = async ({ sku, quantity }: RestoreLine, sign: 1 | -1) => {
      const balance = ((await view.get<number>('balances', sku)) ?? 0) + sign * quantity;
      if (!Number.isSafeInteger(balance)) {
        return void result.skipped.push({ sku, reason: 'malformed', detail: `the balance of "${sku}" would leave the safe range` });
      }
      view.put('balances', sku, balance);
      putRestored(view, { sku, quantity: (restored.get(sku) ?? 0) + sign * quantity, restoredAt: now });
      (sign > 0 ? result.restored : result.revoked).push({ sku, quantity });
    };
    await view.prefetch(
      'balances',
      [...plan.restore, ...plan.revoke].map(({ sku }) => sku),
    );
    for (const line of plan.restore) await apply(line, 1);
    for (const line of plan.revoke) await apply(line, -1);
    return result;
  });
}
