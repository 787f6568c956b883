/**
 * The emulator never dies from input: whatever bytes reach it, over HTTP, raw TCP, an upgrade
 * or an open WebSocket, it answers with an error (or closes that one connection) and goes on
 * serving the next purchase.
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import WebSocket from 'ws';
import { NO_FAULTS, startEmulator, type Emulator } from '../src/emulator';
import { withEmulatorOnVite } from './support/emulator-vite';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

/**
 * A request still unanswered after this hangs (the emulator answers in milliseconds): generous,
 * so a busy machine is never taken for a hang, and short of the tests' own timeouts.
 */
const ANSWER_WITHIN_MS = 15_000;
/** Ample for every property's runs on a machine many times slower than a quiet one. */
const FUZZ_TIMEOUT_MS = 180_000;

/**
 * `fc.assert` with fast-check's random seed drawn here and reported when the test fails, also
 * by a timeout that fast-check never hears of: `{ seed }` in place of the draw replays the run.
 */
async function fuzz<Ts>(property: fc.IAsyncProperty<Ts>, numRuns: number) {
  const seed = Math.floor(Math.random() * 2 ** 31);
  onTestFailed(() =>
    console.error(`this test's property ran with { seed: ${seed}, numRuns: ${numRuns} }: pass them to fc.assert to replay it`),
  );
  await fc.assert(property, { seed, numRuns });
}
const STORE = '/v2/project/308077';
const ROUTES = [
  ['GET', '/events'],
  ['POST', '/events/1/processed'],
  ['GET', `${STORE}/user/inventory/items`],
  ['POST', `${STORE}/user/inventory/item/consume`],
  ['GET', `${STORE}/user/virtual_currency_balance`],
  ['GET', `${STORE}/order/1`],
  ['GET', `${STORE}/items`],
  ['GET', `${STORE}/items/virtual_items`],
  ['GET', `${STORE}/items/virtual_currency`],
  ['GET', `${STORE}/items/virtual_currency/package`],
  ['GET', `${STORE}/items/bundle`],
  ['POST', `${STORE}/payment/item/dragon_blade`],
  ['GET', '/paystation4/'],
  ['POST', '/paystation4/pay'],
  ['POST', '/paystation4/decline'],
  ['POST', '/__emulator/token'],
  ['POST', '/__emulator/purchase'],
  ['POST', '/__emulator/pay'],
  ['POST', '/__emulator/refund'],
  ['POST', '/__emulator/inventory'],
  ['GET', '/__emulator/inventory'],
  ['POST', '/__emulator/push'],
  ['POST', '/__emulator/events'],
  ['POST', '/__emulator/faults'],
  ['GET', '/__emulator/faults'],
  ['GET', '/__emulator/stats'],
  ['GET', '/__emulator/state'],
  ['POST', '/__emulator/webhook-mode'],
  ['GET', '/__emulator/webhook-mode'],
] as const;
/** Values of the wrong type for any field an admin route reads. */
const WRONG_TYPES: unknown[] = [
  null,
  true,
  -1,
  1.5,
  1e308,
  '',
  'x',
  [],
  [1],
  {},
  { toString: null },
  { __proto__: { a: 1 } },
  '9'.repeat(400),
];
const ADMIN_FIELDS: Record<string, string[]> = {
  '/__emulator/token': ['userId', 'expiresInS'],
  '/__emulator/purchase': ['userId', 'items', 'mode', 'projectId', 'pending'],
  '/__emulator/pay': ['orderId'],
  '/__emulator/refund': ['orderId'],
  '/__emulator/inventory': ['userId', 'items'],
  [`${STORE}/user/inventory/item/consume`]: ['sku', 'quantity', 'instance_id'],
  [`${STORE}/payment/item/dragon_blade`]: ['quantity', 'sandbox', 'settings', 'custom_parameters'],
  '/paystation4/pay': ['token'],
  '/paystation4/decline': ['token'],
  '/__emulator/webhook-mode': ['mode'],
  '/__emulator/push': ['down'],
  '/__emulator/events': ['userId', 'data'],
  '/__emulator/faults': [
    'errorRate',
    'latencyMs',
    'status',
    'retryAfterS',
    'dropAckResponseRate',
    'ignoreAfterId',
    'repeatAckStatus',
    'unknownAckStatus',
    'authFailureStatus',
  ],
};
const validBody: Record<string, Record<string, unknown>> = {
  '/__emulator/token': { userId: 'fuzz' },
  '/__emulator/purchase': { userId: 'fuzz', items: [{ sku: 'gold', quantity: 1 }] },
  '/__emulator/pay': { orderId: 1 },
  '/__emulator/refund': { orderId: 1 },
  '/__emulator/inventory': { userId: 'fuzz', items: [] },
  [`${STORE}/user/inventory/item/consume`]: { sku: 'health_potion', quantity: 1 },
  [`${STORE}/payment/item/dragon_blade`]: { quantity: 1 },
  '/paystation4/pay': { token: 'none' },
  '/paystation4/decline': { token: 'none' },
  '/__emulator/webhook-mode': { mode: 'combined' },
  '/__emulator/push': { down: false },
  '/__emulator/events': { userId: 'fuzz', data: {} },
  '/__emulator/faults': {},
};

async function request(method: string, path: string, init: { body?: BodyInit; headers?: Record<string, string>; base?: string } = {}) {
  const { base = emulator.url, ...rest } = init;
  const url = new URL(`${base}${path}`);
  const response = await fetch(url, { method, ...rest, signal: AbortSignal.timeout(ANSWER_WITHIN_MS) });
  const text = await response.text();
  // The path as it went out: the URL resolves dot segments (`/order/.` is `/order/`).
  return { status: response.status, text, path: url.pathname, type: response.headers.get('content-type') };
}

/**
 * An error answer has the shape Xsolla uses: `{error: {code: "<status>", description}}` on the
 * Events API and the admin endpoints, `{statusCode, errorCode, errorMessage}` on the Store API;
 * Pay Station's page (a GET of `/paystation4/`) answers a page a buyer can read.
 */
function expectWellFormed(
  { status, text, path = '', type }: { status: number; text: string; path?: string; type?: string | null },
  what = path,
) {
  expect(status, what).toBeLessThan(600);
  expect(status, `an internal error on ${what}: ${text}`).not.toBe(500);
  if (status < 400) return;
  if (path === '/paystation4/' && type?.startsWith('text/html')) return void expect(text, what).toMatch(/^<!doctype html>/);
  expect(JSON.parse(text), what).toEqual(
    path.startsWith('/v2/')
      ? { statusCode: status, errorCode: expect.any(Number), errorMessage: expect.any(String) }
      : { error: { code: String(status), description: expect.any(String) } },
  );
}

/**
 * Sends raw bytes and collects what comes back: until the emulator closes the connection, or
 * (`untilHead`) until a whole response head has arrived, the answer to an upgrade that stays open.
 * Without an answer within ANSWER_WITHIN_MS it rejects, unless `quietIsFine` (a foreign server).
 */
function rawExchange(port: number, bytes: string | Uint8Array, { untilHead = false, quietIsFine = false } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const received = () => Buffer.concat(chunks).toString('latin1');
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(received());
    };
    const timer = setTimeout(
      () => finish(quietIsFine ? undefined : new Error(`no answer to ${JSON.stringify(String(bytes).slice(0, 80))}`)),
      quietIsFine ? 300 : ANSWER_WITHIN_MS,
    );
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (untilHead && received().includes('\r\n\r\n')) finish();
    });
    socket.on('error', () => undefined); // a reset after the answer is fine
    socket.on('close', () => finish());
    // Half-closing says "that was all": a server must answer or close, not wait for more.
    if (untilHead) socket.write(bytes);
    else socket.end(bytes);
  });
}

const portOf = (url: string) => Number(new URL(url).port);
const statusLine = (answer: string) => answer.split('\r\n')[0] ?? '';
const upgrade = (path: string) =>
  `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;

/** A purchase from token to processed, over HTTP only: the emulator still does its job. */
async function expectPurchaseEndToEnd(url: string, userId: string) {
  const post = (path: string, body: unknown, token?: string) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    });
  const { token } = await (await post('/__emulator/token', { userId })).json();
  const { eventIds } = await (await post('/__emulator/purchase', { userId, items: [{ sku: 'gold', quantity: 5 }] })).json();
  const listed = await (
    await fetch(`${url}/events?project_id=${emulator.projectId}`, { headers: { Authorization: `Bearer ${token}` } })
  ).json();
  expect(listed.events.map((event: { id: number }) => event.id)).toEqual(eventIds);
  expect((await post(`/events/${eventIds[0]}/processed?project_id=${emulator.projectId}`, undefined, token)).status).toBe(204);
  const state = await (await fetch(`${url}/__emulator/state?userId=${userId}`)).json();
  expect(state.events).toEqual([expect.objectContaining({ id: eventIds[0], processed: true })]);
  // And the path a game ships: Create order, Pay Station's page, its Pay.
  const created = await (await post(`/v2/project/${emulator.projectId}/payment/item/dragon_blade`, {}, token)).json();
  expect((await fetch(`${url}/paystation4/?token=${created.token}`)).status).toBe(200);
  expect(await (await post('/paystation4/pay', { token: created.token })).json()).toEqual({
    paymentInfo: expect.objectContaining({ status: 'done' }),
  });
}

function openSocket(): Promise<WebSocket> {
  const socket = new WebSocket(`${emulator.url.replace('http', 'ws')}/connection/websocket`);
  socket.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends one frame; resolves on the first reply or close, or after a short quiet spell. */
function exchangeFrame(socket: WebSocket, frame: string | Buffer): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, 50);
    socket.once('message', done);
    socket.once('close', done);
    socket.send(frame);
  });
}

describe('bad input that used to kill or hang the emulator', { timeout: FUZZ_TIMEOUT_MS }, () => {
  it('an upgrade request for "//" gets an error answer, and the emulator keeps serving', async () => {
    const answer = await rawExchange(portOf(emulator.url), upgrade('//'), { untilHead: true });
    expect(statusLine(answer)).toMatch(/^HTTP\/1\.1 4\d\d /);
    await expectPurchaseEndToEnd(emulator.url, 'after-slash-slash');
  });

  it('a connect frame whose project_id cannot become a string closes that socket only', async () => {
    const socket = await openSocket();
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));
    const auth = emulator.issueToken('bad-frame');
    socket.send(JSON.stringify({ id: 1, connect: { data: { user_external_id: 'bad-frame', auth, project_id: { toString: null } } } }));
    expect(await closed).toBeGreaterThanOrEqual(3000);
    await expectPurchaseEndToEnd(emulator.url, 'after-bad-frame');
  });

  it('an injected event that cannot be serialised is refused at once, and GET /events still answers', async () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => emulator.injectEvent('unserialisable', { amount: 1n })).toThrow(/JSON/);
    expect(() => emulator.injectEvent('unserialisable', cycle)).toThrow(/JSON/);
    expect(() =>
      emulator.injectEvent('unserialisable', {
        toJSON: () => {
          throw new Error('no');
        },
      }),
    ).toThrow(/JSON/);
    const token = emulator.issueToken('unserialisable');
    const listed = await request('GET', `/events?project_id=${emulator.projectId}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(listed).toMatchObject({ status: 200, text: '{"events":[]}' });
  });

  it('every /v2/ path answers errors in the Store API shape, known route or not (fuzz counterexample ["","."])', async () => {
    const authorised = { Authorization: `Bearer ${emulator.issueToken('v2-paths')}` };
    const paths = [
      `${STORE}/order/.`, // the counterexample: the URL resolves it to `${STORE}/order/`
      `${STORE}/order/`,
      `${STORE}/order/..`,
      `${STORE}/order/%`,
      `${STORE}/order/1/extra`,
      '/v2/',
      '/v2//',
      '/v2/project/',
      '/v2/project//order/1',
      '/v2/project/x/user/inventory/items',
      '/v2/project/x/order/1',
      `${STORE}/nope`,
      `${STORE}/payment/item/`,
      `${STORE}/payment/item/%`,
      `${STORE}/payment/item/a/b`,
      `${STORE}/items/`,
      `${STORE}/items/nope`,
      `${STORE}/items/virtual_currency/package/x`,
      '/v2/unknown/route',
      '/v2/%zz',
    ];
    for (const path of paths) {
      for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
        for (const headers of [authorised, {}]) expectWellFormed(await request(method, path, { headers }), `${method} ${path}`);
      }
    }
    // Even when the emulator fails every request on purpose.
    emulator.setFaults({ errorRate: 1, status: 503 });
    try {
      for (const path of paths) expectWellFormed(await request('GET', path, { headers: authorised }), `GET ${path}, faulted`);
    } finally {
      emulator.setFaults(NO_FAULTS);
    }
    await withEmulatorOnVite(async (url) => {
      for (const path of ['/v2/', `${STORE}/order/`, '/v2/unknown/route'])
        expectWellFormed(await request('GET', path, { base: url }), `GET ${path} on Vite`);
    });
  });

  it('the Vite plugin survives an upgrade request for "//", so `npm run demo` keeps running', async () => {
    await withEmulatorOnVite(async (url) => {
      // Vite may or may not answer a foreign upgrade; it must not take the process down.
      await rawExchange(portOf(url), upgrade('//'), { untilHead: true, quietIsFine: true });
      await rawExchange(portOf(url), upgrade('/%'), { untilHead: true, quietIsFine: true });
      const faults = await fetch(`${url}/__emulator/faults`);
      expect(faults.status).toBe(200);
      // Paths under the emulator's mount that are not valid URLs get an error answer too.
      expectWellFormed(
        await (async () => {
          const response = await fetch(`${url}/__emulator/state?userId=%`);
          return { status: response.status, text: await response.text() };
        })(),
      );
    });
  });
});

describe('fuzzing every endpoint', { timeout: FUZZ_TIMEOUT_MS }, () => {
  it('answers random bytes, random JSON and wrong field types on every route with a well-formed answer', async () => {
    const bytes = fc.uint8Array({ maxLength: 300 });
    const json = fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? 'null');
    await fuzz(
      fc.asyncProperty(fc.constantFrom(...ROUTES), fc.oneof(bytes, json), async ([method, path], body) => {
        const query = path === '/events' || path.endsWith('/processed') ? `?project_id=${emulator.projectId}` : '';
        expectWellFormed(
          await request(method === 'GET' ? 'POST' : method, `${path}${query}`, {
            body,
            headers: { Authorization: `Bearer ${emulator.issueToken('fuzz')}` },
          }),
        );
        expectWellFormed(await request(method, `${path}${query}`, method === 'GET' ? {} : { body }));
      }),
      60,
    );
    // Owned, so a consume with wrong field types gets past "not owned" to every check.
    emulator.purchase({ userId: 'fuzz', items: [{ sku: 'health_potion', quantity: 1000 }] });
    const authorised = { Authorization: `Bearer ${emulator.issueToken('fuzz')}` };
    for (const [path, fields] of Object.entries(ADMIN_FIELDS)) {
      for (const field of fields) {
        for (const value of WRONG_TYPES) {
          const answer = await request('POST', path, { body: JSON.stringify({ ...validBody[path], [field]: value }), headers: authorised });
          expectWellFormed(answer);
        }
      }
    }
    for (const body of ['', '{', 'null', '[]', '"text"', '42', 'true', '\u0000\u00ff', '{"a":1}{"b":2}']) {
      for (const [method, path] of ROUTES) if (method === 'POST') expectWellFormed(await request('POST', path, { body }));
    }
    emulator.setFaults(NO_FAULTS);
    emulator.setPushDown(false);
    emulator.setWebhookMode('combined');
    await expectPurchaseEndToEnd(emulator.url, 'after-body-fuzz');
  });

  it('answers malformed requests: bad URLs, wrong methods, bad query strings, huge headers', async () => {
    const port = portOf(emulator.url);
    const token = emulator.issueToken('fuzz');
    for (const path of [
      '//',
      '/%',
      '/%zz',
      '///events',
      '/events/%/processed',
      '/events/../__emulator/faults',
      '/__emulator/state?userId=%E0%A4%A',
      '*',
      'http://x/events',
      '/events?after_id=-1e999&project_id=x&types=',
    ]) {
      for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'BREW']) {
        const answer = await rawExchange(
          port,
          `${method} ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}`,
        );
        expect(statusLine(answer)).toMatch(/^HTTP\/1\.1 (?!500)[1-5]\d\d /);
      }
    }
    for (const [method, path] of ROUTES) {
      expectWellFormed(await request(method === 'GET' ? 'DELETE' : 'PUT', path));
      expectWellFormed(
        await request(method, path, { headers: { 'X-Padding': 'p'.repeat(14_000), Authorization: `Bearer ${'x'.repeat(1000)}` } }),
      );
    }
    for (const query of ['after_id=abc', 'after_id=1e400', 'after_id=-5', 'types=%00', 'project_id=%', 'project_id=1&project_id=2']) {
      expectWellFormed(
        await request('GET', `/events?project_id=${emulator.projectId}&${query}`, { headers: { Authorization: `Bearer ${token}` } }),
      );
    }
    await fuzz(
      fc.asyncProperty(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), async (query, orderId) => {
        const headers = { Authorization: `Bearer ${token}` };
        expectWellFormed(await request('GET', `${STORE}/user/inventory/items?${encodeURI(query)}`, { headers }));
        expectWellFormed(await request('GET', `${STORE}/order/${encodeURIComponent(orderId) || '0'}`, { headers }));
      }),
      40,
    );
    // Any path under /v2/, known or not, with any method: the Store API's error shape.
    const segment = fc.oneof(
      fc.constantFrom(
        '',
        '.',
        '..',
        '%',
        'project',
        '308077',
        'x',
        'order',
        '1',
        'user',
        'inventory',
        'items',
        'item',
        'consume',
        'payment',
        'dragon_blade',
        'virtual_items',
        'virtual_currency',
        'package',
        'bundle',
      ),
      fc.string({ maxLength: 12 }).map(encodeURIComponent),
    );
    await fuzz(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
        fc.array(segment, { maxLength: 6 }),
        fc.boolean(),
        async (method, segments, signed) => {
          const headers: Record<string, string> = signed ? { Authorization: `Bearer ${token}` } : {};
          expectWellFormed(await request(method, `/v2/${segments.join('/')}`, { headers }));
        },
      ),
      60,
    );
    // Past Node's header limit: the server refuses it itself, with an answer.
    expect(statusLine(await rawExchange(port, `GET /events HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(40_000)}\r\n\r\n`))).toMatch(
      /^HTTP\/1\.1 431 /,
    );
    await expectPurchaseEndToEnd(emulator.url, 'after-malformed-requests');
  });

  it('answers raw-socket garbage and garbage upgrade requests, or closes that connection', async () => {
    const port = portOf(emulator.url);
    await fuzz(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 400 }), async (garbage) => {
        const answer = await rawExchange(port, garbage);
        if (answer !== '') expect(statusLine(answer)).toMatch(/^HTTP\/1\.1 (?!500)\d\d\d /);
      }),
      40,
    );
    const paths = ['//', '/%', '/connection/websocket/..', '/connection/websocket?%', '/nope', '*', '/connection%2Fwebsocket'];
    await fuzz(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.string({ maxLength: 30 }).filter((s) => !/[\s\r\n]/.test(s)),
        async (path, suffix) => {
          const answer = await rawExchange(port, upgrade(`${path}${suffix}`), { untilHead: true });
          if (answer !== '') expect(statusLine(answer)).toMatch(/^HTTP\/1\.1 (?!500)[1-5]\d\d /);
        },
      ),
      30,
    );
    // A websocket upgrade without a key, or with a bad version: refused, not fatal.
    const broken = `GET /connection/websocket HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 99\r\n\r\n`;
    const refused = await rawExchange(port, broken);
    expect(statusLine(refused)).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(refused.slice(refused.indexOf('\r\n\r\n') + 4))).toEqual({
      error: { code: '400', description: expect.stringContaining('Sec-WebSocket') },
    });
    await expectPurchaseEndToEnd(emulator.url, 'after-raw-garbage');
  });

  it('survives random frames on an open order-status WebSocket, and still connects a real player', async () => {
    const field = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant({ toString: null }), fc.constant({ valueOf: null, toString: null }));
    // Often a well-signed player, so the frame gets past authentication to the fields after it.
    const auth = fc.oneof(field, fc.constant(emulator.issueToken('ws-fuzz')));
    const user = fc.oneof(field, fc.constant('ws-fuzz'));
    const command = fc.record(
      {
        id: field,
        connect: fc.record(
          { data: fc.record({ auth, user_external_id: user, project_id: field }, { requiredKeys: [] }) },
          { requiredKeys: [] },
        ),
        history: fc.record({ channel: field, since: fc.record({ offset: field }, { requiredKeys: [] }) }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    );
    const frame = fc.oneof(
      command.map((value) => JSON.stringify(value)),
      fc.array(command, { maxLength: 3 }).map((values) => values.map((value) => JSON.stringify(value)).join('\n')),
      fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? ''),
      fc.string({ maxLength: 100 }),
      fc.uint8Array({ maxLength: 100 }).map((value) => Buffer.from(value)),
    );
    let socket = await openSocket();
    await fuzz(
      fc.asyncProperty(frame, async (data) => {
        if (socket.readyState !== WebSocket.OPEN) socket = await openSocket();
        await exchangeFrame(socket, data);
      }),
      150,
    );
    socket.terminate();

    const player = await openSocket();
    const reply = new Promise<string>((resolve) => player.once('message', (data) => resolve(String(data))));
    player.send(
      JSON.stringify({
        id: 1,
        connect: { data: { user_external_id: 'ws-player', auth: emulator.issueToken('ws-player'), project_id: emulator.projectId } },
      }),
    );
    expect(JSON.parse(await reply)).toMatchObject({ id: 1, connect: { subs: { 'orders#ws-player': expect.any(Object) } } });
    player.terminate();
    await expectPurchaseEndToEnd(emulator.url, 'after-frame-fuzz');
  });
});
