/**
 * The Events API over axios: list a player's unprocessed events, mark one processed.
 * Transient failures (network, 408, 429, 5xx) are retried with p-retry, waiting with full
 * jitter or the server's Retry-After; a 401 asks the token source for a fresh token once.
 */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import pRetry from 'p-retry';
import { AuthError, HttpError, ProtocolError } from '../errors';
import { DEFAULT_BACKOFF, parseRetryAfter, retryDelay, sleep, type BackoffPolicy } from '../schedule/backoff';
import type { TokenSource } from './token';

export const DEFAULT_BASE_URL = 'https://getupdate.xsolla.com';

export interface TransportOptions {
  baseUrl: string;
  projectId: string;
  tokens: TokenSource;
  /** The game's own axios instance (interceptors, adapters); a fresh one otherwise. */
  http?: AxiosInstance;
  /** Retries of one request after its first failure. */
  retries?: number;
  backoff?: BackoffPolicy;
  timeoutMs?: number;
}

export interface Transport {
  /** One page of unprocessed events, after `afterId` when given. */
  listEvents(options?: { afterId?: number; signal?: AbortSignal }): Promise<unknown[]>;
  /** Marks one event processed. Resolves `gone` when the server no longer knows it (404). */
  markProcessed(eventId: number, options?: { signal?: AbortSignal; retries?: number }): Promise<'acked' | 'gone'>;
}

const RETRYABLE_STATUSES = new Set([408, 425, 429]);

export function createTransport(options: TransportOptions): Transport {
  const http = options.http ?? axios.create();
  const base = options.baseUrl.replace(/\/+$/, '');
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const defaultRetries = options.retries ?? 3;

  async function send(method: 'GET' | 'POST', path: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<AxiosResponse<string>> {
    let token = await asAuthError(options.tokens.get());
    for (let refreshed = false; ; refreshed = true) {
      const response = await exchange(token);
      if (response.status !== 401) return response;
      const fresh = refreshed ? undefined : await asAuthError(options.tokens.refresh(token));
      if (fresh === undefined) throw new AuthError(`${method} ${path}: the token was rejected (401)`);
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
          timeout: options.timeoutMs ?? 15_000,
          // Every status is handled below, and the body is parsed here: axios errors carry the
          // request headers (the token), so none is allowed to escape.
          validateStatus: () => true,
          responseType: 'text',
          transformResponse: (body: unknown) => body,
        });
      } catch (error) {
        signal?.throwIfAborted();
        const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'network error';
        throw new HttpError(`${method} ${path}: no response (${code})`, undefined, true);
      }
    }
  }

  function request(method: 'GET' | 'POST', path: string, params: Record<string, unknown>, signal: AbortSignal | undefined, retries: number) {
    return pRetry(
      async () => {
        const response = await send(method, path, params, signal);
        if (response.status >= 200 && response.status < 300) return response;
        if (response.status === 404 && method === 'POST') return response;
        throw new HttpError(
          `${method} ${path}: HTTP ${response.status}`,
          response.status,
          RETRYABLE_STATUSES.has(response.status) || response.status >= 500,
          parseRetryAfter(response.headers['retry-after'], Date.now()),
        );
      },
      {
        retries,
        minTimeout: 0,
        maxTimeout: 0,
        randomize: false,
        signal,
        // p-retry awaits this hook, so the wait happens here: full jitter, or Retry-After.
        shouldRetry: async ({ error, retriesConsumed }) => {
          if (!(error instanceof HttpError) || !error.retryable) return false;
          const wait = retryDelay(retriesConsumed, error.retryAfterMs, backoff);
          if (wait === undefined) return false;
          await sleep(wait, signal);
          return true;
        },
      },
    );
  }

  return {
    async listEvents({ afterId, signal } = {}) {
      const params = afterId === undefined ? {} : { after_id: afterId };
      const response = await request('GET', '/events', params, signal, defaultRetries);
      return readEvents(response.data);
    },
    async markProcessed(eventId, { signal, retries } = {}) {
      const response = await request('POST', `/events/${eventId}/processed`, {}, signal, retries ?? defaultRetries);
      return response.status === 404 ? 'gone' : 'acked';
    },
  };
}

/** A token function's failure, as the AuthError callers handle (its own if it is one). */
async function asAuthError<T>(pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (cause) {
    throw cause instanceof AuthError ? cause : new AuthError('the token function failed', { cause });
  }
}

function readEvents(body: unknown): unknown[] {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new ProtocolError('GET /events: the response is not JSON');
    }
  }
  const events = typeof parsed === 'object' && parsed !== null ? (parsed as { events?: unknown }).events : undefined;
  if (!Array.isArray(events)) throw new ProtocolError('GET /events: the response has no "events" array');
  return events;
}
