/** A Vite dev server on loopback with the emulator's plugin mounted, as `npm run demo` runs it. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'vite';
import type { Emulator, EmulatorOptions } from '../../src/emulator';
import { getUpdatesEmulator } from '../../src/emulator/vite';

/** Runs `use` with the dev server's origin and its mounted emulator, then closes the server. */
export async function withEmulatorOnVite(use: (origin: string, emulator: Emulator) => Promise<void>, options: EmulatorOptions = {}) {
  const plugin = getUpdatesEmulator(options);
  const vite = await createServer({
    configFile: false,
    root: mkdtempSync(join(tmpdir(), 'emulator-vite-')),
    logLevel: 'silent',
    plugins: [plugin],
    optimizeDeps: { noDiscovery: true },
    server: { host: '127.0.0.1', port: 0, strictPort: false, ws: false },
  });
  try {
    await vite.listen();
    await use(vite.resolvedUrls!.local[0]!.replace(/\/$/, ''), plugin.emulator()!);
  } finally {
    await vite.close();
  }
}
