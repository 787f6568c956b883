/**
 * Talks to the player's other tabs over BroadcastChannel:
 * - what this tab committed, so `granted`, `revoked`, `partialRefund` and `changed` fire in
 *   every tab, not only the one that polled;
 * - watch hints from a following tab, so the polling tab speeds up for an order it bought.
 * The ledger in IndexedDB stays the single source of truth; messages only say "look again".
 */
import type { ClientEvents } from '../client/events';

export type SharedEvent = 'granted' | 'revoked' | 'partialRefund' | 'changed';
export type SharedEmission = { [K in SharedEvent]: [K, ClientEvents[K]] }[SharedEvent];

const SHARED: ReadonlySet<string> = new Set<SharedEvent>(['granted', 'revoked', 'partialRefund', 'changed']);

export interface TabListener {
  emission(emission: SharedEmission): void;
  /** Another tab watches an order until this time (ms since epoch). */
  watchHint(until: number): void;
}

export interface TabChannel {
  /** Sends this tab's committed emissions to the other tabs (never back to this one). */
  share(emissions: ReadonlyArray<readonly [string, unknown]>): void;
  /** Asks the polling tab to use the watch cadence until `until`. */
  hintWatch(until: number): void;
  close(): void;
}

/** A channel named after the player's database; a no-op where BroadcastChannel is missing. */
export function openTabChannel(name: string, listener: TabListener): TabChannel {
  if (typeof BroadcastChannel === 'undefined') return { share: () => {}, hintWatch: () => {}, close: () => {} };
  const channel = new BroadcastChannel(`xsolla-getupdates:${name}`);
  // Node keeps a process alive while a channel is open; a game's channel must not.
  (channel as { unref?: () => void }).unref?.();
  channel.onmessage = ({ data }: MessageEvent) => {
    const { emissions, watchUntil } = (typeof data === 'object' && data) || {};
    if (typeof watchUntil === 'number') listener.watchHint(watchUntil);
    if (!Array.isArray(emissions)) return;
    for (const emission of emissions) {
      if (Array.isArray(emission) && SHARED.has(emission[0])) listener.emission(emission as SharedEmission);
    }
  };
  return {
    share(emissions) {
      const shared = emissions.filter(([type]) => SHARED.has(type));
      if (shared.length > 0) channel.postMessage({ emissions: shared });
    },
    hintWatch: (until) => channel.postMessage({ watchUntil: until }),
    close: () => channel.close(),
  };
}
