/**
 * Restore as the client runs it: read the ledger's change counter, read the Player Inventory
 * (every row exactly once: the transport pages it until two reads agree), understand it (pure),
 * and apply it in one transaction that refuses when the ledger changed meanwhile (then the
 * inventory is read again). Nothing is applied before the whole inventory is read and understood,
 * so a failure changes nothing. `auto` runs it once per session, after the first successful drain.
 */
import { GetUpdatesError } from '../errors';
import { readInventory } from '../restore/plan';
import type { Clock } from '../schedule/clock';
import type { TabChannel } from '../tabs/broadcast';
import type { StoreApi } from '../transport/store-api';
import type { RestoreReport } from './api';
import { restoreEmissions } from './events';
import type { Session } from './session';

/** A grant or refund committed between reading the inventory and applying it: read again, this many times at most. */
const MAX_ATTEMPTS = 3;

export interface RestorerDeps {
  storeApi: StoreApi;
  session(): Promise<Session>;
  clock: Clock;
  /** Fires committed changes here and in the player's other tabs. */
  announce(emissions: ReturnType<typeof restoreEmissions>, tabs: TabChannel): void;
  onError(error: unknown): void;
}

export function createRestorer(deps: RestorerDeps) {
  // The session's automatic restore: done once it has succeeded; one at a time.
  let autoDone = false;
  let autoRunning = false;

  async function restore(signal?: AbortSignal): Promise<RestoreReport> {
    const { store, tabs } = await deps.session();
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const generation = await store.generation();
      const { items, pages } = await deps.storeApi.inventoryItems(signal);
      const inventory = readInventory(items, 'GET …/user/inventory/items');
      signal?.throwIfAborted();
      const applied = await store.applyRestore(inventory, generation, deps.clock.now());
      if (applied === 'stale') continue;
      deps.announce(restoreEmissions(applied), tabs);
      return { restored: applied.restored, revoked: applied.revoked, skipped: [...inventory.skipped, ...applied.skipped], pages };
    }
    throw new GetUpdatesError('the ledger kept changing while the inventory was read: try the restore again');
  }

  /** Restores, reporting a failure as an `error` event before rejecting with it. */
  async function reported(signal?: AbortSignal): Promise<RestoreReport> {
    try {
      return await restore(signal);
    } catch (error) {
      if (!signal?.aborted) deps.onError(error);
      throw error;
    }
  }

  return {
    restore: reported,
    /** After a successful drain: the session's automatic restore, until one succeeds. */
    afterDrain(signal: AbortSignal) {
      if (autoDone || autoRunning) return;
      autoRunning = true;
      reported(signal)
        .then(
          () => (autoDone = true),
          () => undefined, // reported; the next drain tries again
        )
        .finally(() => (autoRunning = false));
    },
  };
}
