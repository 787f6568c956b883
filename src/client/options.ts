/**
 * The client's options, checked where they are given: a mistake fails `createGetUpdatesClient`
 * with an `InvalidArgumentError` that names the option, instead of surfacing later as a retried
 * network error, a garbage URL or a loop that spins.
 */
import { InvalidArgumentError } from '../errors';
import { INVALID, readId } from '../events/fields';
import { DEFAULT_RETENTION, type Retention } from '../ledger/retention';
import { readDelay, resolveCadence, type Cadence } from '../schedule/cadence';
import { realClock, type Clock } from '../schedule/clock';
import { DEFAULT_BASE_URL } from '../transport/http';
import { NO_PLAYER_MESSAGE, playerOf } from '../transport/player';
import { DEFAULT_STORE_URL } from '../transport/store-api';
import { DEFAULT_TOKEN_TIMEOUT_MS } from '../transport/token';
import type { GetUpdatesClientOptions } from './client';

export interface ResolvedOptions {
  projectId: string;
  baseUrl: string;
  retries: number;
  cadence: Cadence;
  retention: Retention;
  clock: Clock;
  tokenTimeoutMs: number;
  /** The Store API (purchase, catalog, restore, Get order). */
  storeUrl: string;
  /** Restore once per session after the first successful drain. */
  autoRestore: boolean;
  /**
   * Whether watched orders may be short-polled with Get order: the game uses the Store API
   * (`restore`) or the order-status socket (whose fallback Get order is). A game that asked for
   * neither, and buys nothing through `purchase()`, never hears from store.xsolla.com.
   */
  getOrder: boolean;
}

/** More retries than this only delay the backoff the loop would apply anyway. */
const MAX_RETRIES = 10;

export function resolveOptions(options: GetUpdatesClientOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('createGetUpdatesClient needs an options object');
  checkToken(options.token);
  optional(options.userId, 'userId', (value) => typeof value === 'string' && value.length > 0, 'a non-empty string');
  optional(options.dbName, 'dbName', (value) => typeof value === 'string' && value.length > 0, 'a non-empty string');
  optional(options.indexedDB, 'indexedDB', (value) => typeof (value as IDBFactory)?.open === 'function', 'an IDBFactory');
  optional(options.http, 'http', (value) => typeof (value as { request?: unknown })?.request === 'function', 'an axios instance');
  optional(
    options.retries,
    'retries',
    (value) => Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_RETRIES,
    `a whole number from 0 to ${MAX_RETRIES}`,
  );
  optional(options.cadence, 'cadence', isObject, 'an object');
  optional(options.retention, 'retention', isObject, 'an object');
  optional(
    options.clock,
    'clock',
    (value) => typeof (value as Clock)?.now === 'function' && typeof (value as Clock).setTimeout === 'function',
    'a Clock',
  );
  optional(
    options.signals,
    'signals',
    (value) => typeof (value as { subscribe?: unknown })?.subscribe === 'function',
    'EnvironmentSignals',
  );
  if (options.locks !== undefined && options.locks !== null && typeof options.locks.request !== 'function') {
    throw new InvalidArgumentError('locks must be a LockManager or null');
  }
  optional(options.restore, 'restore', isObject, 'an object ({ storeUrl?, auto? })');
  optional(options.restore?.auto, 'restore.auto', (value) => typeof value === 'boolean', 'true or false');
  const retention = { ...DEFAULT_RETENTION, ...options.retention };
  // The option the game gave names the mistake; `restore.storeUrl` is the older name of the same.
  const storeUrlName = options.storeUrl === undefined ? 'restore.storeUrl' : 'storeUrl';
  const resolved: ResolvedOptions = {
    projectId: readProjectId(options.projectId),
    baseUrl: readApiUrl('baseUrl', options.baseUrl ?? DEFAULT_BASE_URL, DEFAULT_BASE_URL),
    storeUrl: readApiUrl(
      storeUrlName,
      options.storeUrl ?? options.restore?.storeUrl ?? defaultStoreUrl(options.baseUrl),
      DEFAULT_STORE_URL,
    ),
    autoRestore: options.restore?.auto ?? false,
    getOrder: options.restore !== undefined || Boolean(options.orderStatus),
    retries: options.retries ?? 3,
    cadence: resolveCadence(options.cadence),
    retention: {
      eventsMs: readRetention('retention.eventsMs', retention.eventsMs),
      closedOrdersMs: readRetention('retention.closedOrdersMs', retention.closedOrdersMs),
    },
    clock: options.clock ?? realClock,
    tokenTimeoutMs: readTokenTimeout(options.tokenTimeoutMs),
  };
  // Last, so that a mistake in another option is named first.
  if (typeof options.token === 'string' && options.userId === undefined && playerOf(options.token) === undefined) {
    throw new InvalidArgumentError(NO_PLAYER_MESSAGE);
  }
  return resolved;
}

/**
 * Xsolla's Store API, unless `baseUrl` names another server: the emulator serves both APIs, and
 * a token it issued must never be sent to store.xsolla.com.
 */
function defaultStoreUrl(baseUrl: string | undefined): string {
  return baseUrl === undefined || baseUrl.replace(/\/+$/, '') === DEFAULT_BASE_URL ? DEFAULT_STORE_URL : baseUrl;
}

function readTokenTimeout(value: unknown): number {
  const ms = readDelay('tokenTimeoutMs', value, DEFAULT_TOKEN_TIMEOUT_MS);
  if (ms === 0) throw new InvalidArgumentError('tokenTimeoutMs must be above 0 ms');
  return ms;
}

/** An order id the way `watchOrder` and `inventory.order` take it: a number or a non-empty string. */
export function readOrderId(value: unknown): string {
  const id = readId(value);
  if (id === undefined || id === INVALID)
    throw new InvalidArgumentError('an order id must be a non-negative integer or a non-empty string');
  return id;
}

/** A token as `token` and `setToken()` take it: a non-empty string or a function (`name` says which). */
export function checkToken(token: unknown, name = 'token') {
  if (typeof token === 'function') return;
  if (typeof token !== 'string' || token.length === 0) {
    throw new InvalidArgumentError(`${name} must be a non-empty string or a function that returns one`);
  }
}

function readProjectId(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^[1-9]\d{0,15}$/.test(text)) throw new InvalidArgumentError('projectId must be a positive integer');
  return text;
}

/** An absolute http(s) URL with no query or fragment: paths are appended to it. */
function readApiUrl(name: string, value: unknown, example: string): string {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !url.host) {
    throw new InvalidArgumentError(`${name} must be an absolute http(s) URL such as ${example}`);
  }
  if (url.search !== '' || url.hash !== '' || (value as string).includes('?') || (value as string).includes('#')) {
    throw new InvalidArgumentError(`${name} must not have a query or a fragment: the library adds its own parameters`);
  }
  if (url.username !== '' || url.password !== '') throw new InvalidArgumentError(`${name} must not carry credentials`);
  return value as string;
}

function readRetention(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(`${name} must be a finite number of milliseconds, 0 or more`);
  }
  return value;
}

function optional(value: unknown, name: string, valid: (value: unknown) => boolean, what: string) {
  if (value !== undefined && !valid(value)) throw new InvalidArgumentError(`${name} must be ${what}`);
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}
