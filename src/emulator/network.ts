/**
 * The line between a player's browser and Xsolla, as the emulator plays it: a round trip on
 * every Events API request, CORS preflights included, and the preflight lifetime a real API
 * announces. Half the trip is waited before the request is served and half before its answer
 * leaves, so the server counts and serves each request at the moment a real one would. The
 * admin endpoints are the test's own line to the emulator, not the player's: never delayed.
 */
import { setMaxListeners } from 'node:events';
import type { ServerResponse } from 'node:http';
import { delay } from '../schedule/delay';

export interface NetworkOptions {
  /** Round trip added to every Events API request and preflight (default 0: loopback). */
  roundTripMs?: number;
  /**
   * `Access-Control-Max-Age` of preflight answers, in seconds; `null` sends none (Chromium then
   * keeps a preflight 5 s). Default 7200: Chromium's own cap, and longer than any interval of
   * the cadence, so a tab that polls the same URL pays one preflight per two hours.
   */
  preflightMaxAgeS?: number | null;
}

export const DEFAULT_PREFLIGHT_MAX_AGE_S = 7200;

export function createNetwork(options: NetworkOptions, closing: AbortSignal) {
  const oneWayMs = (options.roundTripMs ?? 0) / 2;
  // Every request on the line waits on `closing`: hundreds at once are normal, not a leak.
  setMaxListeners(0, closing);
  const maxAgeS = options.preflightMaxAgeS === undefined ? DEFAULT_PREFLIGHT_MAX_AGE_S : options.preflightMaxAgeS;
  const travel = () =>
    delay(oneWayMs, { signal: closing }).then(
      () => true,
      () => false,
    );
  return {
    preflightHeaders: (maxAgeS === null ? {} : { 'Access-Control-Max-Age': String(maxAgeS) }) as Record<string, string>,
    /** Waits out the request's way in and holds its answer for the way back; false when closing. */
    async arrive(response: ServerResponse): Promise<boolean> {
      if (oneWayMs === 0) return true;
      // The head is held with the body: HTTP/1 would send it at end() anyway, HTTP/2 at once.
      const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => ServerResponse;
      const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
      let head: unknown[] | undefined;
      response.writeHead = ((...args: unknown[]) => {
        head = args;
        return response;
      }) as ServerResponse['writeHead'];
      response.end = ((...args: unknown[]) => {
        void travel().then(() => {
          if (head) writeHead(...head);
          end(...args);
        });
        return response;
      }) as ServerResponse['end'];
      return travel();
    },
    /** What the server sends on its own (an order-status publication) reaches the player one way later. */
    later(send: () => void) {
      if (oneWayMs === 0) return send();
      void travel().then((open) => open && send());
    },
  };
}
