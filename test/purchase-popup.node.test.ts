/**
 * `purchase()` with its default Pay Station: a popup, opened inside the player's click and sent
 * to Pay Station once Create order answers. Node has no windows (and jsdom is not installed), so
 * the page's `window.open` and `message` listeners are faked minimally: a popup object with
 * `closed`, `location`, `focus()` and `close()`, and a way to post Pay Station's messages. The
 * rest is real: the emulator with its Create order, the client on a virtual clock.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuthError, PopupBlockedError, PurchaseInProgressError } from '../src';
import { startEmulator, type Emulator } from '../src/emulator';
import { buyersOf, track } from './support/buyers';
import { eventually } from './support/eventually';
import { openPayStation } from './support/paystation-window';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
afterEach(() => {
  vi.unstubAllGlobals();
});
const buyer = buyersOf(() => emulator);

/**
 * The page's window, as far as a purchase uses it. `severed`: the popup reads closed as soon as
 * it is sent anywhere, as it does when a Cross-Origin-Opener-Policy severs it from its opener.
 */
function fakePage({ blocked = false, severed = false } = {}) {
  const listeners = new Set<(event: MessageEvent) => void>();
  const popup = {
    closed: false,
    focused: 0,
    sentTo: [] as string[],
    location: {
      set href(url: string) {
        popup.sentTo.push(url);
        if (severed) popup.closed = true;
      },
    },
    focus: () => void popup.focused++,
    close: () => void (popup.closed = true),
  };
  const opened: unknown[][] = [];
  vi.stubGlobal('open', (...args: unknown[]) => (opened.push(args), blocked ? null : popup));
  vi.stubGlobal(
    'addEventListener',
    (type: string, listener: (event: MessageEvent) => void) => type === 'message' && listeners.add(listener),
  );
  vi.stubGlobal('removeEventListener', (type: string, listener: (event: MessageEvent) => void) => listeners.delete(listener));
  /** Pay Station (or, with `source`, another window) posts `data` to the page. */
  const post = (data: unknown, source: unknown = popup) => listeners.forEach((listener) => listener({ source, data } as MessageEvent));
  return { popup, opened, post, listening: () => listeners.size };
}

describe('purchase() in a popup', () => {
  it('opens the popup inside the click, before any await, and sends it to the emulator’s Pay Station once the order exists; Pay there delivers it', async () => {
    const page = fakePage();
    const p = buyer();
    const buying = track(p.client.purchase('dragon_blade'));
    expect(page.opened).toEqual([['', 'xsolla-paystation', expect.stringContaining('popup')]]); // synchronously
    await eventually(() => expect(page.popup.sentTo).toHaveLength(1));
    const orderId = p.created[0]!.orderId!;
    expect(page.popup.sentTo).toEqual([`${emulator.url}/paystation4/?token=${p.created[0]!.token}`]);
    const payStation = await openPayStation(page.popup.sentTo[0]!);
    await payStation.click('pay');
    expect(payStation.text('message')).toBe('Payment successful');
    await p.until(() => expect(buying.done).toBe(true), 10_000);
    expect(buying.value).toMatchObject({ status: 'delivered', orderId, order: { status: 'granted' } });
    expect(page.popup.closed).toBe(false); // Pay Station shows its own receipt; the buyer closes it
    expect(page.listening()).toBe(0);
  });

  it('a blocked popup rejects with PopupBlockedError, telling to call purchase() from a click, and creates no order', async () => {
    const page = fakePage({ blocked: true });
    const p = buyer();
    const error = await p.client.purchase('dragon_blade').catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(PopupBlockedError);
    expect((error as Error).message).toMatch(/call purchase\(\) from the player's click/);
    expect(page.opened).toHaveLength(1);
    expect(p.created).toEqual([]);
    expect(p.state.total).toBe(0);
  });

  it('the buyer closes Pay Station: its close message is heard from that window only, and Get order confirms the order unpaid', async () => {
    const page = fakePage();
    const p = buyer();
    const buying = track(p.client.purchase('dragon_blade'));
    await eventually(() => expect(page.popup.sentTo).toHaveLength(1));
    await p.until(() => expect(p.emitted('orderStatus')).toHaveLength(1));
    const stranger = {};
    page.post(JSON.stringify({ command: 'close' }), stranger); // another window: ignored
    page.post({ command: 'close' }, stranger);
    page.post('not json at all'); // not one of Pay Station's messages
    await p.advance(30_000);
    expect(buying.done).toBe(false);
    page.post(JSON.stringify({ command: 'close', data: {} }));
    await p.until(() => expect(buying.done).toBe(true), 5_000);
    expect(buying.value).toEqual({ status: 'closed', orderId: p.created[0]!.orderId });
    expect(p.emitted('granted')).toEqual([]);
  });

  it('the buyer closes the popup window after Pay Station spoke: closed, once Get order says unpaid', async () => {
    const page = fakePage();
    const p = buyer();
    const buying = track(p.client.purchase('dragon_blade'));
    await eventually(() => expect(page.popup.sentTo).toHaveLength(1));
    page.post(JSON.stringify({ command: 'status', data: { paymentInfo: { status: 'created' } } }));
    page.popup.closed = true;
    await p.until(() => expect(buying.done).toBe(true), 5_000);
    expect(buying.value).toEqual({ status: 'closed', orderId: p.created[0]!.orderId });
  });

  it('a popup that reads closed at once (a Cross-Origin-Opener-Policy severed it) is not taken for closed: the payment that follows is delivered', async () => {
    const page = fakePage({ severed: true });
    const p = buyer({ cadence: { watchIntervalMs: 5_000 } }); // fewer Get order requests over the minutes
    const buying = track(p.client.purchase('dragon_blade'));
    await eventually(() => expect(page.popup.sentTo).toHaveLength(1));
    expect(page.popup.closed).toBe(true);
    await p.advance(5 * 60_000); // the buyer takes their time; Get order keeps saying `new`
    expect(buying.done).toBe(false);
    expect(p.emitted('orderStatus').map(({ status }) => status)).toEqual(['new']);
    emulator.pay(p.created[0]!.orderId!);
    await p.until(() => expect(buying.done).toBe(true), 10_000);
    expect(buying.value).toMatchObject({ status: 'delivered' });
    expect(p.grantsOf(p.created[0]!.orderId!)).toHaveLength(1);
  });

  it('a second purchase while one is open brings its window to the front and makes no second order', async () => {
    const page = fakePage();
    const p = buyer();
    const first = track(p.client.purchase('dragon_blade'));
    await expect(p.client.purchase('health_potion')).rejects.toBeInstanceOf(PurchaseInProgressError);
    await eventually(() => expect(page.popup.sentTo).toHaveLength(1));
    await expect(p.client.purchase('dragon_blade')).rejects.toBeInstanceOf(PurchaseInProgressError);
    expect(page.popup.focused).toBe(2);
    expect(page.opened).toHaveLength(1);
    expect(p.created).toHaveLength(1);
    page.post({ command: 'close' });
    await p.until(() => expect(first.value).toMatchObject({ status: 'closed' }), 5_000);
  });

  it('the caller’s abort rejects with its reason and closes the popup, while Create order runs or after', async () => {
    for (const when of ['creating', 'shown'] as const) {
      const page = fakePage();
      const p = buyer();
      const controller = new AbortController();
      const buying = track(p.client.purchase('dragon_blade', { signal: controller.signal }));
      if (when === 'shown') await eventually(() => expect(page.popup.sentTo).toHaveLength(1));
      controller.abort();
      await eventually(() => expect(buying.done).toBe(true));
      expect(buying.error).toBe(controller.signal.reason);
      expect(page.popup.closed).toBe(true);
      expect(page.listening()).toBe(0);
    }
  });

  it('Create order’s refusal closes the blank popup', async () => {
    const page = fakePage();
    const p = buyer();
    await expect(p.client.purchase('no_such_item')).rejects.toThrow("Item with sku = 'no_such_item' not found");
    expect(page.popup.closed).toBe(true);
    expect(page.popup.sentTo).toEqual([]);
  });

  it('a token refused while Pay Station is shown rejects the purchase with AuthError, and leaves the buyer’s window open', async () => {
    const page = fakePage();
    const p = buyer({ cadence: { intervalMs: 2_000 } }); // the loop's next drain comes soon
    const buying = track(p.client.purchase('dragon_blade'));
    await eventually(() => expect(page.popup.sentTo).toHaveLength(1));
    p.state.refuseToken = true;
    await p.until(() => expect(buying.done).toBe(true), 20_000);
    expect(buying.error).toBeInstanceOf(AuthError);
    expect(page.popup.closed).toBe(false);
    expect(page.listening()).toBe(0);
  });

  it('close() rejects the purchase and closes the popup', async () => {
    const page = fakePage();
    const p = buyer();
    const buying = track(p.client.purchase('dragon_blade'));
    await eventually(() => expect(page.popup.sentTo).toHaveLength(1));
    await p.client.close();
    await eventually(() => expect(buying.done).toBe(true));
    expect((buying.error as Error).message).toMatch(/closed/);
    expect(page.popup.closed).toBe(true);
  });
});
