/**
 * A client's session with its player's local data: the database, the channel to the player's
 * other tabs and the poller election, all named after project and player. It opens on first
 * use (with a `userId` option, without waiting for a token), once; a failed open is tried
 * again by the next caller. After each drain it compacts the ledger, once a session.
 */
import { GetUpdatesError, InvalidArgumentError, StorageError } from '../errors';
import type { Retention } from '../ledger/retention';
import type { Clock } from '../schedule/clock';
import { openDatabase } from '../store/database';
import { createInventory, type Inventory } from '../store/inventory';
import { openTabChannel, type TabChannel, type TabChannelOptions } from '../tabs/broadcast';
import { createLeaderElection, pageLocks, type LeaderElection } from '../tabs/leader';
import { readJwtClaims, type TokenSource } from '../transport/token';
import { SHARED_EVENT_SHAPES, type SharedEvents } from './events';

export interface Session {
  userId: string;
  store: Inventory;
  tabs: TabChannel;
  election: LeaderElection;
  /** Compacts the ledger after the session's first successful drain (again after a failure). */
  compactOnce(): Promise<void>;
}

export interface SessionOptions {
  projectId: string;
  userId?: string;
  dbName?: string;
  indexedDB?: IDBFactory;
  locks?: LockManager | null;
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
    const userId = options.userId ?? readJwtClaims(await options.tokens.get(options.signal)).sub;
    if (!userId) throw new InvalidArgumentError('userId is required when the token is not a JWT with a "sub"');
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
    return { userId, store, tabs, election, compactOnce };
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
