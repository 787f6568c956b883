/**
 * One drain at a time for a whole client. The first caller starts a drain and gets its report;
 * every caller while it runs shares the single drain that follows it, so an event paid
 * mid-drain is never missed and concurrent callers never double the requests. A drain that
 * every one of its callers has given up on (their signals aborted: the loop was stopped) is
 * aborted too; a caller without a signal keeps it going.
 */
import type { PollReport } from './drain';

export interface SharedDrain {
  run(signal?: AbortSignal): Promise<PollReport>;
  /** Forgets the queued follower (its callers still get an answer) and waits for the drain in flight. */
  settle(): Promise<void>;
}

interface Run {
  report: Promise<PollReport>;
  controller: AbortController;
  /** Callers with a signal that has not aborted. */
  holders: number;
  /** A caller without a signal waits for it: it is never abandoned. */
  kept: boolean;
}

export function createSharedDrain(drainOnce: (signal: AbortSignal) => Promise<PollReport>): SharedDrain {
  let inflight: Run | undefined;
  let queued: Run | undefined;

  function newRun(after?: Promise<unknown>): Run {
    const run: Run = { report: undefined as never, controller: new AbortController(), holders: 0, kept: false };
    const begin = () => {
      if (queued === run) queued = undefined;
      inflight = run;
      return drainOnce(run.controller.signal).finally(() => {
        if (inflight === run) inflight = undefined;
      });
    };
    run.report = after ? after.catch(() => undefined).then(begin) : begin();
    return run;
  }

  function hold(run: Run, signal?: AbortSignal) {
    if (!signal) return void (run.kept = true);
    run.holders++;
    const giveUp = () => {
      run.holders--;
      if (!run.kept && run.holders === 0) run.controller.abort(signal.reason);
    };
    if (signal.aborted) return giveUp();
    signal.addEventListener('abort', giveUp, { once: true });
    run.report.then(
      () => signal.removeEventListener('abort', giveUp),
      () => signal.removeEventListener('abort', giveUp),
    );
  }

  return {
    run(signal) {
      // A follower already waiting (even in the moment between two drains) is the one to join.
      const run = queued ?? (inflight ? (queued = newRun(inflight.report)) : newRun());
      hold(run, signal);
      return run.report;
    },
    async settle() {
      queued = undefined;
      await inflight?.report.catch(() => undefined);
    },
  };
}
