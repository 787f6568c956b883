/**
 * Mounts the emulator on a Vite dev server, so the page, the Events API, the Store API
 * (`/v2/...`) and the `/__emulator/*` admin endpoints share one origin (no CORS, one URL
 * to open).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { answerFailure, pathnameOf } from './http';
import { ORDER_STATUS_PATH } from './order-status';
import { startEmulator, type Emulator, type EmulatorOptions } from './server';

/** The Events API, the Store API (all of `/v2/`; `storeUrl` = the page's origin), Pay Station and the admin endpoints. */
const EMULATED_PATHS = /^\/(events(\/|\?|$)|v2\/|paystation4\/|__emulator\/)/;

/**
 * The parts of Vite's dev server the plugin uses. Typed here rather than imported from `vite`,
 * so that the emulator's types do not make every user install Vite; a `ViteDevServer` fits it.
 */
export interface DevServerLike {
  middlewares: { use(handler: (request: IncomingMessage, response: ServerResponse, next: () => void) => void): unknown };
  httpServer: {
    on(event: 'upgrade', listener: (request: IncomingMessage, socket: Duplex, head: Buffer) => void): unknown;
    once(event: 'close', listener: () => void): unknown;
  } | null;
  config: { logger: { info(message: string): void } };
}

/** A Vite plugin (it fits Vite's `Plugin` type) that also hands out its running emulator. */
export interface EmulatorVitePlugin {
  name: string;
  apply: 'serve';
  configureServer(server: DevServerLike): Promise<void>;
  emulator(): Emulator | undefined;
}

export function getUpdatesEmulator(options: EmulatorOptions = {}): EmulatorVitePlugin {
  let emulator: Emulator | undefined;
  return {
    name: 'xsolla-getupdates-emulator',
    apply: 'serve',
    emulator: () => emulator,
    async configureServer(server) {
      const started = await startEmulator(options);
      emulator = started;
      // Guarded here as well as inside: a throw in a listener of Vite's server ends `npm run demo`.
      server.middlewares.use((request, response, next) => {
        try {
          if (EMULATED_PATHS.test(request.url ?? '')) started.handle(request, response);
          else next();
        } catch (error) {
          answerFailure(response, error);
        }
      });
      // The order-status WebSocket shares the origin too; Vite's own HMR socket is left alone.
      server.httpServer?.on('upgrade', (request, socket, head) => {
        if (pathnameOf(request.url) === ORDER_STATUS_PATH) started.handleUpgrade(request, socket, head);
      });
      server.httpServer?.once('close', () => void started.close());
      server.config.logger.info(
        `  GetUpdates emulator: project ${started.projectId}, mounted at /events, /v2/*, /paystation4/ and /__emulator/* (also on ${started.url})`,
      );
    },
  };
}
