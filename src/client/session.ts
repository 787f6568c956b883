/**
 * A client's session with its player's local data: the database, the channel to the player's
 * other tabs and the poller election, all named after project and player, and the Xsolla player
 * the save belongs to. It opens on first use (with a `userId` option, without waiting for a
 * token), once; a failed open is tried again by the next caller. After each drain it compacts
 * the ledger, once a session.
 */
import { GetUpdatesError, StorageError } from '../errors';
import type { Retention } from '../ledger/retention';
import type { Clock } from '../schedule/clock';
import { openDatabase } from '../store/database';
import { createInventory, type Inventory } from '../store/inventory';
import { openTabChannel, type TabChannel, type TabChannelOptions } from '../tabs/broadcast';
import { createLeaderElection, pageLocks, type LeaderElection } from '../tabs/leader';
import { requirePlayer } from '../transport/player';
import type { TokenSource } from '../transport/token';
import { SHARED_EVENT_SHAPES, type SharedEvents } from './events';

export interface Session {
  userId: string;
  store: Inventory;
  tabs: TabChannel;
  election: LeaderElection;
  /** Compacts the ledger after the session's first successful drain (again after a failure). */
  compactOnce(): Promise<void>;
  /**
   * The Xsolla player this save belongs to, recorded in it by the first call: `sub`, or, for a
   * save named after its player (no userId), that player, whatever token came since.
   */
  recordPlayer(sub: string): Promise<string>;
}

export interface SessionOptions {
  projectId: string;
  userId?: string;
  dbName?: string;
  indexedDB?: IDBFactory;
  locks?: LockManager | null;
  /**
   * The tokens unchecked (checking one against the save's player needs the save open): without
   * a userId, the first one names the save.
   */
  tokens: TokenSource;
  retention: Retention;
  clock: Clock;
  /** Aborted when the client closes: a wait for the token ends with it. */
  signal: AbortSignal;
  /** What the player's other tabs say. */
  fromOtherTabs: Omit<TabChannelOptions<SharedEvents>, 'shared'>;
}

export const closedError = () => new GetUpdatesError('this client is closed');

export function createSessionOpener(options: SessionOptions) {
  let opening: Promise<Session> | undefined;
  let closed = false;

  async function openSession(): Promise<Session> {
    const userId = options.userId ?? requirePlayer(await options.tokens.get(options.signal));
    const factory = options.indexedDB ?? globalThis.indexedDB;
    if (!factory) throw new StorageError('IndexedDB is not available here: pass the indexedDB option', { reason: 'unavailable' });
    const name = `${options.dbName ?? 'xsolla-getupdates'}:${options.projectId}:${userId}`;
    const tabs = openTabChannel<SharedEvents>(name, { shared: SHARED_EVENT_SHAPES, ...options.fromOtherTabs });
    const election = createLeaderElection(name, options.locks === undefined ? pageLocks() : options.locks);
    const store = createInventory(openDatabase(factory, name));
    let compacted = false;
    const compactOnce = async () => {
      if (compacted) return;
      await store.compact(options.clock.now(), options.retention);
      compacted = true;
    };
    const recordPlayer = (sub: string) => store.recordPlayer(options.userId === undefined ? userId : sub);
    return { userId, store, tabs, election, compactOnce, recordPlayer };
  }

  return {
    open(): Promise<Session> {
      if (closed) return Promise.reject(closedError());
      return (opening ??= openSession().catch((error: unknown) => {
        opening = undefined; // a later call tries again (token fetched, storage back)
        throw error;
      }));
    },
    async close() {
      closed = true;
      const session = await opening?.catch(() => undefined);
      session?.tabs.close();
      await session?.store.close().catch(() => undefined);
      opening = undefined;
    },
  };
}
