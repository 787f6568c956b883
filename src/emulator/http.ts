/**
 * The emulator's HTTP plumbing: answers in Xsolla's error shape, request bodies, and request
 * targets that may not be URLs at all. Nothing here throws at a caller for bad input.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { EmulatorInputError } from './input';

const MAX_BODY_BYTES = 1 << 20;

const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type',
  'Access-Control-Expose-Headers': 'Retry-After',
  // Lets a page read each request's timing, the protocol it went over included (nextHopProtocol).
  'Timing-Allow-Origin': '*',
};

/** Xsolla's error body; the client quotes `description` in its error messages. */
export const errorBody = (status: number, description: string) => ({ error: { code: String(status), description } });

export function send(response: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
  if (response.headersSent) return;
  // Serialised before the head is written: a body that cannot become JSON must still let the
  // caller answer with an error instead of leaving the request hanging half-answered.
  const text = body === undefined ? undefined : JSON.stringify(body);
  response.writeHead(status, { ...CORS_HEADERS, ...(text === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers });
  response.end(text);
}

/** Answers an error in one API's shape (`sendError` here, the Store API's `sendStoreError`). */
export type ErrorSender = (response: ServerResponse, status: number, message: string, headers?: Record<string, string>) => void;

export function sendError(response: ServerResponse, status: number, description: string, headers: Record<string, string> = {}) {
  send(response, status, errorBody(status, description), headers);
}

/**
 * The last resort after a handler failed: an error answer if the head is not out yet, else the
 * connection is cut so the client sees a failure rather than waiting forever.
 */
export function answerFailure(response: ServerResponse, error: unknown, fail: ErrorSender = sendError) {
  const status = error instanceof EmulatorInputError ? error.status : 500;
  const description = error instanceof Error ? error.message : 'internal error';
  try {
    if (!response.headersSent) return fail(response, status, description);
  } catch {
    // fall through to cutting the connection
  }
  response.destroy();
}

/** The path of a request target, or undefined when it is no URL path (`//`, `/%`, `*`). */
export function pathnameOf(target: string | undefined): string | undefined {
  if (!target?.startsWith('/') || target.startsWith('//')) return undefined;
  try {
    const url = new URL(target, 'http://emulator');
    decodeURIComponent(url.pathname);
    return url.pathname;
  } catch {
    return undefined;
  }
}

/** The query of a request target whose path `pathnameOf` accepted. */
export const searchParamsOf = (target: string) => new URL(target, 'http://emulator').searchParams;

/** Answers on a raw socket (an upgrade request or unparsable bytes) and closes it. */
export function refuseSocket(socket: Duplex, status: number, description: string) {
  socket.on('error', () => socket.destroy()); // the peer may already be gone
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify(errorBody(status, description));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** A JSON object body (an empty body reads as `{}`). */
export async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new EmulatorInputError('body too large', 413);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new EmulatorInputError('body must be JSON');
  }
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  throw new EmulatorInputError('body must be a JSON object');
}
