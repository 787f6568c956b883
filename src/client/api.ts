/** The public API's types: the client's options and the client (its inventory's are the store's `InventoryApi`). */
import type { AxiosInstance } from 'axios';
import type { Handler } from 'mitt';
import type { Order } from '../ledger/records';
import type { RestoreLine } from '../ledger/restored';
import type { SkippedItem } from '../restore/plan';
import type { Retention } from '../ledger/retention';
import type { PollReport } from '../poll/drain';
import type { OrderStatusOptions } from '../push/order-status';
import type { CadenceOptions } from '../schedule/cadence';
import type { Clock } from '../schedule/clock';
import type { EnvironmentSignals } from '../schedule/signals';
import type { CatalogItem } from '../purchase/catalog';
import type { PurchaseOptions, PurchaseOutcome } from '../purchase/purchase';
import type { InventoryApi } from '../store/inventory';
import type { StorageReport } from '../store/storage-manager';
import type { TokenInput } from '../transport/token';
import type { ClientEvents } from './events';

export interface GetUpdatesClientOptions {
  /** Your Xsolla project id. */
  projectId: number | string;
  /** The player's JWT, or a (async) function returning it; the function is called again after a 401 or 403. */
  token: TokenInput;
  /** Defaults to Xsolla's `https://getupdate.xsolla.com`; the emulator's URL in development. */
  baseUrl?: string;
  /**
   * Xsolla's Store API (purchase, catalog, restore, Get order): `https://store.xsolla.com/api` by
   * default, or `baseUrl` when that is not Xsolla's (the emulator serves both).
   */
  storeUrl?: string;
  /** Scopes the local database; defaults to the JWT's `sub`. */
  userId?: string;
  /** Your own axios instance (adapters, interceptors). */
  http?: AxiosInstance;
  /** The IndexedDB factory; defaults to `globalThis.indexedDB` (pass fake-indexeddb in Node). */
  indexedDB?: IDBFactory;
  cadence?: CadenceOptions;
  /** Prefix of the database name; the full name adds project and user. */
  dbName?: string;
  /** Retries of one GET after its first failure (default 3, at most 10); an ack is retried by the next drain. */
  retries?: number;
  /** How long to wait for the token function before giving up with an AuthError (default 60 s). */
  tokenTimeoutMs?: number;
  /** Visibility, online and focus signals; the page's own by default (see `manualSignals`). */
  signals?: EnvironmentSignals;
  /** Web Locks used to elect one polling tab; `navigator.locks` by default, `null` to let every tab poll. */
  locks?: LockManager | null;
  /** How long the ledger keeps acked event records and closed orders (see the README). */
  retention?: Partial<Retention>;
  /** The loop's time; the real clock by default (a simulated one in benchmarks and tests). */
  clock?: Clock;
  /**
   * Listen to Xsolla's order-status WebSocket while started: a `paid` or `done` status drains
   * at once, so the reward lands one round trip after payment while polling stays slow.
   * `true` for Xsolla's URL; `{ url }` for the emulator's.
   */
  orderStatus?: boolean | OrderStatusOptions;
  /**
   * Restore non-consumables from Xsolla's Player Inventory (see `restorePurchases`). `storeUrl`:
   * the same as the top-level `storeUrl` (which wins when both are given);
   * `auto`: restore once per session, after the first successful drain. Setting it also lets a
   * watched order be short-polled with Get order while the order-status socket is off or quiet.
   */
  restore?: RestoreOptions;
}

export interface RestoreOptions {
  storeUrl?: string;
  auto?: boolean;
}

/** What one restore did. Restore is a read of Xsolla's inventory: it never acks anything. */
export interface RestoreReport {
  /** Units granted because the inventory lists them and the ledger did not hold them. */
  restored: RestoreLine[];
  /** Restored units taken back because the inventory no longer lists them. */
  revoked: RestoreLine[];
  /** Inventory rows (or SKUs) left alone, and why. */
  skipped: SkippedItem[];
  /** Pages the inventory filled (a listing of several pages is read again, to check it held still). */
  pages: number;
}

export interface GetUpdatesClient {
  on<K extends keyof ClientEvents>(type: K, handler: Handler<ClientEvents[K]>): void;
  off<K extends keyof ClientEvents>(type: K, handler?: Handler<ClientEvents[K]>): void;
  /** Starts the polling loop (a no-op when running, or once closed). After an auth or storage pause, starts it again. */
  start(): void;
  /** Replaces the token (or token function), and resumes a loop that an AuthError paused. */
  setToken(token: TokenInput): void;
  stop(): void;
  /** One full drain now; concurrent calls share a drain, and one more runs after it if needed. */
  pollNow(options?: { signal?: AbortSignal }): Promise<PollReport>;
  /**
   * Resolves with the order once it is granted, revoked or voided. Meanwhile the poller (this
   * tab's loop or another tab's) uses the watch cadence; with no loop started, the loop runs
   * for the watch alone. Rejects when the loop pauses for auth or storage, or on `close()`.
   */
  watchOrder(orderId: string | number, options?: { signal?: AbortSignal }): Promise<Order>;
  /**
   * Drains, then restores non-consumables from Xsolla's Player Inventory, exactly once with the
   * ledger (README, "Restore"). A failure (HTTP, a response that is not an inventory, an unknown
   * item type) changes nothing, emits `error` (phase `restore`) and rejects.
   */
  restorePurchases(options?: { signal?: AbortSignal }): Promise<RestoreReport>;
  /**
   * Sells `sku` to the player (README, "Selling"): creates the order with the player's token,
   * shows Pay Station (a popup opened now, so call it from the player's click before any
   * `await`; or `open(url)`), and resolves once the order is `delivered` (granted through the
   * Events API), `closed` (the buyer left Pay Station unpaid), `canceled`, or `pending` (paid,
   * not delivered within the wait). Rejects with `PopupBlockedError` when the browser blocks
   * the popup (no order is made), `PurchaseInProgressError` while another purchase is open,
   * `HttpError` when Xsolla refuses the order (its message says why), the caller's abort reason
   * (the popup is closed), or on `close()`.
   */
  purchase(sku: string, options?: PurchaseOptions): Promise<PurchaseOutcome>;
  /** What the player can buy, with Xsolla's prices (every page of the sellable items list). */
  catalog(options?: { signal?: AbortSignal }): Promise<CatalogItem[]>;
  readonly inventory: InventoryApi;
  /**
   * Whether the browser promised to keep this origin's storage, and how full it is: what the
   * Storage API answers within a few seconds (nothing where there is none, as in WebKitGTK).
   */
  storage(): Promise<StorageReport>;
  /**
   * Asks the browser to keep this origin's storage under pressure (`navigator.storage.persist()`).
   * Call it from the player's click, never at load: Firefox shows the player a permission prompt.
   * True once granted; false when refused, with no Storage API, or with no answer within a
   * minute (a prompt left open, which stays open: the player may still allow it).
   */
  persistStorage(options?: { signal?: AbortSignal }): Promise<boolean>;
  /** Stops polling and closes the database. */
  close(): Promise<void>;
}

export type { InventoryApi, StorageReport };
