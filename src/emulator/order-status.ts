/**
 * Enough of the Centrifugo client protocol (JSON over WebSocket) for the real `centrifuge`
 * client: connect with `{user_external_id, auth, project_id}`, a server-side subscription to the
 * player's order channel, publications `{order_id, status}`, and history.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export const ORDER_STATUS_PATH = '/connection/websocket';
const EPOCH = 'emulator';

interface Publication {
  data: { order_id: number; status: string };
  offset: number;
}

export interface OrderStatusHub {
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  publish(userId: string, orderId: number, status: string): void;
  /** Drops every open socket; while `down`, new connections are refused too. */
  setDown(down: boolean): void;
  close(): void;
}

export function createOrderStatusHub(authenticate: (token: unknown) => string | undefined, projectId: number): OrderStatusHub {
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Map<string, Set<WebSocket>>();
  const history = new Map<string, Publication[]>();
  const channelOf = (userId: string) => `orders#${userId}`;
  let down = false;

  function onConnection(ws: WebSocket) {
    let userId: string | undefined;
    const reply = (body: object) => ws.send(JSON.stringify(body));
    ws.on('message', (raw) => {
      for (const line of String(raw).split('\n').filter((l) => l.trim() !== '')) {
        let command: Record<string, any>;
        try {
          command = JSON.parse(line);
        } catch {
          return ws.close(3501, 'bad request');
        }
        if (typeof command !== 'object' || command === null || Array.isArray(command)) return ws.close(3501, 'bad request');
        const { id } = command;
        if (command.connect) {
          const data = command.connect.data ?? {};
          const sub = authenticate(data.auth);
          if (!sub || sub !== data.user_external_id || String(data.project_id) !== String(projectId)) {
            reply({ id, error: { code: 101, message: 'unauthorized' } });
            return ws.close(3500, 'unauthorized');
          }
          if (userId !== undefined) return ws.close(3501, 'already connected');
          userId = sub;
          let mine = sockets.get(sub);
          if (!mine) sockets.set(sub, (mine = new Set()));
          mine.add(ws);
          const offset = history.get(channelOf(sub))?.at(-1)?.offset ?? 0;
          reply({ id, connect: { client: randomUUID(), version: 'emulator', subs: { [channelOf(sub)]: { recoverable: true, epoch: EPOCH, offset } } } });
        } else if (command.history && userId && command.history.channel === channelOf(userId)) {
          const since = Number(command.history.since?.offset ?? 0);
          const all = history.get(channelOf(userId)) ?? [];
          reply({ id, history: { publications: all.filter((pub) => pub.offset > since), epoch: EPOCH, offset: all.at(-1)?.offset ?? 0 } });
        } else if (id !== undefined) {
          reply({ id, error: { code: 108, message: 'not available' } });
        }
      }
    });
    ws.on('close', () => userId && sockets.get(userId)?.delete(ws));
    ws.on('error', () => ws.terminate()); // a malformed frame ends that socket, not the emulator
  }

  return {
    handleUpgrade(request, socket, head) {
      if (down) return void socket.destroy();
      wss.handleUpgrade(request, socket, head, onConnection);
    },
    publish(userId, orderId, status) {
      const channel = channelOf(userId);
      const pubs = history.get(channel) ?? [];
      history.set(channel, pubs);
      const pub = { data: { order_id: orderId, status }, offset: (pubs.at(-1)?.offset ?? 0) + 1 };
      pubs.push(pub);
      for (const ws of sockets.get(userId) ?? []) ws.send(JSON.stringify({ push: { channel, pub } }));
    },
    setDown(value) {
      down = value;
      if (value) for (const ws of wss.clients) ws.terminate();
    },
    close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
