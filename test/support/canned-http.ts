/** An axios instance that answers some requests itself instead of sending them to a server. */
import axios, { type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';

/** Requests for which `answer` returns a response get it (200 and an empty body by default); others go out. */
export function cannedHttp(answer: (config: InternalAxiosRequestConfig) => Partial<AxiosResponse> | undefined) {
  const http = axios.create();
  http.interceptors.request.use((config) => {
    const canned = answer(config);
    if (canned) config.adapter = async () => ({ status: 200, statusText: '', headers: {}, data: '', config, ...canned });
    return config;
  });
  return http;
}
