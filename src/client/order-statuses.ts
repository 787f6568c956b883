/**
 * Where watched orders' statuses come from (DESIGN.md §2c): the order-status socket while the
 * loop runs, and Get order short polling while the socket does not cover a watch. Each status
 * reaches `onStatus` once, whichever source heard it first.
 */
import type { PollLoop } from '../poll/loop';
import { createPushHint } from '../push/hint';
import { createOrderPoll } from '../push/order-poll';
import type { OrderStatusOptions, OrderStatusUpdate } from '../push/order-status';
import { createStatusReporter } from '../push/statuses';
import type { Cadence } from '../schedule/cadence';
import type { Clock } from '../schedule/clock';
import type { StoreApi } from '../transport/store-api';
import type { TokenSource } from '../transport/token';
import type { ClientEvents } from './events';

export interface OrderStatusDeps {
  /** The `orderStatus` option. */
  socket: boolean | OrderStatusOptions | undefined;
  projectId: string;
  userId(): Promise<string>;
  tokens: TokenSource;
  storeApi: StoreApi;
  clock: Clock;
  cadence: Cadence;
  loop: PollLoop;
  /** Whether the socket is still wanted (the client is open and its loop runs). */
  wanted(): boolean;
  /** When the latest drain succeeded, and when the loop drains next (clock ms): Get order need not ask what they answer. */
  lastDrainAt(): number | undefined;
  nextDrainAt(): number | undefined;
  onStatus(update: OrderStatusUpdate): void;
  reportError(phase: ClientEvents['error']['phase']): (error: unknown) => void;
}

export function createOrderStatuses(deps: OrderStatusDeps) {
  const { clock, loop } = deps;
  const onStatus = createStatusReporter(deps.onStatus);
  const push = createPushHint(deps.socket, {
    projectId: deps.projectId,
    userId: deps.userId,
    tokens: deps.tokens,
    clock,
    wanted: deps.wanted,
    onStatus,
    onLost: () => loop.wake(),
    onError: deps.reportError('poll'),
  });
  const orderPoll = createOrderPoll({
    getOrder: (orderId, signal) => deps.storeApi.getOrder(orderId, signal),
    clock,
    intervalMs: deps.cadence.watchIntervalMs,
    backoff: deps.cadence.errorBackoff,
    socketCovers: () => push.covers(),
    lastDrainAt: deps.lastDrainAt,
    nextDrainAt: deps.nextDrainAt,
    onUncovered: () => loop.wake(),
    onStatus,
    onError: deps.reportError('order'),
  });
  return { push, orderPoll };
}
