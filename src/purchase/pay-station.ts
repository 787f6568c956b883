/** Pay Station's address for an order's token, and the commands Pay Station posts to the page that opened it. */
import { field } from '../events/fields';

/**
 * Xsolla's Pay Station (its sandbox with `sandbox`) when the Store API is Xsolla's; otherwise
 * that server's own `/paystation4/` page (the emulator's).
 */
export function payStationUrl(storeUrl: string, token: string, sandbox: boolean): string {
  const base = /(^|\.)xsolla\.com$/.test(new URL(storeUrl).hostname)
    ? `https://${sandbox ? 'sandbox-' : ''}secure.xsolla.com`
    : storeUrl.replace(/\/+$/, '');
  return `${base}/paystation4/?token=${encodeURIComponent(token)}`;
}

/** The `command` of a Pay Station message (`{"command": …, "data": …}`, as JSON text or as an object), if it is one. */
export function readCommand(data: unknown): string | undefined {
  let message = data;
  if (typeof data === 'string') {
    try {
      message = JSON.parse(data);
    } catch {
      return undefined; // some other script's message
    }
  }
  const command = field(message, 'command');
  return typeof command === 'string' ? command : undefined;
}
