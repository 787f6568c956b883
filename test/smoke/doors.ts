/**
 * What the smoke pages need: the two browser artefacts built from this repository's own build
 * config (into a folder of their own, so a concurrent `npm run build` cannot empty it), a static
 * server for the pages, and the emulator on ANOTHER origin (another port), so every Events API
 * request crosses origins and is preflighted, as it is against Xsolla.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { build } from 'vite';

const PAGES = join(import.meta.dirname, 'pages');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };

/** Builds the core IIFE and the browser ESM file with the modes `npm run build` uses; returns their folder. */
export async function buildBrowserArtefacts(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'xsolla-smoke-'));
  const configFile = resolve('vite.config.ts');
  for (const [mode, outDir] of [
    ['iife', dir],
    ['browser', join(dir, 'browser')],
  ] as const)
    await build({ configFile, configLoader: 'runner', mode, logLevel: 'warn', build: { outDir, emptyOutDir: false } });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Serves the pages and the built files from one origin; anything else is a 404. */
export async function servePages(artefacts: string): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://page').pathname;
    const file = path.endsWith('.html') ? join(PAGES, path) : join(artefacts, path);
    try {
      const body = readFileSync(file);
      response.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}
