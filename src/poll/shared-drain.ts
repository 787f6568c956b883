/**
 * One drain at a time for a whole client. A caller while none runs starts one and gets its
 * report; callers while one runs share the single drain that follows it, so an event paid
 * mid-drain is never missed and concurrent callers never double the requests.
 */
import type { PollReport } from './drain';

export interface SharedDrain {
  run(): Promise<PollReport>;
  /** Forgets the queued follower (its callers still get an answer) and waits for the drain in flight. */
  settle(): Promise<void>;
}

export function createSharedDrain(drainOnce: () => Promise<PollReport>): SharedDrain {
  let inflight: Promise<PollReport> | undefined;
  let queued: Promise<PollReport> | undefined;
  function run(): Promise<PollReport> {
    if (!inflight) {
      inflight = drainOnce().finally(() => (inflight = undefined));
      return inflight;
    }
    queued ??= inflight.catch(() => undefined).then(() => {
      queued = undefined;
      return run();
    });
    return queued;
  }
  return {
    run,
    async settle() {
      queued = undefined;
      await inflight?.catch(() => undefined);
    },
  };
}
