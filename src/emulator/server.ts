/**
 * The GetUpdates emulator: a real HTTP server on loopback that serves the Events API, the Store
 * API a game calls with the player's JWT (catalog, Create order, Player Inventory, Get order) and
 * a Pay Station page for any number of players, plus `/__emulator/*` admin endpoints for demos
 * and tests.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { answerFailure, pathnameOf, readJson, refuseSocket, searchParamsOf, send, sendError, type ErrorSender } from './http';
import { DEFAULT_CATALOG, requireCatalog, type Catalog } from './catalog';
import { EmulatorInputError, requireExpiresInS, requireUserId } from './input';
import type { PlayerInventory } from './inventory';
import { delay } from '../schedule/delay';
import { createOrderStatusHub, ORDER_STATUS_PATH } from './order-status';
import { signJwt, verifyJwt } from './jwt';
import { createNetwork, type NetworkOptions } from './network';
import type { AckStatus, Faults } from './faults';
import type { WebhookMode } from './payloads';
import { createPayStation, PAY_STATION_PATH } from './paystation';
import { createWorld, type PurchaseRequest, type World } from './state';
import { isStorePath, matchStoreRoute, sendStoreError, serveStoreRoute } from './store-api';

export interface EmulatorOptions extends NetworkOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** The project its events belong to (default 308077). */
  projectId?: number;
  /** HS256 secret for the tokens it issues (random by default). */
  secret?: string;
  /** Events per GET page (default 50), so clients page with after_id. */
  pageSize?: number;
  /**
   * SKU → its type, price and (bundles, currency packages) content, or just its type: for the
   * catalog routes, Create order, Pay Station and the Player Inventory (default: the demo
   * shop's, `DEFAULT_CATALOG`).
   */
  catalog?: Catalog;
  /** The project's webhook generation: the events of orders that do not name a `mode` (default `combined`). */
  webhookMode?: WebhookMode;
}

export interface Emulator {
  url: string;
  projectId: number;
  issueToken(userId: string, expiresInS?: number): string;
  /**
   * A paid order with its events; with `pending: true` an order in status `new` and no events yet.
   * Order and transaction ids are strings, as the client's `granted` and `Order` name them; event
   * ids are numbers, as in `granted.eventId`.
   */
  purchase(request: PurchaseRequest): { orderId: string; transactionId: string; eventIds: number[] };
  /** Pays a pending order: its events, `paid` and `done` on the order-status channel, its items in the inventory. */
  pay(orderId: number | string): { eventIds: number[] };
  /** Refunds a paid order (events, items leave the inventory) or cancels an unpaid one (no events). */
  refund(orderId: number | string): { eventIds: number[] };
  /** The player's Player Inventory: item rows and the virtual currency balance. */
  inventory(userId: string): PlayerInventory;
  /** Replaces the player's inventory rows with anything JSON (odd, malformed, or many rows). */
  setInventory(userId: string, items: unknown[]): PlayerInventory;
  /** Adds an event with arbitrary data for a player (malformed payloads, other types). */
  injectEvent(userId: string, data: unknown): number;
  setFaults(faults: Partial<Faults>): Faults;
  state(userId: string): ReturnType<World['state']>;
  /** Handles one request: lets a dev server (Vite) mount the emulator on its own origin. */
  handle(request: IncomingMessage, response: ServerResponse): void;
  /** Takes a WebSocket upgrade for the order-status channel (at `/connection/websocket`). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Drops the order-status sockets and refuses new ones while `down`. */
  setPushDown(down: boolean): void;
  /** Switches the project's webhook generation for orders opened from now on that name no `mode`. */
  setWebhookMode(mode: WebhookMode): WebhookMode;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const projectId = options.projectId ?? 308077;
  const secret = options.secret ?? randomBytes(32).toString('hex');
  const pageSize = options.pageSize ?? 50;
  const world = createWorld(projectId, requireCatalog(options.catalog ?? DEFAULT_CATALOG), options.webhookMode);
  const closing = new AbortController();
  const network = createNetwork(options, closing.signal);
  const nowS = () => Date.now() / 1000;
  const hub = createOrderStatusHub((token) => {
    const sub = typeof token === 'string' ? verifyJwt(token, secret, nowS())?.sub : undefined;
    return typeof sub === 'string' ? sub : undefined;
  }, projectId);
  // Xsolla publishes each order's statuses to the player as they happen.
  const purchase = (request: PurchaseRequest) => {
    const { orderId, transactionId, eventIds } = world.purchase(request);
    network.later(() => {
      hub.publish(request.userId, orderId, 'new');
      if (!request.pending) for (const status of ['paid', 'done']) hub.publish(request.userId, orderId, status);
    });
    // The game meets these ids as strings (`granted.orderId`); only the events keep Xsolla's numbers.
    return { orderId: String(orderId), transactionId: String(transactionId), eventIds };
  };
  const pay = (orderId: unknown) => {
    const { eventIds, userId, orderId: id } = world.pay(orderId);
    network.later(() => {
      for (const status of ['paid', 'done']) hub.publish(userId, id, status);
    });
    return { eventIds };
  };
  const setInventory = (userId: unknown, items: unknown) => {
    const id = requireUserId(userId);
    world.inventories.set(id, items);
    return world.inventories.snapshot(id);
  };
  const refund = (orderId: unknown) => {
    const { eventIds, userId, orderId: id } = world.refund(orderId);
    network.later(() => hub.publish(userId, id, 'canceled'));
    return { eventIds };
  };
  const payStation = createPayStation(world, pay);
  /** Create order: an unpaid order, opened as `purchase({ pending: true })` opens one, and its Pay Station token. */
  const openOrder = (request: PurchaseRequest) => {
    const orderId = Number(purchase(request).orderId);
    return { order_id: orderId, token: payStation.issue(orderId) };
  };

  const issueToken = (userId: string, expiresInS: unknown = 3600) => {
    const nowS = Math.floor(Date.now() / 1000);
    return signJwt({ sub: requireUserId(userId), iat: nowS, exp: nowS + requireExpiresInS(expiresInS), project_id: projectId }, secret);
  };

  const admin: Record<string, (body: Record<string, unknown>, query: URLSearchParams) => unknown> = {
    'POST /__emulator/token': (body) => ({ token: issueToken(body.userId as string, body.expiresInS ?? undefined) }),
    'POST /__emulator/purchase': (body) => purchase(body as unknown as PurchaseRequest),
    'POST /__emulator/pay': (body) => pay(body.orderId),
    'POST /__emulator/refund': (body) => refund(body.orderId),
    'POST /__emulator/inventory': (body) => setInventory(body.userId, body.items),
    'GET /__emulator/inventory': (_body, query) => world.inventories.snapshot(requireUserId(query.get('userId') ?? '')),
    'POST /__emulator/push': (body) => {
      if (typeof body.down !== 'boolean') throw new EmulatorInputError('down must be true or false');
      hub.setDown(body.down);
      return { down: body.down };
    },
    'POST /__emulator/events': (body) => ({ eventId: world.addEvent(body.userId, body.data) }),
    'POST /__emulator/faults': (body) => world.setFaults(body as Partial<Faults>),
    'POST /__emulator/webhook-mode': (body) => ({ mode: world.setWebhookMode(body.mode) }),
    'GET /__emulator/webhook-mode': () => ({ mode: world.webhookMode }),
    'GET /__emulator/faults': () => world.faults,
    'GET /__emulator/stats': () => world.stats,
    'GET /__emulator/state': (_body, query) => world.state(query.get('userId') ?? ''),
  };
  const methodsOf = (path: string) =>
    Object.keys(admin)
      .filter((key) => key.endsWith(` ${path}`))
      .map((key) => key.split(' ')[0]!);

  async function route(request: IncomingMessage, response: ServerResponse, path: string | undefined, fail: ErrorSender) {
    const method = request.method ?? 'GET';
    if (path === undefined) return fail(response, 400, 'the request target is not a URL path');
    if (!path.startsWith('/__emulator/')) {
      if (!(await network.arrive(response))) return fail(response, 503, 'The emulator is closing');
      world.stats.byMethod[method] = (world.stats.byMethod[method] ?? 0) + 1;
    }
    if (method === 'OPTIONS') return send(response, 204, undefined, network.preflightHeaders);
    const query = searchParamsOf(request.url!);
    // The buyer's page and its buttons: Xsolla's server, though neither API a client calls.
    if (path.startsWith(PAY_STATION_PATH)) return payStation.serve(method, path, request, response, query);

    const adminRoute = admin[`${method} ${path}`];
    if (adminRoute) return send(response, 200, adminRoute(method === 'POST' ? await readJson(request) : {}, query));

    const ack = /^\/events\/(\d+)\/processed$/.exec(path);
    const store = matchStoreRoute(path);
    const allowed = path === '/events' ? ['GET'] : ack ? ['POST'] : store ? [store.method] : methodsOf(path);
    if (allowed.length === 0) return fail(response, 404, 'Not found');
    if (!allowed.includes(method)) return fail(response, 405, `${path} takes ${allowed.join(' or ')}`, { Allow: allowed.join(', ') });
    const faults = world.faults;
    if (store) world.stats.storeRequests[store.name]++;
    else world.stats.requests++;
    // Injected latency ends with the emulator: no timer outlives close().
    if (
      faults.latencyMs > 0 &&
      !(await delay(faults.latencyMs, { signal: closing.signal }).then(
        () => true,
        () => false,
      ))
    ) {
      return fail(response, 503, 'The emulator is closing');
    }
    if (Math.random() < faults.errorRate) {
      world.stats.injectedErrors++;
      const headers: Record<string, string> = faults.retryAfterS === undefined ? {} : { 'Retry-After': String(faults.retryAfterS) };
      return fail(response, faults.status, 'Injected fault', headers);
    }
    // The catalog is public: asked without a JWT, it is served to no one in particular ('').
    const anonymous = store?.public === true && request.headers.authorization === undefined;
    const claims = anonymous ? { sub: '' } : verifyJwt(bearer(request) ?? '', secret, Date.now() / 1000);
    if (!claims || typeof claims.sub !== 'string') return fail(response, faults.authFailureStatus, 'Invalid or expired token');
    if (store) return serveStoreRoute(store, { world, userId: claims.sub, request, response, query, openOrder });
    if (query.get('project_id') !== String(projectId)) return sendError(response, 400, `project_id must be ${projectId}`);

    if (ack) {
      const outcome = world.markProcessed(claims.sub, Number(ack[1]));
      if (outcome === 'unknown') return answerAck(response, faults.unknownAckStatus, 'No such event');
      // The ack is recorded; the client just never hears so.
      if (Math.random() < faults.dropAckResponseRate) {
        world.stats.droppedAckResponses++;
        return void response.socket?.destroy();
      }
      return answerAck(response, outcome === 'repeat' ? faults.repeatAckStatus : 204, 'Event already processed');
    }
    const types = query
      .getAll('types')
      .flatMap((value) => value.split(','))
      .filter(Boolean);
    const events = world.listUnprocessed(claims.sub, {
      afterId: faults.ignoreAfterId ? 0 : Number(query.get('after_id') ?? 0) || 0,
      types: types.length > 0 ? types : undefined,
      limit: pageSize,
    });
    return send(response, 200, { events: events.map(({ id, status, createdAt, data }) => ({ id, status, created_at: createdAt, data })) });
  }

  // Whatever a handler throws becomes an answer: the emulator outlives every request.
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const path = pathnameOf(request.url);
    // Every /v2/ path is the Store API's, known or not, and so are its errors (faults and bad
    // tokens included); a target that is no URL path at all is judged as it was sent.
    const fail = isStorePath(path ?? request.url) ? sendStoreError : sendError;
    route(request, response, path, fail).catch((error: unknown) => answerFailure(response, error, fail));
  };

  const handleUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      if (pathnameOf(request.url) === ORDER_STATUS_PATH) hub.handleUpgrade(request, socket, head);
      else refuseSocket(socket, 404, 'only /connection/websocket takes WebSocket upgrades');
    } catch (error) {
      refuseSocket(socket, 500, error instanceof Error ? error.message : 'internal error');
    }
  };
  const server = createServer(handle);
  server.on('upgrade', handleUpgrade);
  // Bytes that are no HTTP request: Node's parser gives up, the answer still has our shape.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    refuseSocket(socket, tooLarge ? 431 : 400, tooLarge ? 'request headers too large' : 'malformed HTTP request');
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    projectId,
    issueToken,
    purchase,
    pay,
    refund,
    inventory: (userId) => world.inventories.snapshot(requireUserId(userId)),
    setInventory,
    injectEvent: (userId, data) => world.addEvent(userId, data),
    setFaults: (faults) => world.setFaults(faults),
    state: (userId) => world.state(userId),
    handle,
    handleUpgrade,
    setPushDown: (down) => hub.setDown(down),
    setWebhookMode: (mode) => world.setWebhookMode(mode),
    close: () =>
      new Promise<void>((resolve) => {
        closing.abort();
        hub.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** An ack's answer: 204 empty, 200 with an empty object, 404 with why (`description`). */
function answerAck(response: ServerResponse, status: AckStatus, description: string) {
  if (status === 404) return sendError(response, 404, description);
  return send(response, status, status === 200 ? {} : undefined);
}

function bearer(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
}
