/** `client.inventory`: the game's reads and `consume()` over the session's ledger, every rejection a GetUpdatesError. */
import { InvalidArgumentError, StorageError, typed } from '../errors';
import type { Inventory, InventoryApi } from '../store/inventory';
import type { TabChannel } from '../tabs/broadcast';
import type { ClientEvents } from './events';
import type { Session } from './session';

export function createInventoryApi(
  session: () => Promise<Session>,
  /** Fires committed changes here and in the player's other tabs. */
  announce: (emissions: ReadonlyArray<readonly [keyof ClientEvents, unknown]>, tabs: TabChannel) => void,
): InventoryApi {
  /** Runs `read` on the open store; what it rejects with is always a GetUpdatesError. */
  const withStore =
    <A extends unknown[], R>(read: (store: Inventory, ...args: A) => Promise<R>) =>
    (...args: A) =>
      typed((async () => read((await session()).store, ...args))(), undefined, StorageError);

  return {
    balance: withStore((store, sku: string) => store.balance(sku)),
    restored: withStore((store) => store.restored()),
    balances: withStore((store) => store.balances()),
    order: withStore((store, id: string | number) => store.order(id)),
    orders: withStore((store) => store.orders()),
    event: withStore((store, id: number) => store.event(id)),
    consume: (sku: string, quantity: number) =>
      typed(
        (async () => {
          if (typeof sku !== 'string' || sku.length === 0) throw new InvalidArgumentError('consume() needs a non-empty SKU string');
          const { store, tabs } = await session();
          const left = await store.consume(sku, quantity);
          announce([['changed', { skus: [sku], source: 'consume' }]], tabs);
          return left;
        })(),
        undefined,
        StorageError,
      ),
  };
}
