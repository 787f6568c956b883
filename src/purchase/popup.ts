/**
 * Pay Station in a popup, run the way Xsolla's own embed script runs it: opened blank during the
 * player's click (browsers block a popup opened after an `await`), sent to Pay Station once the
 * order has its token, and watched until the buyer is done with it: Pay Station posts `close`
 * to its opener, or its window closes. A page can lose sight of its popup: a
 * Cross-Origin-Opener-Policy (the game's, or Pay Station's) severs the two, and `closed` then
 * reads true at once while the buyer is still paying. A window that reads closed moments after
 * it was sent to Pay Station, before it posted anything, is therefore not taken for the buyer's
 * answer: the order's own status decides.
 */
import { InvalidArgumentError, PopupBlockedError } from '../errors';
import type { Clock } from '../schedule/clock';
import { readCommand } from './pay-station';

/** How often the window's `closed` is read (Xsolla's script reads it every 100 ms). */
const POLL_MS = 250;
/** A window that reads closed this soon after it was sent to Pay Station, with nothing heard from it, may only be severed. */
const SEVERED_MS = 3_000;

/** A blank popup, opened now: call it before the first `await` of the player's click. */
export function openPopup(): Window {
  if (typeof globalThis.open !== 'function') throw new InvalidArgumentError('purchase() needs a browser window, or an open(url) option');
  const popup = globalThis.open('', 'xsolla-paystation', 'popup,width=740,height=760');
  if (!popup) {
    throw new PopupBlockedError("the browser blocked Pay Station's popup: call purchase() from the player's click, before any await");
  }
  return popup;
}

/** Sends `popup` to `url`; resolves when the buyer is done with it, or never when that cannot be told. */
export function showIn(popup: Window, url: string, clock: Clock, signal: AbortSignal): Promise<void> {
  // Closed while the order was being created: the buyer closed the blank window.
  if (popup.closed) return Promise.resolve();
  popup.location.href = url;
  const sentAt = clock.now();
  let heard = false;
  return new Promise((resolve) => {
    let timer: unknown;
    const end = (buyerDone: boolean) => {
      globalThis.removeEventListener('message', onMessage);
      clock.clearTimeout(timer);
      if (buyerDone) resolve();
    };
    function onMessage({ source, data }: MessageEvent) {
      const command = source === popup ? readCommand(data) : undefined; // from Pay Station's window only
      if (command === undefined) return;
      heard = true;
      if (command === 'close' || command === 'widget-close') end(true);
    }
    const poll = () => {
      if (popup.closed) end(heard || clock.now() - sentAt >= SEVERED_MS);
      else timer = clock.setTimeout(poll, POLL_MS);
    };
    globalThis.addEventListener('message', onMessage);
    signal.addEventListener('abort', () => end(false), { once: true });
    poll();
  });
}
