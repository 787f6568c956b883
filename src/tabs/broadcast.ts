/**
 * Talks to the player's other tabs over BroadcastChannel:
 * - what this tab committed, so the client's notifications fire in every tab, not only the one
 *   that polled (which ones, and their shapes, the client says);
 * - watch hints from a following tab, so the polling tab speeds up for an order it bought.
 * The ledger in IndexedDB stays the single source of truth; messages only say "look again".
 * Anything on the channel may come from another version of this library, or from any script of
 * the origin: a message is used only when it has a known shape, and the rest is ignored.
 */

/** `[type, payload]` pairs of the notifications this channel carries. */
export type Emission<Events> = { [K in keyof Events]: [K, Events[K]] }[keyof Events];

export interface TabChannelOptions<Events> {
  /** For each shared notification, whether a received payload has its shape. */
  shared: { [K in keyof Events]: (payload: unknown) => boolean };
  emission(emission: Emission<Events>): void;
  /** Another tab watches an order until this time (a finite number of ms since the epoch). */
  watchHint(until: number): void;
}

export interface TabChannel {
  /** Sends the shared ones of this tab's committed emissions to the other tabs (never back to this one). */
  share(emissions: ReadonlyArray<readonly [PropertyKey, unknown]>): void;
  /** Asks the polling tab to use the watch cadence until `until`. */
  hintWatch(until: number): void;
  /** Stops listening; later sends do nothing. */
  close(): void;
}

/** A channel named after the player's database; a no-op where BroadcastChannel is missing. */
export function openTabChannel<Events>(name: string, options: TabChannelOptions<Events>): TabChannel {
  if (typeof BroadcastChannel === 'undefined') return { share: () => {}, hintWatch: () => {}, close: () => {} };
  const isShared = (type: unknown): type is keyof Events => typeof type === 'string' && Object.hasOwn(options.shared, type);
  const channel = new BroadcastChannel(`xsolla-getupdates:${name}`);
  // Node keeps a process alive while a channel is open; a game's channel must not.
  (channel as { unref?: () => void }).unref?.();
  let open = true;
  channel.onmessage = ({ data }: MessageEvent) => {
    if (typeof data !== 'object' || data === null) return;
    const { emissions, watchUntil } = data as { emissions?: unknown; watchUntil?: unknown };
    if (typeof watchUntil === 'number' && Number.isFinite(watchUntil)) options.watchHint(watchUntil);
    if (!Array.isArray(emissions)) return;
    for (const emission of emissions) {
      if (!Array.isArray(emission) || emission.length !== 2) continue;
      const [type, payload] = emission as [unknown, unknown];
      if (isShared(type) && options.shared[type](payload)) options.emission([type, payload] as Emission<Events>);
    }
  };
  // A message to other tabs is a courtesy: a closed channel or a payload that cannot be cloned
  // must never fail the caller, whose change is already committed.
  const post = (message: object) => {
    if (!open) return;
    try {
      channel.postMessage(message);
    } catch {
      // the other tabs hear of it on their next poll or reload
    }
  };
  return {
    share(emissions) {
      const shared = emissions.filter(([type]) => isShared(type));
      if (shared.length > 0) post({ emissions: shared });
    },
    hintWatch: (until) => post({ watchUntil: until }),
    close() {
      open = false;
      channel.close();
    },
  };
}
