/**
 * The polling loop of one tab. It campaigns to be the player's poller; while it leads it drains,
 * asks the cadence how long to wait, and waits until then or until something worth a drain
 * happens (the page comes back, the network returns, an order is watched). A hidden tab hands
 * the lead over; a tab that follows only listens.
 */
import { AuthError, HttpError, StorageError } from '../errors';
import { fullJitterDelay } from '../schedule/backoff';
import { nextPoll, type Cadence } from '../schedule/cadence';
import { realClock, type Clock } from '../schedule/clock';
import { delay, raceAbort } from '../schedule/delay';
import type { EnvironmentSignals, SignalChange } from '../schedule/signals';
import type { LeaderElection } from '../tabs/leader';

/**
 * Why a loop does not poll: `hidden` and `offline` end by themselves; `auth` (no usable token:
 * refused by the server even after a refresh, or the token function failed) waits for
 * `setToken()` or `start()`; `storage` (no IndexedDB here, another tab upgraded the database
 * and this page must reload, or another process owns the save directory) waits for `start()`.
 */
export type PauseReason = 'hidden' | 'offline' | 'auth' | 'storage';

/** What stops a loop until the game acts: retrying alone cannot help. */
type Halt = Extract<PauseReason, 'auth' | 'storage'>;

export type LoopStatus =
  | { status: 'polling' }
  | { status: 'waiting' | 'backing-off'; nextPollInMs: number }
  | { status: 'paused'; reason: PauseReason }
  /** Another tab of this player polls; this one hears of its changes. */
  | { status: 'following' }
  | { status: 'stopped' };

export interface PollLoopOptions {
  drain(signal: AbortSignal): Promise<unknown>;
  cadence: Cadence;
  signals: EnvironmentSignals;
  election(): Promise<LeaderElection>;
  isWatching(): boolean;
  /** The order-status socket is healthy: an idle foreground tab may poll less often. */
  pushHealthy?(): boolean;
  onStatus(status: LoopStatus): void;
  /** The loop could not join the election (its database or token could not be had). */
  onError(error: unknown): void;
  /** This tab follows and the player just came back to it: the polling tab should hurry. */
  onReturnWhileFollowing?(): void;
  clock?: Clock;
  random?: () => number;
}

export interface PollLoop {
  start(): void;
  stop(): void;
  /** Cuts the current wait short: the next drain starts now (but never inside an error backoff). */
  wake(): void;
  /**
   * A drain made outside the loop (a paid status, `pollNow`) succeeded: it counts as a poll, so
   * a plain wait starts again from now (an error backoff is left alone).
   */
  drainedElsewhere(): void;
  readonly running: boolean;
  /** True while this tab is the player's poller. */
  readonly leading: boolean;
}

/** Why a wait ended; only some reasons are worth a drain. */
type WakeReason = SignalChange | 'timer' | 'wake' | 'drained' | 'abort';
const DRAIN_ON: ReadonlySet<WakeReason> = new Set(['timer', 'wake', 'visible', 'online', 'focus']);

export function createPollLoop(options: PollLoopOptions): PollLoop {
  const clock = options.clock ?? realClock;
  const now = () => clock.now();
  let controller: AbortController | undefined;
  let wakeUp: ((reason: WakeReason) => void) | undefined;
  let returnedAt: number | undefined;
  let leading = false;
  let following = false;
  // The loop is in a plain wait for its next poll, one that a drain made elsewhere restarts.
  let waitingToPoll = false;

  let stopListening = () => {};

  const eligible = () => options.signals.visible() || options.cadence.hiddenIntervalMs !== null;

  /** Waits `ms` (forever when undefined), or until woken, a signal changes, or `signal` aborts. */
  function wait(ms: number | undefined, signal: AbortSignal): Promise<WakeReason> {
    const timer = new AbortController();
    let wakeThis!: (reason: WakeReason) => void;
    const woken = new Promise<WakeReason>((resolve) => (wakeThis = resolve));
    wakeUp = wakeThis;
    const timedOut =
      ms === undefined
        ? []
        : [
            delay(ms, { signal: timer.signal, clock }).then(
              () => 'timer' as const,
              () => 'abort' as const,
            ),
          ];
    return raceAbort(Promise.race([woken, ...timedOut]), signal)
      .catch(() => 'abort' as const)
      .finally(() => {
        timer.abort();
        if (wakeUp === wakeThis) wakeUp = undefined; // a newer wait may have begun meanwhile
      });
  }

  /** Polls while leading; resolves with a halt when the loop must stop until the game acts. */
  async function lead(signal: AbortSignal): Promise<Halt | void> {
    leading = true;
    following = false;
    try {
      return await leadUntilDone(signal);
    } finally {
      leading = false;
    }
  }

  async function leadUntilDone(signal: AbortSignal): Promise<Halt | void> {
    let consecutiveErrors = 0;
    let retryAfterMs: number | undefined;
    let drainNow = true;
    // After a failure, no wake (focus, online, a watch) may poll before the backoff is over.
    let notBefore = 0;
    const state = () => ({
      visible: options.signals.visible(),
      online: options.signals.online(),
      watching: options.isWatching(),
      pushHealthy: options.pushHealthy?.() ?? false,
      sinceReturnMs: returnedAt === undefined ? undefined : now() - returnedAt,
      consecutiveErrors,
      retryAfterMs,
    });
    while (!signal.aborted) {
      const gate = nextPoll({ ...state(), consecutiveErrors: 0 }, options.cadence, options.random);
      if (gate.status === 'paused') {
        if (gate.reason === 'hidden') return; // a visible tab should lead
        options.onStatus(gate);
        drainNow = DRAIN_ON.has(await wait(undefined, signal));
        continue;
      }
      if (drainNow && now() < notBefore) {
        const reason = await wait(notBefore - now(), signal);
        if (reason !== 'timer') continue;
      }
      if (drainNow) {
        options.onStatus({ status: 'polling' });
        try {
          // Never held up by a drain that hangs: stopping ends the wait, and the lock is released.
          await raceAbort(options.drain(signal), signal);
          consecutiveErrors = 0;
          retryAfterMs = undefined;
        } catch (error) {
          const halt = haltFor(error);
          if (halt && !signal.aborted) return halt;
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
      notBefore = decision.status === 'backing-off' ? now() + decision.delayMs : 0;
      options.onStatus({ status: decision.status, nextPollInMs: decision.delayMs });
      waitingToPoll = decision.status === 'waiting';
      try {
        drainNow = DRAIN_ON.has(await wait(decision.delayMs, signal));
      } finally {
        waitingToPoll = false;
      }
    }
  }

  /**
   * The election needs the player's database, which may need a token: a transient failure is
   * retried with backoff, one that retrying cannot mend halts the loop; each is reported.
   */
  async function joinElection(signal: AbortSignal): Promise<LeaderElection | Halt | undefined> {
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        return await raceAbort(options.election(), signal);
      } catch (error) {
        if (signal.aborted) break;
        options.onError(error);
        const halt = haltFor(error);
        if (halt) return halt;
        const delayMs = fullJitterDelay(attempt, options.cadence.errorBackoff, options.random);
        options.onStatus({ status: 'backing-off', nextPollInMs: delayMs });
        await wait(delayMs, signal);
      }
    }
    return undefined;
  }

  async function campaign(signal: AbortSignal): Promise<Halt | void> {
    const election = await joinElection(signal);
    if (typeof election === 'string') return election;
    while (election && !signal.aborted) {
      if (!eligible()) {
        options.onStatus({ status: 'paused', reason: 'hidden' });
        await wait(undefined, signal);
        continue;
      }
      let outcome = undefined as Halt | void; // set inside the lock's callback
      const follow = () => {
        following = true;
        options.onStatus({ status: 'following' });
      };
      await election.lead(signal, follow, async (leadership) => {
        outcome = await lead(leadership);
      });
      following = false;
      if (outcome) return outcome;
    }
  }

  return {
    start() {
      if (controller) return;
      const current = new AbortController();
      controller = current;
      stopListening = options.signals.subscribe((change) => {
        if (change === 'visible' || change === 'focus') {
          returnedAt = now();
          if (following) options.onReturnWhileFollowing?.();
        }
        wakeUp?.(change);
      });
      const ended = (outcome?: Halt | void) => {
        if (controller !== current) return;
        controller = undefined;
        stopListening();
        options.onStatus(outcome ? { status: 'paused', reason: outcome } : { status: 'stopped' });
      };
      // campaign() ends when stopped or halted; should it ever fail, the loop must be restartable.
      campaign(current.signal).then(ended, () => ended());
    },
    stop() {
      if (!controller) return;
      controller.abort();
      controller = undefined;
      stopListening();
      options.onStatus({ status: 'stopped' });
    },
    wake: () => wakeUp?.('wake'),
    drainedElsewhere: () => {
      if (waitingToPoll) wakeUp?.('drained');
    },
    get running() {
      return controller !== undefined;
    },
    get leading() {
      return leading;
    },
  };
}

/** Failures that retrying cannot mend: no usable token, or a database this page cannot use. */
function haltFor(error: unknown): Halt | undefined {
  if (error instanceof AuthError) return 'auth';
  if (error instanceof StorageError && ['unavailable', 'versionchange', 'locked'].includes(error.reason)) return 'storage';
  return undefined;
}
