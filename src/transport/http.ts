/**
 * The Events API: list a player's unprocessed events, mark one processed. A GET is retried on
 * transient failures (see request.ts), unless the last GET failed that way too (then it is sent
 * once: the loop backs off); an ack is sent once (a failed one stays pending and the next drain
 * sends it again).
 */
import type { AxiosInstance } from 'axios';
import { HttpError } from '../errors';
import { createApi, readArray } from './request';
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

export function createTransport(options: TransportOptions): Transport {
  const api = createApi({ ...options, params: { project_id: options.projectId } });
  // Set when a GET failed even after its retries: the server is likely down, the loop's backoff
  // spaces the next tries, and retrying inside each of them would only multiply a fleet's load.
  let serverDown = false;
  return {
    async listEvents({ afterId, signal } = {}) {
      const params = afterId === undefined ? {} : { after_id: afterId };
      const retries = serverDown ? 0 : (options.retries ?? 3);
      const response = await api.getWithRetries('/events', { params, signal, retries }).catch((error: unknown) => {
        serverDown ||= error instanceof HttpError && error.retryable;
        throw error;
      });
      serverDown = false;
      return readArray(response.data, 'events', api.where('GET', '/events'));
    },
    async markProcessed(eventId, { signal } = {}) {
      const response = await api.request('POST', `/events/${eventId}/processed`, { signal, accept: [404] });
      return response.status === 404 ? 'gone' : 'acked';
    },
  };
}
