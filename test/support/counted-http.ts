/**
 * An axios instance that counts the client's requests, so a test on a virtual clock can tell when
 * what a timer started has finished. `onRequest` sees each request first: it may count it by
 * route, answer it (by setting `config.adapter`) or throw to fail it.
 */
import axios, { type InternalAxiosRequestConfig } from 'axios';
import { expect } from 'vitest';
import { eventually } from './eventually';

const realSleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function countedHttp(onRequest: (config: InternalAxiosRequestConfig) => InternalAxiosRequestConfig = (config) => config) {
  const http = axios.create();
  const requests = { total: 0, inflight: 0 };
  http.interceptors.request.use((config) => {
    requests.total++;
    requests.inflight++; // a request `onRequest` fails still passes through the response interceptor below
    return onRequest(config);
  });
  http.interceptors.response.use(
    (response) => (requests.inflight--, response),
    (error: unknown) => {
      requests.inflight--;
      throw error;
    },
  );
  /**
   * Settled when no request is in flight, a few real milliseconds in a row; not before the first
   * request, which waits for the save (the token is checked against its player).
   */
  const settle = async () => {
    await eventually(() => expect(requests.total).toBeGreaterThan(0));
    for (let calm = 0; calm < 3; calm = requests.inflight === 0 ? calm + 1 : 0) await realSleep(1);
  };
  return { http, requests, settle };
}
