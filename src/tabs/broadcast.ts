/**
 * Tells the other tabs of the same player what this tab committed, over BroadcastChannel, so
 * `granted`, `revoked`, `partialRefund` and `changed` fire in every tab, not only the one that
 * happened to poll. The ledger in IndexedDB stays the single source of truth; messages only say
 * "look again".
 */
import type { ClientEvents } from '../client/events';

export type SharedEvent = 'granted' | 'revoked' | 'partialRefund' | 'changed';
export type SharedEmission = { [K in SharedEvent]: [K, ClientEvents[K]] }[SharedEvent];

const SHARED: ReadonlySet<string> = new Set<SharedEvent>(['granted', 'revoked', 'partialRefund', 'changed']);

export interface TabChannel {
  /** Sends this tab's committed emissions to the other tabs (never back to this one). */
  share(emissions: ReadonlyArray<readonly [string, unknown]>): void;
  close(): void;
}

/** A channel named after the player's database; a no-op where BroadcastChannel is missing. */
export function openTabChannel(name: string, onRemote: (emission: SharedEmission) => void): TabChannel {
  if (typeof BroadcastChannel === 'undefined') return { share: () => {}, close: () => {} };
  const channel = new BroadcastChannel(`xsolla-getupdates:${name}`);
  // Node keeps a process alive while a channel is open; a game's channel must not.
  (channel as { unref?: () => void }).unref?.();
  channel.onmessage = ({ data }: MessageEvent) => {
    if (!Array.isArray(data)) return;
    for (const emission of data) {
      if (Array.isArray(emission) && SHARED.has(emission[0])) onRemote(emission as SharedEmission);
    }
  };
  return {
    share(emissions) {
      const shared = emissions.filter(([type]) => SHARED.has(type));
      if (shared.length > 0) channel.postMessage(shared);
    },
    close: () => channel.close(),
  };
}
