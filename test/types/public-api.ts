/**
 * The public contract at the type level, in mitt's style: `npm test` type-checks this file, and
 * every `@ts-expect-error` line must stay an error. Nothing here runs.
 */
import {
  AuthError,
  createGetUpdatesClient,
  manualSignals,
  type CatalogItem,
  type ClientEvents,
  type GetUpdatesError,
  type GrantedEvent,
  type ManualSignals,
  type Order,
  type PollReport,
  type PurchaseOutcome,
  type RestoreReport,
  type StatusEvent,
} from '../../src';

declare const client: ReturnType<typeof createGetUpdatesClient>;

// Each event's payload follows its name.
client.on('granted', ({ eventId, orderId, items }) => [eventId.toFixed(), orderId?.toUpperCase(), items[0]?.sku.toUpperCase()]);
client.on('status', (status: StatusEvent) => status.status === 'paused' && status.reason.toUpperCase());
client.on('error', ({ error, phase }) => [error, phase === 'handler']);
// @ts-expect-error a granted payload has no `sku` of its own: its `items` do
client.on('granted', (payload) => payload.sku);
const granted = (payload: GrantedEvent) => payload.items.map((line) => line.quantity);
client.on('granted', granted);
// @ts-expect-error `items` are lines, not strings
client.on('granted', ({ items }: { items: string[] }) => items);
// @ts-expect-error no such event
client.on('purchased', () => undefined);
// @ts-expect-error `phase` is a known word
const phase: ClientEvents['error']['phase'] = 'network';

// Restore: `restored` per SKU; `revoked` is an order's refund (`source: 'event'`) or restored units taken back (`source: 'restore'`).
client.on('restored', ({ sku, quantity }) => [sku.toUpperCase(), quantity.toFixed()]);
client.on('revoked', (payload) => (payload.source === 'restore' ? payload.sku.toUpperCase() : payload.eventId.toFixed()));
client.on('revoked', ({ items, orderId }) => [items.map((line) => line.sku), orderId?.toUpperCase()]);
client.on('orderStatus', ({ status, source }) => source === 'poll' && status.toUpperCase());
// @ts-expect-error a restore names no event
client.on('restored', ({ eventId }) => eventId);
// @ts-expect-error an order status comes from the socket or from polling
client.on('orderStatus', ({ source }) => source === 'webhook');
const restoring: Promise<RestoreReport> = client.restorePurchases({ signal: AbortSignal.timeout(1000) });
// Persistence is asked for from the player's click; it answers whether the browser agreed.
const kept: Promise<boolean> = client.persistStorage({ signal: AbortSignal.timeout(60_000) });
createGetUpdatesClient({ projectId: 308077, token: 't', restore: { storeUrl: 'https://store.xsolla.com/api', auto: true } });
// @ts-expect-error auto is true or false
createGetUpdatesClient({ projectId: 308077, token: 't', restore: { auto: 'yes' } });

// Options are checked by name and type.
createGetUpdatesClient({ projectId: 308077, token: () => 'jwt', userId: 'p', cadence: { intervalMs: 60_000 }, retries: 2 });
createGetUpdatesClient({ projectId: '308077', token: async () => 'jwt', locks: null, orderStatus: true });
// @ts-expect-error the token is required
createGetUpdatesClient({ projectId: 308077 });
// @ts-expect-error retries is a number
createGetUpdatesClient({ projectId: 308077, token: 't', retries: '3' });
// @ts-expect-error no such option
createGetUpdatesClient({ projectId: 308077, token: 't', pollEveryMs: 1000 });
// @ts-expect-error cadence delays are numbers
createGetUpdatesClient({ projectId: 308077, token: 't', cadence: { intervalMs: '1m' } });

// The inventory's methods take and give what they say.
const left: Promise<number> = client.inventory.consume('gold', 1);
// @ts-expect-error consume takes a quantity
void client.inventory.consume('gold');
// @ts-expect-error the quantity is a number
void client.inventory.consume('gold', '1');
// @ts-expect-error consume resolves with what is left, a number
const wrong: Promise<string> = client.inventory.consume('gold', 1);
const report: Promise<PollReport> = client.pollNow({ signal: AbortSignal.timeout(1000) });
const watched: Promise<Order> = client.watchOrder(1234);
// @ts-expect-error an order id is a string or a number
void client.watchOrder({ orderId: 1234 });

// A purchase resolves with one of four outcomes; Pay Station may be shown by the game's own open().
const bought: Promise<PurchaseOutcome> = client.purchase('dragon_blade', { quantity: 2, sandbox: true, signal: AbortSignal.timeout(1000) });
void bought.then(({ status, orderId, order }) => [status === 'delivered' && order?.items, orderId.toUpperCase()]);
void client.purchase('dragon_blade', { open: (url, { orderId }) => void location.assign(`${url}#${orderId}`) });
void client.purchase('dragon_blade', { open: async () => ({ closed: new Promise<void>(() => {}) }) });
// @ts-expect-error `refunded` is not an outcome: a refund before delivery is `canceled`
void bought.then(({ status }) => status === 'refunded');
// @ts-expect-error the quantity is a number
void client.purchase('dragon_blade', { quantity: '2' });
// @ts-expect-error a purchase needs a SKU
void client.purchase();
const shelf: Promise<CatalogItem[]> = client.catalog({ signal: AbortSignal.timeout(1000) });
void shelf.then((items) => items.map(({ sku, name, price }) => [sku, name, price?.amount.padStart(6), price?.currency]));
// @ts-expect-error the amount is Xsolla's decimal string, not a number
void shelf.then((items) => items.map(({ price }) => price && price.amount.toFixed(2)));
createGetUpdatesClient({ projectId: 308077, token: 't', storeUrl: 'https://store.xsolla.com/api' });
client.on('error', ({ phase }) => phase === 'purchase' || phase === 'catalog');

// Errors are classes with names; manualSignals has a named type.
const refused: GetUpdatesError = new AuthError('refused');
const signals: ManualSignals = manualSignals({ visible: false });
signals.setVisible(true);

export { bought, left, phase, refused, report, restoring, shelf, watched, wrong };
