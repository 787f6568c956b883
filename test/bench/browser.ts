/**
 * The benchmark's browser half, imported by the page (real Chromium IndexedDB). The emulator is
 * another origin, as getupdate.xsolla.com is to a game: every request with a token needs a CORS
 * preflight unless the browser still holds one for that URL.
 */
import { createGetUpdatesClient, type CadenceOptions } from '../../src';
import { ackFloor, benchDrain, countsSince, type MethodCounts } from './drain';

const PROJECT_ID = 308077;
const ITEMS = [{ sku: 'gold', quantity: 1 }];

const adminOf =
  (emulatorUrl: string) =>
  async <T>(path: string, body?: unknown): Promise<T> =>
    (
      await fetch(`${emulatorUrl}/__emulator/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) })
    ).json() as Promise<T>;

const methodCounts = async (emulatorUrl: string) => (await adminOf(emulatorUrl)<{ byMethod: MethodCounts }>('stats')).byMethod;

/** Which protocols the page's requests to `emulatorUrl` went over, as far as the timing buffer holds them. */
const protocolsTo = (emulatorUrl: string) => [
  ...new Set(
    performance
      .getEntriesByType('resource')
      .filter((entry) => entry.name.startsWith(emulatorUrl))
      .map((entry) => (entry as PerformanceResourceTiming).nextHopProtocol),
  ),
];

/** The bare acks alone, `inFlight` at a time, and the protocol they went over. */
export async function ackFloorInBrowser(emulatorUrl: string, events: number, run: string, inFlight: number) {
  performance.clearResourceTimings();
  const options = { baseUrl: emulatorUrl, projectId: PROJECT_ID, indexedDB, events, admin: adminOf(emulatorUrl) };
  return { ms: await ackFloor(options, run, inFlight), protocols: protocolsTo(emulatorUrl) };
}

/** The drain, its floor and (when asked) the naive baseline, and the protocol the requests went over. */
export async function drainInBrowser(emulatorUrl: string, events: number, run: string, naive: boolean) {
  // The buffer keeps the first 250 entries: start it afresh, so it holds this emulator's.
  performance.clearResourceTimings();
  const options = { baseUrl: emulatorUrl, projectId: PROJECT_ID, indexedDB, events, admin: adminOf(emulatorUrl) };
  const figures = await benchDrain(options, run, { naive });
  return { ...figures, protocols: protocolsTo(emulatorUrl) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function benchClient(emulatorUrl: string, token: string, cadence: CadenceOptions = {}) {
  return createGetUpdatesClient({ projectId: PROJECT_ID, baseUrl: emulatorUrl, token, locks: null, cadence });
}

/**
 * Requests the emulator counted for one purchase, from the moment it is paid until its events
 * are granted and acked: the game started the client and watches the order, push is off.
 */
export async function requestsPerPurchase(emulatorUrl: string, mode: 'combined' | 'separate') {
  const admin = adminOf(emulatorUrl);
  const userId = `bench-purchase-${mode}-${Math.random()}`;
  const client = benchClient(emulatorUrl, (await admin<{ token: string }>('token', { userId })).token);
  client.start();
  const orderId = String(Number((await admin<{ orderId: string }>('purchase', { userId: 'someone-else', items: ITEMS })).orderId) + 1);
  const watching = client.watchOrder(orderId);
  // A few watch polls first, as while a player is in Pay Station: the GET's preflight is held.
  await sleep(2_000);
  const before = await methodCounts(emulatorUrl);
  const { eventIds } = await admin<{ eventIds: number[] }>('purchase', { userId, items: ITEMS, mode });
  await watching;
  const acked = async () => {
    const { events } = await admin<{ events: Array<{ id: number; processed: boolean }> }>(`state?userId=${encodeURIComponent(userId)}`);
    return eventIds.every((id) => events.find((event) => event.id === id)?.processed);
  };
  while (!(await acked())) await sleep(10);
  const requests = countsSince(before, await methodCounts(emulatorUrl));
  await client.close();
  return requests;
}

/** Requests per idle poll (GETs and their preflights), over `polls` polls `intervalMs` apart. */
export async function requestsPerIdlePoll(emulatorUrl: string, intervalMs: number, polls: number) {
  const admin = adminOf(emulatorUrl);
  const userId = `bench-idle-${Math.random()}`;
  const client = benchClient(emulatorUrl, (await admin<{ token: string }>('token', { userId })).token, { intervalMs, returnWatchMs: 0 });
  let drains = 0;
  let before: MethodCounts | undefined;
  const counted = new Promise<MethodCounts>((resolve) =>
    client.on('status', async ({ status }) => {
      if (status !== 'waiting') return;
      drains++;
      // From the end of the first drain (its preflight is the one a page load pays) to the end of the last.
      if (drains === 1) before = await methodCounts(emulatorUrl);
      if (drains === polls + 1) resolve(countsSince(before!, await methodCounts(emulatorUrl)));
    }),
  );
  client.start();
  const requests = await counted;
  await client.close();
  return Object.fromEntries(Object.entries(requests).map(([method, count]) => [method, count / polls]));
}
