/**
 * The demo game's page. Everything it shows comes from the library: balances and orders from
 * `client.inventory`, prices from `client.catalog()`, the log from the client's events. The buy
 * buttons go through `client.purchase()`: Create order, then Pay Station in a popup (the
 * emulator's page, or Xsolla's in live mode). Only the refund and fault controls, and the
 * `?checkout=instant` back door, talk to the emulator's admin endpoints, standing in for support.
 *
 * URL options: `?user=<id>` (default demo-player), `?baseUrl=` (default: this page's origin,
 * where `npm run demo` mounts the emulator), `?projectId=` (default 308077), `?push=off` to poll
 * without the order-status WebSocket, `?checkout=instant` to buy through the emulator's admin
 * back door (a paid order at once, no Pay Station: for tests and tools), and `#token=<JWT>` to
 * use a real player token (then the emulator's admin endpoints are not used).
 */
import { createGetUpdatesClient, type CatalogItem, type Order } from '../src';
import { ITEM_NAMES, PRODUCTS, type Product } from './catalog';
import { byId, el } from './dom';

const params = new URLSearchParams(location.search);
const userId = params.get('user') || 'demo-player';
const baseUrl = (params.get('baseUrl') || location.origin).replace(/\/+$/, '');
const projectId = params.get('projectId') || '308077';
const realToken = new URLSearchParams(location.hash.slice(1)).get('token');
const emulated = !realToken;
const push = params.get('push') !== 'off';
const instant = emulated && params.get('checkout') === 'instant';

async function admin<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${baseUrl}/__emulator/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`emulator ${path}: ${payload?.error?.description ?? response.status}`);
  return payload as T;
}

const client = createGetUpdatesClient({
  projectId,
  baseUrl,
  // With a real token the player is the JWT's `sub`; with the emulator, the `?user=` id.
  userId: emulated ? userId : (params.get('user') ?? undefined),
  token: realToken ?? (async () => (await admin<{ token: string }>('token', { userId })).token),
  // Snappier than the library's 60 s default, so refunds show up quickly in a demo.
  cadence: { intervalMs: 5_000 },
  // Xsolla's order-status socket in live mode; the emulator's, on the same origin, otherwise.
  orderStatus: push && (emulated ? { url: `${baseUrl.replace(/^http/, 'ws')}/connection/websocket` } : true),
  // Non-consumables come back from Xsolla's Player Inventory after "Clear site data" or on a new
  // device: once per session after the first drain, and on the Restore button. The emulator
  // serves the Store API on its own origin; a live project uses Xsolla's.
  restore: { auto: true, ...(emulated ? { storeUrl: baseUrl } : {}) },
});

// --- log ------------------------------------------------------------------------------
const logList = byId<HTMLOListElement>('log');
function log(kind: string, text: string) {
  const time = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  logList.prepend(el('li', { class: `entry ${kind}`, 'data-kind': kind }, el('time', {}, time), el('b', {}, kind), el('span', {}, text)));
  while (logList.children.length > 200) logList.lastElementChild?.remove();
}
const describeItems = (items: Array<{ sku: string; quantity: number }>) =>
  items.map(({ sku, quantity }) => `${quantity}× ${sku}`).join(', ');
const describeError = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

// --- inventory and orders ----------------------------------------------------------------
const balancesList = byId<HTMLUListElement>('balances');
async function renderBalances() {
  const [balances, restored] = await Promise.all([client.inventory.balances(), client.inventory.restored()]);
  const restoredUnits = new Map(restored.map(({ sku, quantity }) => [sku, quantity]));
  const skus = [...new Set([...Object.keys(ITEM_NAMES), ...Object.keys(balances)])];
  balancesList.replaceChildren(
    ...skus.map((sku) =>
      el(
        'li',
        {},
        el('span', { class: 'name' }, ITEM_NAMES[sku] ?? sku),
        // Units that came back from the Player Inventory, not from an order this device delivered.
        restoredUnits.has(sku)
          ? el(
              'span',
              { class: 'badge restored', 'data-testid': `restored-${sku}`, title: 'restored from the Player Inventory' },
              'restored',
            )
          : '',
        el('span', { class: 'qty', 'data-testid': `balance-${sku}` }, String(balances[sku] ?? 0)),
      ),
    ),
  );
}

/** Orders bought in this page and not yet seen in the ledger, so they show at once as "paid". */
const awaiting = new Map<string, Product>();
/** The latest status the order-status socket reported for each order. */
const pushed = new Map<string, string>();
const ordersList = byId<HTMLUListElement>('orders');
async function renderOrders() {
  const orders = (await client.inventory.orders()).reverse();
  const known = new Set(orders.map((order) => order.orderId));
  const pending = [...awaiting].filter(([orderId]) => !known.has(orderId));
  byId('no-orders').hidden = orders.length + pending.length > 0;
  ordersList.replaceChildren(
    ...pending.map(([orderId, product]) =>
      orderRow(orderId, `${pushed.get(orderId) ?? 'paid'}, delivering…`, describeItems(product.items), false),
    ),
    ...orders.map((order) =>
      orderRow(
        order.orderId ?? order.transactionId ?? '?',
        order.status,
        describeItems(order.items),
        emulated && order.status === 'granted',
      ),
    ),
  );
}

function orderRow(orderId: string, status: Order['status'] | string, items: string, refundable: boolean) {
  const refund = el(
    'button',
    { type: 'button', class: 'ghost small', 'data-testid': `refund-${orderId}`, disabled: !refundable },
    'Refund',
  );
  refund.addEventListener('click', () => void refundOrder(orderId, refund));
  return el(
    'li',
    { 'data-testid': `order-${orderId}`, 'data-status': status },
    el('div', {}, el('strong', {}, `#${orderId}`), el('span', { class: `badge ${status.split(',')[0]}` }, status)),
    el('div', { class: 'items' }, items || '—'),
    refund,
  );
}

const refresh = () => Promise.all([renderBalances(), renderOrders()]).catch((error: unknown) => log('error', describeError(error)));

// --- shop ---------------------------------------------------------------------------------
const modeSelect = byId<HTMLSelectElement>('mode');
const buyButtons = PRODUCTS.map((product) => {
  const button = el('button', { type: 'button', 'data-testid': `buy-${product.id}` }, 'Buy');
  // No await before purchase(): Pay Station's popup must open inside the click.
  button.addEventListener('click', () => void (instant ? buyInstantly(product, button) : buy(product)));
  return button;
});
byId('products').replaceChildren(
  ...PRODUCTS.map((product, index) =>
    el(
      'li',
      {},
      el('span', { class: 'icon', 'aria-hidden': 'true' }, product.icon),
      el('div', { class: 'product' }, el('strong', {}, product.name), el('span', {}, product.blurb)),
      buyButtons[index]!,
    ),
  ),
);

/** The catalog's real prices on the buy buttons; plain "Buy" until it answers. */
async function showPrices() {
  try {
    const prices = new Map((await client.catalog()).map((item) => [item.sku, item.price]));
    PRODUCTS.forEach((product, index) => {
      const price = prices.get(product.sku);
      if (price) buyButtons[index]!.textContent = `Buy ${formatPrice(price)}`;
    });
  } catch {
    // logged by the error handler (phase catalog); the buttons still sell, without a price
  }
}
const formatPrice = ({ amount, currency }: NonNullable<CatalogItem['price']>) => {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(Number(amount));
  } catch {
    return `${amount} ${currency}`; // a currency code Intl does not know
  }
};

/** Create order, Pay Station in a popup, and how it ended: the outcome the game shows. */
async function buy(product: Product) {
  try {
    const { status, orderId } = await client.purchase(product.sku);
    log('purchase', `order #${orderId} ${status}: ${product.name}`);
  } catch (error) {
    log('error', describeError(error));
  } finally {
    void refresh();
  }
}

// The socket may tell an order's statuses before the back door's request returns: those lines
// wait for the purchase line, so the log reads in the order things happened.
let purchasesInFlight = 0;
const heldStatuses: Array<() => void> = [];
const releaseHeldStatuses = () => purchasesInFlight === 0 && heldStatuses.splice(0).forEach((logStatus) => logStatus());

/** The admin back door (`?checkout=instant`): a paid order at once, in the selected webhook mode. */
async function buyInstantly(product: Product, button: HTMLButtonElement) {
  button.disabled = true;
  purchasesInFlight++;
  try {
    const { orderId } = await admin<{ orderId: string }>('purchase', { userId, items: product.items, mode: modeSelect.value }).finally(
      () => purchasesInFlight--,
    );
    log('purchase', `order #${orderId} paid (${modeSelect.value} webhooks): ${product.name}`);
    releaseHeldStatuses();
    awaiting.set(orderId, product);
    void renderOrders();
    button.disabled = false;
    const order = await client.watchOrder(orderId);
    awaiting.delete(orderId);
    log('delivered', `order #${orderId} is ${order.status}`);
  } catch (error) {
    log('error', describeError(error));
    releaseHeldStatuses();
  } finally {
    button.disabled = false;
    void refresh();
  }
}

async function refundOrder(orderId: string, button: HTMLButtonElement) {
  button.disabled = true;
  try {
    await admin('refund', { orderId });
    log('refund', `order #${orderId} refunded by support`);
    await client.pollNow().catch(() => undefined); // failures are logged by the error handler; the loop retries
  } catch (error) {
    log('error', describeError(error));
  }
}

async function spend(sku: string, quantity: number) {
  try {
    const left = await client.inventory.consume(sku, quantity);
    log('spent', `${quantity}× ${sku}, ${left} left`);
  } catch (error) {
    log('error', describeError(error));
  }
}
byId('drink').addEventListener('click', () => void spend('health_potion', 1));
byId('spend-gold').addEventListener('click', () => void spend('gold', 100));
byId('poll-now').addEventListener('click', async () => {
  const report = await client.pollNow().catch(() => undefined); // why it failed is logged by the error handler
  log('poll', report ? `fetched ${report.fetched}, granted ${report.granted}, acked ${report.acked}` : 'failed');
});
byId('restore').addEventListener('click', async () => {
  const button = byId<HTMLButtonElement>('restore');
  button.disabled = true;
  try {
    const { restored, revoked, skipped } = await client.restorePurchases();
    log(
      'restore',
      `restored ${describeItems(restored) || 'nothing'}; revoked ${describeItems(revoked) || 'nothing'}; ${skipped.length} skipped`,
    );
  } catch {
    // logged by the error handler (phase restore); nothing was changed
  } finally {
    button.disabled = false;
  }
});

// The webhook mode is the emulator's: orders paid in Pay Station follow it too.
modeSelect.addEventListener('change', async () => {
  try {
    const { mode } = await admin<{ mode: string }>('webhook-mode', { mode: modeSelect.value });
    log('webhooks', `${mode} webhooks from now on`);
  } catch (error) {
    log('error', describeError(error));
  }
});
async function showWebhookMode() {
  try {
    modeSelect.value = (await admin<{ mode: string }>('webhook-mode')).mode;
  } catch (error) {
    log('error', describeError(error));
  }
}

// --- faults -------------------------------------------------------------------------------
const faultInputs = [...document.querySelectorAll<HTMLInputElement>('input[data-fault]')];
async function applyFaults() {
  const on = (name: string) => faultInputs.some((input) => input.dataset.fault === name && input.checked);
  const rateLimited = on('rateLimited');
  try {
    await admin('faults', {
      errorRate: on('flaky') || rateLimited ? (rateLimited ? 0.3 : 0.2) : 0,
      status: rateLimited ? 429 : 503,
      retryAfterS: rateLimited ? 1 : null,
      latencyMs: on('slow') ? 400 : 0,
      dropAckResponseRate: on('dropAcks') ? 0.3 : 0,
    });
    log(
      'faults',
      faultInputs
        .filter((input) => input.checked)
        .map((input) => input.dataset.fault)
        .join(', ') || 'none',
    );
  } catch (error) {
    log('error', describeError(error));
  }
}
faultInputs.forEach((input) => input.addEventListener('change', () => void applyFaults()));
const pushSwitch = byId<HTMLInputElement>('push');
pushSwitch.checked = push;
pushSwitch.addEventListener('change', () => {
  const next = new URL(location.href);
  if (pushSwitch.checked) next.searchParams.delete('push');
  else next.searchParams.set('push', 'off');
  location.assign(next);
});

// --- client events ------------------------------------------------------------------------
client.on('status', (event) => {
  const text =
    event.status === 'paused'
      ? `paused (${event.reason})`
      : event.status === 'following'
        ? 'another tab is polling'
        : event.status.replace('-', ' ');
  byId('status').textContent = text;
  byId('status-pill').dataset.state = event.status;
  byId('status-pill').title = 'nextPollInMs' in event ? `next poll in ${Math.round(event.nextPollInMs / 100) / 10} s` : '';
});
client.on('orderStatus', ({ orderId, status, source }) => {
  pushed.set(orderId, status);
  const logStatus = () => log('orderStatus', `order #${orderId} is ${status} (${source === 'socket' ? 'WebSocket' : 'Get order'})`);
  if (purchasesInFlight > 0) heldStatuses.push(logStatus);
  else logStatus();
  void renderOrders();
});
client.on('granted', ({ orderId, items }) => log('granted', `order #${orderId}: ${describeItems(items)}`));
client.on('revoked', (event) =>
  log(
    'revoked',
    event.source === 'restore'
      ? `restored ${describeItems(event.items)}: no longer in the Player Inventory`
      : `order #${event.orderId}: ${describeItems(event.items)}`,
  ),
);
client.on('restored', (line) => log('restored', `${describeItems([line])} from the Player Inventory`));
client.on('partialRefund', ({ orderId, transactionId }) => log('partialRefund', `order #${orderId ?? transactionId}`));
client.on('ignored', ({ eventId, reason, detail }) => log('ignored', `event ${eventId ?? '?'}: ${reason}${detail ? ` (${detail})` : ''}`));
client.on('error', ({ error, phase }) => log('error', `${phase}: ${describeError(error)}`));
client.on('changed', () => void refresh());

// --- start --------------------------------------------------------------------------------
byId('player').textContent = userId;
byId('foot').textContent = `${emulated ? 'Emulator' : 'Xsolla'} at ${baseUrl} · project ${projectId}`;
if (emulated) {
  void showWebhookMode();
  if (instant) byId('shop-hint').textContent = 'Instant checkout: the emulator records a paid order at once, no Pay Station.';
} else {
  byId('shop-hint').textContent =
    "Live project: the buy buttons open your project's Pay Station; paid orders appear here as the client polls.";
  byId('faults-card').hidden = true;
  modeSelect.closest('label')!.hidden = true; // the emulator's webhook mode
}
void showPrices();
void refresh();
client.start();
// For the console and the e2e tests: the page's client, to inspect its ledger.
Object.assign(window, { xsollaDemo: { client } });
