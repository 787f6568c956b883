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
}

export interface OrderStatusOptions {
  /** Defaults to Xsolla's; the emulator's is `ws://<host>/connection/websocket`. */
  url?: string;
  /** A WebSocket class where there is no global one (Node 20: the `ws` package). */
  websocket?: unknown;
}

export interface OrderStatusChannel {
  /** Connected, with a subscription to the player's orders. */
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
    deps.onStatus({ orderId: String(orderId), status });
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
  client.on('connected', () => {
    heard();
    setHealthy(true);
  });
  client.on('connecting', () => setHealthy(false));
  client.on('disconnected', () => setHealthy(false));
  client.on('publication', (ctx) => {
    heard();
    report(ctx.data);
  });
  // Statuses published while this client was away come back through history.
  client.on('subscribed', (ctx) => {
    client
      .history(ctx.channel, { limit: -1, since: { offset: 0, epoch: '' }, reverse: false })
      .then((result) => result.publications.forEach((publication) => report(publication.data)))
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
