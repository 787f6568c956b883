/** What the emulator published on a player's order-status channel, read back from its history. */
import WebSocket from 'ws';
import type { Emulator } from '../../src/emulator';

/** The statuses published for one order, oldest first. */
export async function publishedStatuses(emulator: Emulator, userId: string, orderId: string | number): Promise<string[]> {
  const socket = new WebSocket(`${emulator.url.replace('http', 'ws')}/connection/websocket`);
  const replies: Array<Record<string, any>> = [];
  const reply = () =>
    new Promise<void>((resolve) => socket.once('message', (data) => resolve(void replies.push(JSON.parse(String(data))))));
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(
    JSON.stringify({
      id: 1,
      connect: { data: { user_external_id: userId, auth: emulator.issueToken(userId), project_id: emulator.projectId } },
    }),
  );
  await reply();
  socket.send(JSON.stringify({ id: 2, history: { channel: `orders#${userId}` } }));
  await reply();
  socket.terminate();
  // The wire keeps Xsolla's number.
  return replies[1]!.history.publications.filter((pub: any) => pub.data.order_id === Number(orderId)).map((pub: any) => pub.data.status);
}
