/**
 * The one request core every Xsolla API of this library goes through (the Events API, the Store
 * API): a bearer token from the token source, refreshed once when the server refuses it (401, or
 * a 403 not about something else) as Xsolla's own SDK does; every status handled here, so no
 * axios error (which carries the request headers, and so the token) escapes; bounded bodies;
 * error messages bounded and without any token sent; and GETs retried on transient failures
 * (network, 408, 425, 429, 5xx) with full jitter or the server's Retry-After.
 */
import axios, { type AxiosInstance, type AxiosProgressEvent, type AxiosResponse } from 'axios';
import pRetry from 'p-retry';
import { AuthError, HttpError, ProtocolError } from '../errors';
import { DEFAULT_BACKOFF, parseRetryAfter, readHttpDate, retryDelay } from '../schedule/backoff';
import { delay, linkSignals } from '../schedule/delay';
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
  /** A JSON body (Create order's). */
  data?: unknown;
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
const TIMEOUT_MS = 15_000;
/**
 * No answer of these APIs comes near it: a page of the Events API holds what one player has not
 * yet acked (a few KB an event, so thousands of events), the Store API's pages hold 50 rows. A
 * body past it is a broken server or proxy, and it fails the request instead of filling memory.
 */
const MAX_RESPONSE_BYTES = 16 * 2 ** 20;
/** Store API error codes about the bearer itself: authorization (1501), a Pay Station token (2001). */
const TOKEN_ERROR_CODES = new Set([1501, 2001]);

export function createApi(options: ApiOptions): Api {
  const http = options.http ?? axios.create();
  const base = options.baseUrl.replace(/\/+$/, '');
  const basePath = new URL(base).pathname.replace(/\/+$/, '');
  const where = (method: string, path: string) => `${method} ${basePath}${path}`;

  /** The exchange, refreshed once when the token is refused; `sent` collects every bearer it used. */
  async function send(
    method: 'GET' | 'POST',
    path: string,
    { params, data, signal }: RequestOptions,
    sent: string[],
  ): Promise<AxiosResponse<string>> {
    let token = await options.tokens.get(signal);
    for (let refreshed = false; ; refreshed = true) {
      sent.push(token);
      const response = await exchange(token);
      if (response.status >= 200 && response.status < 300) options.tokens.accepted(token);
      if (!refusesToken(response)) return response;
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
        throw new AuthError(`${where(method, path)}: the token was refused (HTTP ${response.status}${serverSays(response.data, sent)})`);
      }
      token = fresh;
    }

    async function exchange(bearer: string): Promise<AxiosResponse<string>> {
      // axios bounds the body itself in Node and with fetch, not with XHR (its first choice in a
      // browser): there the download's progress says when to give up. Watching progress costs
      // Node a stream per response, so only where XHR exists.
      const tooLarge = linkSignals(signal);
      const onDownloadProgress =
        typeof XMLHttpRequest === 'undefined'
          ? undefined
          : ({ loaded, total }: AxiosProgressEvent) => {
              if (Math.max(loaded, total ?? 0) > MAX_RESPONSE_BYTES) tooLarge.abort();
            };
      try {
        return await http.request<string>({
          method,
          url: `${base}${path}`,
          params: { ...options.params, ...params },
          data,
          headers: { Authorization: `Bearer ${bearer}` },
          signal: tooLarge.signal,
          timeout: TIMEOUT_MS,
          maxContentLength: MAX_RESPONSE_BYTES,
          maxBodyLength: MAX_RESPONSE_BYTES,
          onDownloadProgress,
          // Every status is handled here, and the body is parsed by the caller: axios errors carry
          // the request headers (the token), so none is allowed to escape.
          validateStatus: () => true,
          responseType: 'text',
          transformResponse: (body: unknown) => body,
        });
      } catch (error) {
        signal?.throwIfAborted();
        if (tooLarge.signal.aborted || isTooLarge(error)) {
          throw new HttpError(`${where(method, path)}: the response is larger than ${MAX_RESPONSE_BYTES / 2 ** 20} MB`, {
            retryable: false,
          });
        }
        const code = typeof error === 'object' && error !== null && 'code' in error ? redact(String(error.code), sent) : 'network error';
        throw new HttpError(`${where(method, path)}: no response (${code})`, { retryable: true });
      } finally {
        tooLarge.unlink();
      }
    }
  }

  async function request(method: 'GET' | 'POST', path: string, requestOptions: RequestOptions = {}) {
    const sent: string[] = [];
    const response = await send(method, path, requestOptions, sent);
    if ((response.status >= 200 && response.status < 300) || requestOptions.accept?.includes(response.status)) return response;
    throw new HttpError(`${where(method, path)}: HTTP ${response.status}${serverSays(response.data, sent)}`, {
      status: response.status,
      retryable: RETRYABLE_STATUSES.has(response.status) || response.status >= 500,
      // Measured from the server's clock when it says the time: the player's may be far off.
      retryAfterMs: parseRetryAfter(response.headers['retry-after'], readHttpDate(response.headers.date) ?? Date.now()),
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
 * Whether the server refused the token. A 401 always does. Xsolla's SDKs take a 403 the same
 * way, but the Store API also answers 403 about other things (the player's region, the
 * project's setup) with an error code that says so: such a 403 is an answer, and refreshing or
 * giving up on a token the Events API goes on accepting would pause polling for nothing.
 */
function refusesToken(response: AxiosResponse<string>): boolean {
  if (response.status === 401) return true;
  if (response.status !== 403) return false;
  const code = storeErrorCode(response.data);
  return code === undefined || TOKEN_ERROR_CODES.has(code);
}

/**
 * The Store API's own error code (`errorCode`, or the one in its `[0401-1501]: …` message), if the
 * body has one. Its codes have four digits: a bare HTTP status in their place says nothing more.
 */
function storeErrorCode(body: unknown): number | undefined {
  if (typeof body !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { errorCode, errorMessage } = parsed as Record<string, unknown>;
  const written = typeof errorCode === 'number' || typeof errorCode === 'string' ? String(errorCode) : undefined;
  const code = written ?? (typeof errorMessage === 'string' ? /^\[\d{4}-(\d+)\]/.exec(errorMessage)?.[1] : undefined);
  return code !== undefined && /^\d{4}$/.test(code) ? Number(code) : undefined;
}

/** An axios error for a body past `maxContentLength` (or a request body past `maxBodyLength`). */
const isTooLarge = (error: unknown) => error instanceof Error && /maxContentLength|maxBodyLength/.test(error.message);

/** `text` without any of the `tokens` (as sent, or URL-encoded) or anything shaped like a JWT. */
function redact(text: string, tokens: readonly string[]): string {
  let redacted = text;
  for (const token of tokens) {
    for (const form of new Set([token, encodeURIComponent(token)])) redacted = redacted.split(form).join('[token]');
  }
  return redacted.replace(/[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '[token]');
}

/**
 * What the server said about a failure, for the error message: its `error.description` (or
 * `message`), else the start of the body; bounded, on one line, and never a token it was sent.
 */
function serverSays(body: unknown, tokens: readonly string[]): string {
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
  text = redact(text, tokens)
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim();
  if (text.length > MAX_SERVER_TEXT) text = `${text.slice(0, MAX_SERVER_TEXT)}…`;
  return text === '' ? '' : ` (${text})`;
}
