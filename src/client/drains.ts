/**
 * The client's drain, shared by every caller at once (the loop, `pollNow`, a paid status, a
 * restore): the player's events applied to the session's ledger and announced here and in the
 * player's other tabs; after a success, the session's one compaction and then `afterDrain`. A
 * drain that `close()` abandoned reports nothing; a closed client drains no more.
 */
import { drain, type PollReport } from '../poll/drain';
import { createSharedDrain } from '../poll/shared-drain';
import type { Clock } from '../schedule/clock';
import { linkSignals } from '../schedule/delay';
import type { Emission, TabChannel } from '../tabs/broadcast';
import type { Transport } from '../transport/http';
import { emissionsFor, type ClientEvents } from './events';
import { closedError, type Session } from './session';

export interface DrainDeps {
  transport: Transport;
  projectId: string;
  clock: Clock;
  /** Aborted by `close()`. */
  lifetime: AbortSignal;
  session(): Promise<Session>;
  /** Fires committed changes here and in the player's other tabs. */
  announce(emissions: Array<Emission<ClientEvents>>, tabs: TabChannel): void;
  /** An event that could not be read at all (not even its id). */
  onUnreadable(detail: string): void;
  reportError(phase: ClientEvents['error']['phase']): (error: unknown) => void;
  /** A drain succeeded (before its compaction): the loop counts it as a poll. */
  onDrained(): void;
  /** A drain failed (reported once here, not by every caller that shared it). */
  onFailed(error: unknown): void;
  /** After a successful drain and its compaction (the automatic restore). */
  afterDrain(): void;
}

export function createDrains(deps: DrainDeps) {
  const { clock, lifetime } = deps;
  // When the latest drain succeeded (clock ms): Get order need not ask what it just answered.
  let lastDrainAt: number | undefined;

  const shared = createSharedDrain(async (abandoned) => {
    const link = linkSignals(abandoned, lifetime);
    const { signal } = link;
    try {
      const { store, tabs, compactOnce } = await deps.session();
      const report = await drain(
        {
          transport: deps.transport,
          inventory: store,
          projectId: deps.projectId,
          now: () => clock.now(),
          onApplied: (applied) => deps.announce(emissionsFor(applied), tabs),
          onUnreadable: deps.onUnreadable,
          onAckError: deps.reportError('ack'),
        },
        signal,
      );
      lastDrainAt = clock.now();
      deps.onDrained();
      await compactOnce().catch(deps.reportError('poll'));
      deps.afterDrain();
      return report;
    } catch (error) {
      if (!signal.aborted) deps.onFailed(error);
      throw error;
    } finally {
      link.unlink();
    }
  });

  return {
    run: (signal?: AbortSignal): Promise<PollReport> => (lifetime.aborted ? Promise.reject(closedError()) : shared.run(signal)),
    settle: () => shared.settle(),
    lastDrainAt: () => lastDrainAt,
  };
}
