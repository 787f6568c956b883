/**
 * A million players, by simulation: the client's own pure decisions (`nextPoll` for the loop,
 * `retryDelay` for the transport's retries of one GET) drive a fleet of simulated players
 * through a steady stretch, a total outage of the Events API and the recovery after it, and
 * every request lands in a one-second bucket. No network, no timers: cheap and repeatable.
 */
import { DEFAULT_CADENCE, type Cadence } from '../../src/schedule/cadence';
import { DEFAULT_BACKOFF, retryDelay } from '../../src/schedule/backoff';
import { nextPoll } from '../../src/schedule/cadence';
import { seeded } from '../support/seeded-random';

export type PlayerKind = 'foreground' | 'hidden' | 'watching';

/** Who is online at one moment: most play in the foreground, many left the tab, a few are buying. */
export const PLAYER_MIX: Record<PlayerKind, number> = { foreground: 0.7, hidden: 0.299, watching: 0.001 };

export interface FleetPolicy {
  /** How long a player waits before its next drain, after one that succeeded or failed. */
  nextDelayMs(kind: PlayerKind, consecutiveErrors: number, random: () => number): number | undefined;
  /** Waits before each retry of a failed GET inside one drain (empty: no retries). */
  retryWaitsMs(random: () => number, consecutiveErrors: number): number[];
}

/** The library: its loop's cadence and backoff, and its transport's three retries per GET. */
export const OUR_POLICY: FleetPolicy = {
  nextDelayMs(kind, consecutiveErrors, random) {
    const state = { visible: kind !== 'hidden', online: true, watching: kind === 'watching', consecutiveErrors };
    const decision = nextPoll(state, DEFAULT_CADENCE, random);
    return decision.status === 'paused' ? undefined : decision.delayMs;
  },
  // The transport retries a GET only while its last one went through: a down server gets one try per drain.
  retryWaitsMs: (random, consecutiveErrors) =>
    consecutiveErrors > 0 ? [] : [0, 1, 2].map((attempt) => retryDelay(attempt, undefined, DEFAULT_BACKOFF, random)!),
};

/** The same cadence, but a failure is retried every `retryMs` with no jitter and no backoff. */
export const lockstepPolicy = (cadence: Cadence, retryMs: number): FleetPolicy => ({
  nextDelayMs(kind, consecutiveErrors) {
    if (consecutiveErrors > 0) return kind === 'hidden' && cadence.hiddenIntervalMs === null ? undefined : retryMs;
    const decision = nextPoll({ visible: kind !== 'hidden', online: true, watching: kind === 'watching', consecutiveErrors: 0 }, cadence);
    return decision.status === 'paused' ? undefined : decision.delayMs;
  },
  retryWaitsMs: () => [],
});

export interface FleetRun {
  /** Requests per second of simulated time, scaled to a million players. */
  perSecond: number[];
  steadyRps: number;
  /** Mean while the API is down (failed requests cost the server too). */
  outageRps: number;
  /** The busiest one-second window while it is down (each player's first failure comes with its GET's retries). */
  outagePeakRps: number;
  /** The busiest one-second window from the end of the outage on. */
  recoveryPeakRps: number;
}

export interface FleetOptions {
  players: number;
  steadyS: number;
  outageS: number;
  recoveryS: number;
  seed?: number;
}

const SLOT_MS = 100;

export function simulateFleet(policy: FleetPolicy, options: FleetOptions): FleetRun {
  const random = seeded(options.seed ?? 1);
  const outageFrom = options.steadyS * 1000;
  const outageTo = outageFrom + options.outageS * 1000;
  const endMs = outageTo + options.recoveryS * 1000;
  const down = (ms: number) => ms >= outageFrom && ms < outageTo;
  const requests = new Float64Array(Math.ceil(endMs / 1000));
  const slots: number[][] = Array.from({ length: Math.ceil(endMs / SLOT_MS) }, () => []);
  const kinds: PlayerKind[] = [];
  const errors = new Uint16Array(options.players);
  const at = new Float64Array(options.players);
  const schedule = (player: number, ms: number) => {
    at[player] = ms;
    if (ms < endMs) slots[Math.floor(ms / SLOT_MS)]!.push(player);
  };

  const mix = Object.entries(PLAYER_MIX) as Array<[PlayerKind, number]>;
  for (let player = 0; player < options.players; player++) {
    let pick = random();
    const kind = mix.find(([, share]) => (pick -= share) < 0)?.[0] ?? 'foreground';
    kinds.push(kind);
    // Each player is somewhere in its cycle when the simulation begins.
    const first = policy.nextDelayMs(kind, 0, random);
    if (first !== undefined) schedule(player, random() * first);
  }

  for (const slot of slots) {
    for (const player of slot) {
      // One drain: its GET and, while the API is down, the transport's retries of it.
      let ms = at[player]!;
      const waits = policy.retryWaitsMs(random, errors[player]!);
      let failed = true;
      for (let attempt = 0; ms < endMs; attempt++) {
        requests[Math.floor(ms / 1000)]!++;
        if (!down(ms)) {
          failed = false;
          break;
        }
        if (attempt >= waits.length) break;
        ms += waits[attempt]!;
      }
      errors[player] = failed ? errors[player]! + 1 : 0;
      const next = policy.nextDelayMs(kinds[player]!, errors[player]!, random);
      if (next !== undefined) schedule(player, ms + Math.max(1, next));
    }
  }

  const scale = 1_000_000 / options.players;
  const perSecond = Array.from(requests, (count) => count * scale);
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
  const steadyFromS = Math.floor(options.steadyS / 2); // after every player's first cycle
  return {
    perSecond,
    steadyRps: mean(perSecond.slice(steadyFromS, options.steadyS)),
    outageRps: mean(perSecond.slice(options.steadyS, options.steadyS + options.outageS)),
    outagePeakRps: Math.max(...perSecond.slice(options.steadyS, options.steadyS + options.outageS)),
    recoveryPeakRps: Math.max(...perSecond.slice(options.steadyS + options.outageS)),
  };
}
