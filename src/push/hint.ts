/**
 * The order-status channel's part in the cadence: open while the loop runs, closed when it
 * stops or pauses for auth, and a hint of when to look. While the channel is healthy and has
 * spoken within 5 minutes (Xsolla's own advice), a watched order needs no fast polling; after a
 * dropped socket or that silence, polling takes over again.
 */
import type { Clock } from '../schedule/clock';
import type { TokenSource } from '../transport/token';
import { openOrderStatusChannel, type OrderStatusChannel, type OrderStatusOptions, type OrderStatusUpdate } from './order-status';

/** Xsolla: after 5 minutes without news on the socket, short-poll. */
const PUSH_SILENCE_MS = 5 * 60_000;

export interface PushHint {
  /** Opens the channel (a no-op when the option is off or it is open). */
  start(): void;
  stop(): void;
  /** True while the channel can be trusted to say when an order is paid. */
  covers(): boolean;
  /** True while the channel is connected and subscribed, however long it has been silent. */
  healthy(): boolean;
}

export interface PushHintDeps {
  projectId: string;
  userId(): Promise<string>;
  tokens: TokenSource;
  clock: Clock;
  /** Whether the loop still runs: a channel opened for a loop that stopped meanwhile is closed. */
  wanted(): boolean;
  onStatus(status: OrderStatusUpdate): void;
  /** The channel dropped: a watched order needs polling again. */
  onLost(): void;
  onError(error: unknown): void;
}

export function createPushHint(option: boolean | OrderStatusOptions | undefined, deps: PushHintDeps): PushHint {
  let channel: OrderStatusChannel | undefined;
  // Each open gets a generation; a stop or a newer open supersedes it, and a superseded channel
  // is closed as soon as it exists, so start/stop races never leave a socket behind.
  let generation = 0;

  async function open() {
    const mine = ++generation;
    const userId = await deps.userId();
    if (mine !== generation || !deps.wanted()) return;
    const opened = await openOrderStatusChannel(option === true || !option ? {} : option, {
      projectId: deps.projectId,
      userId,
      token: () => deps.tokens.get(),
      now: () => deps.clock.now(),
      onStatus: deps.onStatus,
      onHealthChange: (healthy) => healthy || deps.onLost(),
    });
    if (mine !== generation || !deps.wanted()) opened.close();
    else channel = opened;
  }

  return {
    start() {
      if (option && !channel) open().catch(deps.onError);
    },
    stop() {
      generation++;
      channel?.close();
      channel = undefined;
    },
    covers: () => channel !== undefined && channel.healthy && deps.clock.now() - channel.lastHeardAt < PUSH_SILENCE_MS,
    healthy: () => channel?.healthy ?? false,
  };
}
