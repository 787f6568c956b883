/**
 * The polling loop of one tab. It campaigns to be the player's poller; while it leads it drains,
 * asks the cadence how long to wait, and waits until then or until something worth a drain
 * happens (the page comes back, the network returns, an order is watched). A hidden tab hands
 * the lead over; a tab that follows only listens.
 */
import { HttpError } from '../errors';
import { fullJitterDelay } from '../schedule/backoff';
import { nextPoll, type Cadence } from '../schedule/cadence';
import type { EnvironmentSignals, SignalChange } from '../schedule/signals';
import type { LeaderElection } from '../tabs/leader';

export type LoopStatus =
  | { status: 'polling' }
  | { status: 'waiting' | 'backing-off'; nextPollInMs: number }
  | { status: 'paused'; reason: 'hidden' | 'offline' }
  /** Another tab of this player polls; this one hears of its changes. */
  | { status: 'following' }
  | { status: 'stopped' };

export interface PollLoopOptions {
  drain(signal: AbortSignal): Promise<unknown>;
  cadence: Cadence;
  signals: EnvironmentSignals;
  election(): Promise<LeaderElection>;
  isWatching(): boolean;
  onStatus(status: LoopStatus): void;
  now?: () => number;
  random?: () => number;
}

export interface PollLoop {
  start(): void;
  stop(): void;
  /** Cuts the current wait short: the next drain starts now. */
  wake(): void;
  readonly running: boolean;
}

/** Why a wait ended; only some reasons are worth a drain. */
type WakeReason = SignalChange | 'timer' | 'wake' | 'abort';
const DRAIN_ON: ReadonlySet<WakeReason> = new Set(['timer', 'wake', 'visible', 'online', 'focus']);

export function createPollLoop(options: PollLoopOptions): PollLoop {
  const now = options.now ?? Date.now;
  let controller: AbortController | undefined;
  let wakeUp: ((reason: WakeReason) => void) | undefined;
  let returnedAt: number | undefined;

  let stopListening = () => {};

  const eligible = () => options.signals.visible() || options.cadence.hiddenIntervalMs !== null;

  /** Waits `ms` (forever when undefined), or until woken, a signal changes, or `signal` aborts. */
  function wait(ms: number | undefined, signal: AbortSignal): Promise<WakeReason> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => done('timer'), ms);
      const onAbort = () => done('abort');
      signal.addEventListener('abort', onAbort, { once: true });
      wakeUp = done;
      function done(reason: WakeReason) {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        wakeUp = undefined;
        resolve(reason);
      }
    });
  }

  async function lead(signal: AbortSignal) {
    let consecutiveErrors = 0;
    let retryAfterMs: number | undefined;
    let drainNow = true;
    while (!signal.aborted) {
      const state = () => ({
        visible: options.signals.visible(),
        online: options.signals.online(),
        watching: options.isWatching(),
        sinceReturnMs: returnedAt === undefined ? undefined : now() - returnedAt,
        consecutiveErrors,
        retryAfterMs,
      });
      const gate = nextPoll({ ...state(), consecutiveErrors: 0 }, options.cadence, options.random);
      if (gate.status === 'paused') {
        if (gate.reason === 'hidden') return; // a visible tab should lead
        options.onStatus(gate);
        drainNow = DRAIN_ON.has(await wait(undefined, signal));
        continue;
      }
      if (drainNow) {
        options.onStatus({ status: 'polling' });
        try {
          await options.drain(signal);
          consecutiveErrors = 0;
          retryAfterMs = undefined;
        } catch (error) {
          consecutiveErrors++;
          retryAfterMs = error instanceof HttpError ? error.retryAfterMs : undefined;
        }
        if (signal.aborted) return;
      }
      const decision = nextPoll(state(), options.cadence, options.random);
      if (decision.status === 'paused') {
        drainNow = false;
        continue;
      }
      options.onStatus({ status: decision.status, nextPollInMs: decision.delayMs });
      drainNow = DRAIN_ON.has(await wait(decision.delayMs, signal));
    }
  }

  /** The election needs the player's identity, which may need a token: retry until it comes. */
  async function joinElection(signal: AbortSignal): Promise<LeaderElection | undefined> {
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        return await options.election();
      } catch {
        const delayMs = fullJitterDelay(attempt, options.cadence.errorBackoff, options.random);
        options.onStatus({ status: 'backing-off', nextPollInMs: delayMs });
        await wait(delayMs, signal);
      }
    }
    return undefined;
  }

  async function campaign(signal: AbortSignal) {
    const election = await joinElection(signal);
    while (election && !signal.aborted) {
      if (!eligible()) {
        options.onStatus({ status: 'paused', reason: 'hidden' });
        await wait(undefined, signal);
        continue;
      }
      await election.lead(signal, () => options.onStatus({ status: 'following' }), lead);
    }
  }

  return {
    start() {
      if (controller) return;
      const current = new AbortController();
      controller = current;
      stopListening = options.signals.subscribe((change) => {
        if (change === 'visible' || change === 'focus') returnedAt = now();
        wakeUp?.(change);
      });
      const ended = () => {
        if (controller !== current) return;
        controller = undefined;
        stopListening();
        options.onStatus({ status: 'stopped' });
      };
      // campaign() only ends when stopped; should it ever fail, the loop must be restartable.
      campaign(current.signal).then(ended, ended);
    },
    stop() {
      if (!controller) return;
      controller.abort();
      controller = undefined;
      stopListening();
      options.onStatus({ status: 'stopped' });
    },
    wake: () => wakeUp?.('wake'),
    get running() {
      return controller !== undefined;
    },
  };
}
