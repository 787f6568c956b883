/** The demo served by Vite, with the emulator mounted on the same origin. */
import { resolve } from 'node:path';
import { createServer, type Plugin } from 'vite';

export interface DemoHarness {
  origin: string;
  /** Calls an emulator admin endpoint on the demo's origin. */
  admin<T = unknown>(path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

/** `plugins` join the demo's own (one with `enforce: 'pre'` sees each request before the emulator does). */
export async function startDemo(plugins: Plugin[] = []): Promise<DemoHarness> {
  const server = await createServer({
    configFile: resolve('vite.config.ts'),
    configLoader: 'runner',
    mode: 'development',
    logLevel: 'error',
    server: { port: 0, strictPort: false },
    plugins,
  });
  await server.listen();
  const origin = server.resolvedUrls!.local[0]!.replace(/\/$/, '');
  return {
    origin,
    async admin<T>(path: string, body?: unknown) {
      const response = await fetch(
        `${origin}/__emulator/${path}`,
        body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) },
      );
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
      return (await response.json()) as T;
    },
    close: () => server.close(),
  };
}

export interface EmulatorState {
  events: Array<{ id: number; processed: boolean; data: unknown }>;
  orders: Array<{ orderId: string; mode: string; refunded: boolean; items: Array<{ sku: string; quantity: number }> }>;
}
