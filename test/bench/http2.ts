/**
 * The emulator mounted on an HTTP/2 server over TLS (a throwaway certificate the bench's browser
 * context accepts), to see whether more acks in flight on one connection would pay.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSecureServer, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Emulator } from '../../src/emulator';
import { selfSignedCertificate } from '../support/self-signed';

export async function serveOverHttp2(emulator: Emulator) {
  const server = createSecureServer({ ...selfSignedCertificate(), allowHTTP1: true }, (request, response) =>
    emulator.handle(request as unknown as IncomingMessage, response as unknown as ServerResponse),
  );
  // The browser keeps its session open; closing the server waits for sessions, so they are ended here.
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
      }),
  };
}
