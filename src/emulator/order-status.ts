/**
 * Enough of the Centrifugo client protocol (JSON over WebSocket) for the real `centrifuge`
 * client: connect with `{user_external_id, auth, project_id}`, a server-side subscription to the
 * player's order channel, publications `{order_id, status}`, and history.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { refuseSocket } from './http';

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
  // A handshake ws refuses (no key, bad version, not GET) is answered in the emulator's error shape.
  wss.on('wsClientError', (error, socket) => refuseSocket(socket, error.message === 'Invalid HTTP method' ? 405 : 400, error.message));
  const sockets = new Map<string, Set<WebSocket>>();
  const history = new Map<string, Publication[]>();
  const channelOf = (userId: string) => `orders#${userId}`;
  let down = false;

  function onConnection(ws: WebSocket) {
    let userId: string | undefined;
    const reply = (body: object) => ws.send(JSON.stringify(body));
    const refuse = (code: number, reason: string) => {
      ws.close(code, reason);
      return false;
    };
    /** One command; false when the socket is closed and the frame's later lines are moot. */
    const handleCommand = (line: string): boolean => {
      let command: Record<string, any>;
      try {
        command = JSON.parse(line);
      } catch {
        return refuse(3501, 'bad request');
      }
      if (typeof command !== 'object' || command === null || Array.isArray(command)) return refuse(3501, 'bad request');
      const { id } = command;
      if (command.connect) {
        const data = command.connect.data ?? {};
        const sub = authenticate(data.auth);
        if (!sub || sub !== data.user_external_id || !sameProject(data.project_id, projectId)) {
          reply({ id, error: { code: 101, message: 'unauthorized' } });
          return refuse(3500, 'unauthorized');
        }
        if (userId !== undefined) return refuse(3501, 'already connected');
        userId = sub;
        let mine = sockets.get(sub);
        if (!mine) sockets.set(sub, (mine = new Set()));
        mine.add(ws);
        const offset = history.get(channelOf(sub))?.at(-1)?.offset ?? 0;
        reply({
          id,
          connect: { client: randomUUID(), version: 'emulator', subs: { [channelOf(sub)]: { recoverable: true, epoch: EPOCH, offset } } },
        });
      } else if (command.history && userId && command.history.channel === channelOf(userId)) {
        const since = command.history.since?.offset;
        const all = history.get(channelOf(userId)) ?? [];
        const after = typeof since === 'number' ? since : 0;
        reply({ id, history: { publications: all.filter((pub) => pub.offset > after), epoch: EPOCH, offset: all.at(-1)?.offset ?? 0 } });
      } else if (id !== undefined) {
        reply({ id, error: { code: 108, message: 'not available' } });
      }
      return true;
    };
    ws.on('message', (raw) => {
      for (const line of String(raw)
        .split('\n')
        .filter((l) => l.trim() !== '')) {
        try {
          if (!handleCommand(line)) return;
        } catch {
          // A field of a shape no check foresaw: that socket ends, not the emulator.
          return void refuse(3501, 'bad request');
        }
      }
    });
    ws.on('close', () => userId && sockets.get(userId)?.delete(ws));
    ws.on('error', () => ws.terminate()); // a malformed frame ends that socket, not the emulator
  }

  return {
    handleUpgrade(request, socket, head) {
      if (down) return refuseSocket(socket, 503, 'the order-status channel is down');
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

/** Centrifugo's connect data names the project as a number or a string of it. */
function sameProject(value: unknown, projectId: number): boolean {
  return (typeof value === 'number' || typeof value === 'string') && String(value) === String(projectId);
}
