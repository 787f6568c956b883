/**
 * The polling loop: drain, ask the cadence how long to wait, wait (or be woken), repeat.
 * Scheduling lives here alone so smarter cadences and multi-tab election plug in at one seam.
 */
import { HttpError } from '../errors';
import { nextPoll, type Cadence, type PollDecision } from '../schedule/cadence';

export interface PollLoopOptions {
  drain(signal: AbortSignal): Promise<unknown>;
  cadence: Cadence;
  isWatching(): boolean;
  onStatus(status: 'polling' | PollDecision['status'] | 'stopped', nextPollInMs?: number): void;
  random?: () => number;
}

export interface PollLoop {
  start(): void;
  stop(): void;
  /** Cuts the current wait short: the next drain starts now. */
  wake(): void;
  readonly running: boolean;
}

export function createPollLoop(options: PollLoopOptions): PollLoop {
  let controller: AbortController | undefined;
  let wakeUp: (() => void) | undefined;

  async function run(signal: AbortSignal) {
    let consecutiveErrors = 0;
    let retryAfterMs: number | undefined;
    while (!signal.aborted) {
      options.onStatus('polling');
      try {
        await options.drain(signal);
        consecutiveErrors = 0;
        retryAfterMs = undefined;
      } catch (error) {
        consecutiveErrors++;
        retryAfterMs = error instanceof HttpError ? error.retryAfterMs : undefined;
      }
      if (signal.aborted) break;
      const decision = nextPoll({ watching: options.isWatching(), consecutiveErrors, retryAfterMs }, options.cadence, options.random);
      options.onStatus(decision.status, decision.delayMs);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, decision.delayMs);
        signal.addEventListener('abort', done, { once: true });
        wakeUp = done;
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          wakeUp = undefined;
          resolve();
        }
      });
    }
  }

  return {
    start() {
      if (controller) return;
      const current = new AbortController();
      controller = current;
      // run() only ends when stopped; should it ever fail, the loop must be restartable.
      const ended = () => {
        if (controller !== current) return;
        controller = undefined;
        options.onStatus('stopped');
      };
      run(current.signal).then(ended, ended);
    },
    stop() {
      if (!controller) return;
      controller.abort();
      controller = undefined;
      options.onStatus('stopped');
    },
    wake: () => wakeUp?.(),
    get running() {
      return controller !== undefined;
    },
  };
}
