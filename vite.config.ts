/// <reference types="vitest/config" />
import { defineConfig, type UserConfig } from 'vite';
import { playwright } from '@vitest/browser-playwright';
import { getUpdatesEmulator } from './src/emulator/vite';
import { CHROMIUM_ARGS, chromiumPath } from './test/setup/chromium';

// Found (or installed) on first launch only: `npm run demo` and `npm run build` never look for it.
export { CHROMIUM_ARGS, chromiumPath } from './test/setup/chromium';

/** What the library imports in a page; the emulator adds `ws` (Node only). */
const BROWSER_DEPENDENCIES = ['axios', 'idb-keyval', 'mitt', 'p-retry', 'centrifuge'];

/** `npm run demo`: the demo page with the emulator mounted on the same origin. */
const demoServer: UserConfig = { root: 'demo', plugins: [getUpdatesEmulator()], server: { port: 5173 } };

/** `npm run build`, step by step: library (ESM), script-tag bundle, static demo. */
const builds: Record<string, UserConfig> = {
  production: {
    build: {
      lib: { entry: { index: 'src/index.ts', emulator: 'src/emulator/index.ts', node: 'src/node/index.ts' }, formats: ['es'] },
      rolldownOptions: { external: [/^node:/, /^fake-indexeddb/, 'vite', 'ws', ...BROWSER_DEPENDENCIES] },
    },
  },
  // One self-contained file (dependencies inlined) for engines that load plain <script> tags.
  iife: {
    build: {
      lib: { entry: 'src/index.ts', formats: ['iife'], name: 'XsollaGetUpdates', fileName: () => 'xsolla-getupdates.iife.js' },
      emptyOutDir: false,
    },
  },
  demo: { root: 'demo', base: './', build: { outDir: '../dist/demo', emptyOutDir: true } },
};

const tests: UserConfig = {
  // Pre-bundled up front so browser tests are not reloaded mid-run by dependency discovery.
  optimizeDeps: { include: BROWSER_DEPENDENCIES },
  test: {
    projects: [
      { extends: true, test: { name: 'node', environment: 'node', include: ['test/**/*.node.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/**/*.browser.test.ts'],
          globalSetup: ['test/setup/emulator.global.ts'],
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: {
                // Read when the browser launches, so `--project node` never needs a Chromium.
                get executablePath() {
                  return chromiumPath();
                },
                args: CHROMIUM_ARGS,
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
      {
        extends: true,
        test: { name: 'e2e', environment: 'node', include: ['test/e2e/**/*.e2e.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
      },
    ],
  },
};

export default defineConfig(({ command, mode }) => {
  if (mode === 'test') return tests;
  if (command === 'serve') return demoServer;
  return builds[mode] ?? builds.production!;
});
