/**
 * The Events API over axios: list a player's unprocessed events, mark one processed.
 * Transient failures of a GET (network, 408, 425, 429, 5xx) are retried with p-retry, waiting
 * with full jitter or the server's Retry-After, unless the last GET failed that way too (then
 * once: the loop backs off); an ack is sent once (a failed one stays pending
 * and the next drain sends it again). A 401 or 403 asks the token source for a fresh token
 * once, as Xsolla's own SDK does.
 */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import pRetry from 'p-retry';
import { AuthError, HttpError, ProtocolError } from '../errors';
import { DEFAULT_BACKOFF, parseRetryAfter, retryDelay } from '../schedule/backoff';
import { delay } from '../schedule/delay';
import type { TokenSource } from './token';

export const DEFAULT_BASE_URL = 'https://getupdate.xsolla.com';

export interface TransportOptions {
  baseUrl: string;
  projectId: string;
  tokens: TokenSource;
  /** The game's own axios instance (interceptors, adapters); a fresh one otherwise. */
  http?: AxiosInstance;
  /** Retries of one GET after its first failure. */
  retries?: number;
}

export interface Transport {
  /** One page of unprocessed events, after `afterId` when given. */
  listEvents(options?: { afterId?: number; signal?: AbortSignal }): Promise<unknown[]>;
  /** Marks one event processed. Resolves `gone` when the server no longer knows it (404). */
  markProcessed(eventId: number, options?: { signal?: AbortSignal }): Promise<'acked' | 'gone'>;
}

const RETRYABLE_STATUSES = new Set([408, 425, 429]);
const REFUSED_STATUSES = new Set([401, 403]);
const TIMEOUT_MS = 15_000;

export function createTransport(options: TransportOptions): Transport {
  const http = options.http ?? axios.create();
  const base = options.baseUrl.replace(/\/+$/, '');
  // Errors name the full path (`GET /api/v1/events`), never the query or the host's secrets.
  const basePath = new URL(base).pathname.replace(/\/+$/, '');

  async function send(
    method: 'GET' | 'POST',
    path: string,
    params: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<AxiosResponse<string>> {
    const where = `${method} ${basePath}${path}`;
    let token = await options.tokens.get(signal);
    for (let refreshed = false; ; refreshed = true) {
      const response = await exchange(token);
      if (response.status >= 200 && response.status < 300) options.tokens.accepted(token);
      if (!REFUSED_STATUSES.has(response.status)) return response;
      const fresh = refreshed
        ? undefined
        : await options.tokens.refresh(token, signal).catch((error: unknown) => {
            throw error instanceof AuthError
              ? new AuthError(`${where}: the token was refused (HTTP ${response.status}): ${error.message}`, { cause: error.cause })
              : error;
          });
      if (fresh === undefined) {
        throw new AuthError(`${where}: the token was refused (HTTP ${response.status}${serverSays(response.data, token)})`);
      }
      token = fresh;
    }

    async function exchange(bearer: string): Promise<AxiosResponse<string>> {
      try {
        return await http.request<string>({
          method,
          url: `${base}${path}`,
          params: { project_id: options.projectId, ...params },
          headers: { Authorization: `Bearer ${bearer}` },
          signal,
          timeout: TIMEOUT_MS,
          // Every status is handled below, and the body is parsed here: axios errors carry the
          // request headers (the token), so none is allowed to escape.
          validateStatus: () => true,
          responseType: 'text',
          transformResponse: (body: unknown) => body,
        });
      } catch (error) {
        signal?.throwIfAborted();
        const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'network error';
        throw new HttpError(`${where}: no response (${code})`, { retryable: true });
      }
    }
  }

  async function request(method: 'GET' | 'POST', path: string, params: Record<string, unknown>, signal?: AbortSignal) {
    const response = await send(method, path, params, signal);
    if (response.status >= 200 && response.status < 300) return response;
    if (response.status === 404 && method === 'POST') return response;
    throw new HttpError(`${method} ${basePath}${path}: HTTP ${response.status}${serverSays(response.data)}`, {
      status: response.status,
      retryable: RETRYABLE_STATUSES.has(response.status) || response.status >= 500,
      retryAfterMs: parseRetryAfter(response.headers['retry-after'], Date.now()),
    });
  }

  // Set when a GET failed even after its retries: the server is likely down, the loop's backoff
  // spaces the next tries, and retrying inside each of them would only multiply a fleet's load.
  let serverDown = false;

  return {
    async listEvents({ afterId, signal } = {}) {
      const params = afterId === undefined ? {} : { after_id: afterId };
      const response = await pRetry(() => request('GET', '/events', params, signal), {
        retries: serverDown ? 0 : (options.retries ?? 3),
        minTimeout: 0,
        maxTimeout: 0,
        randomize: false,
        signal,
        // p-retry awaits this hook, so the wait happens here: full jitter, or Retry-After.
        shouldRetry: async ({ error, retriesConsumed }) => {
          if (!(error instanceof HttpError) || !error.retryable) return false;
          const wait = retryDelay(retriesConsumed, error.retryAfterMs, DEFAULT_BACKOFF);
          if (wait === undefined) return false;
          await delay(wait, { signal });
          return true;
        },
      }).catch((error: unknown) => {
        serverDown ||= error instanceof HttpError && error.retryable;
        throw error;
      });
      serverDown = false;
      return readEvents(response.data, `GET ${basePath}/events`);
    },
    async markProcessed(eventId, { signal } = {}) {
      const response = await request('POST', `/events/${eventId}/processed`, {}, signal);
      return response.status === 404 ? 'gone' : 'acked';
    },
  };
}

const MAX_SERVER_TEXT = 200;

/**
 * What the server said about a failure, for the error message: its `error.description` (or
 * `message`), else the start of the body; bounded, on one line, and never the token.
 */
function serverSays(body: unknown, token?: string): string {
  if (typeof body !== 'string' || body.trim() === '') return '';
  let text = body;
  try {
    const parsed: unknown = JSON.parse(body);
    const error = typeof parsed === 'object' && parsed !== null ? ((parsed as Record<string, unknown>).error ?? parsed) : parsed;
    const said =
      typeof error === 'object' && error !== null
        ? ((error as Record<string, unknown>).description ?? (error as Record<string, unknown>).message)
        : error;
    if (typeof said === 'string') text = said;
  } catch {
    // not JSON: quote the text itself
  }
  if (token) text = text.split(token).join('[token]');
  text = text
    .replace(/[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '[token]') // anything shaped like a JWT
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim();
  if (text.length > MAX_SERVER_TEXT) text = `${text.slice(0, MAX_SERVER_TEXT)}…`;
  return text === '' ? '' : ` (${text})`;
}

function readEvents(body: unknown, where: string): unknown[] {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new ProtocolError(`${where}: the response is not JSON`);
    }
  }
  const events = typeof parsed === 'object' && parsed !== null ? (parsed as { events?: unknown }).events : undefined;
  if (!Array.isArray(events)) throw new ProtocolError(`${where}: the response has no "events" array`);
  return events;
}
