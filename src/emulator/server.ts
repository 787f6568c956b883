/**
 * The GetUpdates emulator: a real HTTP server on loopback that serves the Events API for any
 * number of players, plus `/__emulator/*` admin endpoints for demos and tests.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createOrderStatusHub, ORDER_STATUS_PATH } from './order-status';
import { signJwt, verifyJwt } from './jwt';
import { createWorld, EmulatorInputError, type Faults, type PurchaseRequest, type World } from './state';

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** The project its events belong to (default 308077). */
  projectId?: number;
  /** HS256 secret for the tokens it issues (random by default). */
  secret?: string;
  /** Events per GET page (default 50), so clients page with after_id. */
  pageSize?: number;
}

export interface Emulator {
  url: string;
  projectId: number;
  issueToken(userId: string, expiresInS?: number): string;
  purchase(request: PurchaseRequest): { orderId: number; transactionId: number; eventIds: number[] };
  refund(orderId: number | string): { eventIds: number[] };
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
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const projectId = options.projectId ?? 308077;
  const secret = options.secret ?? randomBytes(32).toString('hex');
  const pageSize = options.pageSize ?? 50;
  const world = createWorld(projectId);
  const nowS = () => Date.now() / 1000;
  const hub = createOrderStatusHub((token) => {
    const sub = typeof token === 'string' ? verifyJwt(token, secret, nowS())?.sub : undefined;
    return typeof sub === 'string' ? sub : undefined;
  }, projectId);
  // Xsolla publishes each order's statuses to the player as they happen.
  const purchase = (request: PurchaseRequest) => {
    const result = world.purchase(request);
    for (const status of ['new', 'paid', 'done']) hub.publish(request.userId, result.orderId, status);
    return result;
  };
  const refund = (orderId: unknown) => {
    const { eventIds, userId } = world.refund(orderId);
    hub.publish(userId, Number(orderId), 'canceled');
    return { eventIds };
  };

  const issueToken = (userId: string, expiresInS = 3600) => {
    const nowS = Math.floor(Date.now() / 1000);
    return signJwt({ sub: userId, iat: nowS, exp: nowS + expiresInS, project_id: projectId }, secret);
  };

  const admin: Record<string, (body: Record<string, unknown>, url: URL) => unknown> = {
    'POST /__emulator/token': (body) => {
      if (typeof body.userId !== 'string' || body.userId.length === 0) throw new EmulatorInputError('userId must be a non-empty string');
      return { token: issueToken(body.userId, typeof body.expiresInS === 'number' ? body.expiresInS : undefined) };
    },
    'POST /__emulator/purchase': (body) => purchase(body as unknown as PurchaseRequest),
    'POST /__emulator/refund': (body) => refund(body.orderId),
    'POST /__emulator/push': (body) => {
      hub.setDown(body.down === true);
      return { down: body.down === true };
    },
    'POST /__emulator/events': (body) => {
      if (typeof body.userId !== 'string') throw new EmulatorInputError('userId must be a string');
      return { eventId: world.addEvent(body.userId, body.data) };
    },
    'POST /__emulator/faults': (body) => world.setFaults(body as Partial<Faults>),
    'GET /__emulator/faults': () => world.faults,
    'GET /__emulator/stats': () => world.stats,
    'GET /__emulator/state': (_body, url) => world.state(url.searchParams.get('userId') ?? ''),
  };

  async function route(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://emulator');
    const method = request.method ?? 'GET';
    if (method === 'OPTIONS') return send(response, 204);

    const adminRoute = admin[`${method} ${url.pathname}`];
    if (adminRoute) return send(response, 200, adminRoute(method === 'POST' ? await readJson(request) : {}, url));

    const ack = /^\/events\/(\d+)\/processed$/.exec(url.pathname);
    if (!(method === 'GET' && url.pathname === '/events') && !(method === 'POST' && ack)) {
      return send(response, 404, { error: { code: '404', description: 'Not found' } });
    }
    const faults = world.faults;
    world.stats.requests++;
    if (faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
    if (Math.random() < faults.errorRate) {
      world.stats.injectedErrors++;
      const headers: Record<string, string> = faults.retryAfterS === undefined ? {} : { 'Retry-After': String(faults.retryAfterS) };
      return send(response, faults.status, { error: { code: String(faults.status), description: 'Injected fault' } }, headers);
    }
    const claims = verifyJwt(bearer(request) ?? '', secret, Date.now() / 1000);
    if (!claims || typeof claims.sub !== 'string') return send(response, 401, { error: { code: '401', description: 'Invalid or expired token' } });
    if (url.searchParams.get('project_id') !== String(projectId)) {
      return send(response, 400, { error: { code: '400', description: `project_id must be ${projectId}` } });
    }

    if (ack) {
      if (!world.markProcessed(claims.sub, Number(ack[1]))) return send(response, 404, { error: { code: '404', description: 'No such event' } });
      // The ack is recorded; the client just never hears so.
      if (Math.random() < faults.dropAckResponseRate) {
        world.stats.droppedAckResponses++;
        return void response.socket?.destroy();
      }
      return send(response, 204);
    }
    const types = url.searchParams.getAll('types').flatMap((value) => value.split(',')).filter(Boolean);
    const events = world.listUnprocessed(claims.sub, {
      afterId: Number(url.searchParams.get('after_id') ?? 0) || 0,
      types: types.length > 0 ? types : undefined,
      limit: pageSize,
    });
    return send(response, 200, { events: events.map(({ id, status, createdAt, data }) => ({ id, status, created_at: createdAt, data })) });
  }

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    route(request, response).catch((error: unknown) => {
      const status = error instanceof EmulatorInputError ? error.status : 500;
      send(response, status, { error: { code: String(status), description: error instanceof Error ? error.message : 'error' } });
    });
  };

  const handleUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://emulator').pathname === ORDER_STATUS_PATH) hub.handleUpgrade(request, socket, head);
    else socket.destroy();
  };
  const server = createServer(handle);
  server.on('upgrade', handleUpgrade);
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
    refund,
    injectEvent: (userId, data) => world.addEvent(userId, data),
    setFaults: (faults) => world.setFaults(faults),
    state: (userId) => world.state(userId),
    handle,
    handleUpgrade,
    setPushDown: (down) => hub.setDown(down),
    close: () =>
      new Promise<void>((resolve) => {
        hub.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function bearer(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
}

function send(response: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
  if (response.headersSent) return;
  response.writeHead(status, {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Allow-Headers': 'Authorization, Content-Type',
    'Access-Control-Expose-Headers': 'Retry-After',
    ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    ...headers,
  });
  response.end(body === undefined ? undefined : JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new EmulatorInputError('body too large', 413);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new EmulatorInputError('body must be a JSON object');
}
