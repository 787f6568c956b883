/**
 * The one request core every Xsolla API of this library goes through (the Events API, the Store
 * API): a bearer token from the token source, refreshed once on 401/403 as Xsolla's own SDK
 * does; every status handled here, so no axios error (which carries the request headers, and so
 * the token) escapes; bounded, redacted error messages; and GETs retried on transient failures
 * (network, 408, 425, 429, 5xx) with full jitter or the server's Retry-After.
 */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import pRetry from 'p-retry';
import { AuthError, HttpError, ProtocolError } from '../errors';
import { DEFAULT_BACKOFF, parseRetryAfter, retryDelay } from '../schedule/backoff';
import { delay } from '../schedule/delay';
import type { TokenSource } from './token';

export interface ApiOptions {
  baseUrl: string;
  tokens: TokenSource;
  /** The game's own axios instance (interceptors, adapters); a fresh one otherwise. */
  http?: AxiosInstance;
  /** Query parameters sent with every request of this API (the Events API's `project_id`). */
  params?: Record<string, unknown>;
}

export interface RequestOptions {
  params?: Record<string, unknown>;
  signal?: AbortSignal;
  /** Non-2xx statuses that are answers, not failures (an ack's 404). */
  accept?: readonly number[];
}

export interface Api {
  /** One exchange: resolves with a 2xx (or accepted) response, else rejects with a typed error. */
  request(method: 'GET' | 'POST', path: string, options?: RequestOptions): Promise<AxiosResponse<string>>;
  /** A GET tried again after transient failures, at most `retries` times. */
  getWithRetries(path: string, options: RequestOptions & { retries: number }): Promise<AxiosResponse<string>>;
  /** `METHOD /path` as errors name it: the base URL's path included, never its host or a query. */
  where(method: string, path: string): string;
}

const RETRYABLE_STATUSES = new Set([408, 425, 429]);
const REFUSED_STATUSES = new Set([401, 403]);
const TIMEOUT_MS = 15_000;

export function createApi(options: ApiOptions): Api {
  const http = options.http ?? axios.create();
  const base = options.baseUrl.replace(/\/+$/, '');
  const basePath = new URL(base).pathname.replace(/\/+$/, '');
  const where = (method: string, path: string) => `${method} ${basePath}${path}`;

  async function send(method: 'GET' | 'POST', path: string, { params, signal }: RequestOptions): Promise<AxiosResponse<string>> {
    let token = await options.tokens.get(signal);
    for (let refreshed = false; ; refreshed = true) {
      const response = await exchange(token);
      if (response.status >= 200 && response.status < 300) options.tokens.accepted(token);
      if (!REFUSED_STATUSES.has(response.status)) return response;
      const fresh = refreshed
        ? undefined
        : await options.tokens.refresh(token, signal).catch((error: unknown) => {
            throw error instanceof AuthError
              ? new AuthError(`${where(method, path)}: the token was refused (HTTP ${response.status}): ${error.message}`, {
                  cause: error.cause,
                })
              : error;
          });
      if (fresh === undefined) {
        throw new AuthError(`${where(method, path)}: the token was refused (HTTP ${response.status}${serverSays(response.data, token)})`);
      }
      token = fresh;
    }

    async function exchange(bearer: string): Promise<AxiosResponse<string>> {
      try {
        return await http.request<string>({
          method,
          url: `${base}${path}`,
          params: { ...options.params, ...params },
          headers: { Authorization: `Bearer ${bearer}` },
          signal,
          timeout: TIMEOUT_MS,
          // Every status is handled here, and the body is parsed by the caller: axios errors carry
          // the request headers (the token), so none is allowed to escape.
          validateStatus: () => true,
          responseType: 'text',
          transformResponse: (body: unknown) => body,
        });
      } catch (error) {
        signal?.throwIfAborted();
        const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'network error';
        throw new HttpError(`${where(method, path)}: no response (${code})`, { retryable: true });
      }
    }
  }

  async function request(method: 'GET' | 'POST', path: string, requestOptions: RequestOptions = {}) {
    const response = await send(method, path, requestOptions);
    if ((response.status >= 200 && response.status < 300) || requestOptions.accept?.includes(response.status)) return response;
    throw new HttpError(`${where(method, path)}: HTTP ${response.status}${serverSays(response.data)}`, {
      status: response.status,
      retryable: RETRYABLE_STATUSES.has(response.status) || response.status >= 500,
      retryAfterMs: parseRetryAfter(response.headers['retry-after'], Date.now()),
    });
  }

  return {
    request,
    where,
    getWithRetries: (path, { retries, signal, ...rest }) =>
      pRetry(() => request('GET', path, { ...rest, signal }), {
        retries,
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
      }),
  };
}

/** The JSON body of a 2xx response; a body that is not JSON is a ProtocolError naming `where`. */
export function readJson(body: unknown, where: string): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    throw new ProtocolError(`${where}: the response is not JSON`);
  }
}

/** The array under `key` of a JSON response, or a ProtocolError. */
export function readArray(body: unknown, key: string, where: string): unknown[] {
  const parsed = readJson(body, where);
  const value = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[key] : undefined;
  if (!Array.isArray(value)) throw new ProtocolError(`${where}: the response has no "${key}" array`);
  return value;
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
        ? ((error as Record<string, unknown>).description ??
          (error as Record<string, unknown>).errorMessage ??
          (error as Record<string, unknown>).message)
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
