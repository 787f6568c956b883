/**
 * Xsolla's order-status channel (Centrifugo over WebSocket): `{order_id, status}` as an order
 * goes new -> paid -> done (or canceled). It carries no items, so it never grants anything; it
 * only says when GetUpdates is worth asking. The `centrifuge` client is imported on first use,
 * so a game that leaves this off does not load it.
 */

export const XSOLLA_ORDER_STATUS_URL = 'wss://ws-store.xsolla.com/connection/websocket';

export interface OrderStatusUpdate {
  orderId: string;
  /** `new`, `paid`, `done` or `canceled` (Xsolla may add others). */
  status: string;
  /** Where it was heard: the order-status socket, or Get order polled while the socket was off or quiet. */
  source: 'socket' | 'poll';
}

export interface OrderStatusOptions {
  /** Defaults to Xsolla's; the emulator's is `ws://<host>/connection/websocket`. */
  url?: string;
  /** A WebSocket class where there is no global one (Node 20: the `ws` package). */
  websocket?: unknown;
}

export interface OrderStatusChannel {
  /** Subscribed to the player's orders. */
  readonly healthy: boolean;
  /** When the channel last connected or spoke (clock ms); 0 before that. */
  readonly lastHeardAt: number;
  close(): void;
}

export interface OrderStatusDeps {
  projectId: string;
  userId: string;
  /** A fresh player token for each (re)connect. */
  token: () => Promise<string>;
  now: () => number;
  onStatus(status: OrderStatusUpdate): void;
  /** The channel connected or lost its connection. */
  onHealthChange(healthy: boolean): void;
}

export async function openOrderStatusChannel(options: OrderStatusOptions, deps: OrderStatusDeps): Promise<OrderStatusChannel> {
  const { Centrifuge } = await import('centrifuge');
  let healthy = false;
  let lastHeardAt = 0;
  const heard = () => (lastHeardAt = deps.now());
  // History replays statuses already seen: report each (order, status) once.
  const seen = new Set<string>();
  const report = (data: unknown) => {
    const { order_id: orderId, status } = (typeof data === 'object' && data ? data : {}) as Record<string, unknown>;
    if ((typeof orderId !== 'number' && typeof orderId !== 'string') || typeof status !== 'string') return;
    const key = `${orderId}:${status}`;
    if (seen.has(key)) return;
    seen.add(key);
    deps.onStatus({ orderId: String(orderId), status, source: 'socket' });
  };

  const client = new Centrifuge(options.url ?? XSOLLA_ORDER_STATUS_URL, {
    getData: async () => ({ user_external_id: deps.userId, auth: await deps.token(), project_id: Number(deps.projectId) }),
    ...(options.websocket ? { websocket: options.websocket } : {}),
    minReconnectDelay: 500,
    maxReconnectDelay: 20_000,
  });
  const setHealthy = (value: boolean) => {
    if (value === healthy) return;
    healthy = value;
    deps.onHealthChange(value);
  };
  // Healthy means subscribed to the player's orders, not merely connected.
  client.on('connecting', () => setHealthy(false));
  client.on('disconnected', () => setHealthy(false));
  client.on('unsubscribed', () => setHealthy(false));

  // The last stream position seen: a resubscribe reads history from there, so statuses
  // published while this client was away arrive, and older ones are not replayed.
  let position: { offset: number; epoch: string } | undefined;
  const track = (offset: number | undefined) => {
    if (position && offset !== undefined && offset > position.offset) position = { ...position, offset };
  };
  client.on('publication', (ctx) => {
    heard();
    track(ctx.offset);
    report(ctx.data);
  });
  client.on('subscribed', (ctx) => {
    heard();
    setHealthy(true);
    const since = position;
    // First subscribe: what was paid before this session is GetUpdates' to tell (a start drains).
    position ??= ctx.streamPosition ?? { offset: 0, epoch: '' };
    if (!since) return;
    client
      .history(ctx.channel, { limit: -1, since, reverse: false })
      .then((result) =>
        result.publications.forEach((publication) => {
          track(publication.offset);
          report(publication.data);
        }),
      )
      .catch(() => undefined);
  });
  client.connect();
  return {
    get healthy() {
      return healthy;
    },
    get lastHeardAt() {
      return lastHeardAt;
    },
    close: () => client.disconnect(),
  };
}
