/**
 * The emulator's Pay Station page, opened in Node: its HTML is fetched over HTTP and its own
 * script runs in a window made of just what it touches (elements by id, `fetch` to the
 * emulator, the opener's `postMessage`, `close`, `pagehide`). A test clicks its buttons as a
 * buyer would and reads what the page says and what it told its opener; the browser e2e tests
 * drive the same page in real engines.
 */
import { runInNewContext } from 'node:vm';

interface FakeElement {
  id: string;
  textContent: string;
  hidden: boolean;
  disabled: boolean;
  listeners: Array<() => unknown>;
  addEventListener(type: string, listener: () => unknown): void;
}

export interface PayStationWindow {
  status: number;
  html: string;
  headers: Headers;
  /** Every message the page posted to its opener, parsed, with the target origin it named. */
  posted: Array<{ command: string; data: unknown; targetOrigin: string }>;
  /** Whether the page closed its own window. */
  closed(): boolean;
  /** A buyer's click: refused when the button is hidden or disabled; resolves once the page has handled it. */
  click(id: string): Promise<void>;
  text(id: string): string;
  visible(id: string): boolean;
  /** The window goes away (the buyer closes it): `beforeunload`, then `pagehide`. */
  unload(): void;
}

export async function openPayStation(url: string): Promise<PayStationWindow> {
  const response = await fetch(url);
  const html = await response.text();
  const elements = new Map<string, FakeElement>();
  for (const [tag, id] of html.matchAll(/<[a-z]+ [^>]*\bid="([^"]+)"[^>]*>/g)) {
    elements.set(id!, {
      id: id!,
      textContent: '',
      hidden: /\bhidden\b/.test(tag.replace(/"[^"]*"/g, '')),
      disabled: false,
      listeners: [],
      addEventListener(type, listener) {
        if (type === 'click') this.listeners.push(listener);
      },
    });
  }
  const element = (id: string) => {
    const found = elements.get(id);
    if (!found) throw new Error(`the page has no element #${id}`);
    return found;
  };
  const posted: PayStationWindow['posted'] = [];
  const windowListeners = new Map<string, Array<() => void>>();
  let closed = false;
  const opener = {
    postMessage(message: unknown, targetOrigin: string) {
      posted.push({ ...(JSON.parse(message as string) as { command: string; data: unknown }), targetOrigin });
    },
  };
  const page: Record<string, unknown> = {
    opener,
    location: new URL(url),
    document: { getElementById: element },
    URLSearchParams,
    // Relative to the page, as a browser resolves it.
    fetch: (input: string, init: RequestInit) => fetch(new URL(input, url), init),
    addEventListener: (type: string, listener: () => void) => windowListeners.set(type, [...(windowListeners.get(type) ?? []), listener]),
    close: () => {
      closed = true;
    },
  };
  page.window = page;
  page.parent = page;
  const script = /<script nonce="([^"]+)">([\s\S]*?)<\/script>/.exec(html);
  if (script) runInNewContext(script[2]!, page);

  return {
    status: response.status,
    html,
    headers: response.headers,
    posted,
    closed: () => closed,
    async click(id) {
      const button = element(id);
      if (button.hidden || button.disabled) throw new Error(`#${id} cannot be clicked (${button.hidden ? 'hidden' : 'disabled'})`);
      await Promise.all(button.listeners.map((listener) => listener()));
    },
    text: (id) => element(id).textContent,
    visible: (id) => !element(id).hidden,
    unload() {
      for (const type of ['beforeunload', 'pagehide']) for (const listener of windowListeners.get(type) ?? []) listener();
    },
  };
}
