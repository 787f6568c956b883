/// <reference types="vitest/config" />
import { resolve } from 'node:path';
import { defineConfig, type UserConfig } from 'vite';
import { playwright } from '@vitest/browser-playwright';
import { getUpdatesEmulator } from './src/emulator/vite';

// Debian's chromium (apt-get install chromium); browsers cannot be downloaded here.
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** What the library imports in a page; the emulator adds `ws` (Node only). */
const BROWSER_DEPENDENCIES = ['axios', 'idb-keyval', 'mitt', 'p-retry', 'centrifuge'];
/** What the ESM library leaves to the game's bundler: its npm dependencies. */
const RUNTIME_DEPENDENCIES = ['axios', 'idb-keyval', 'mitt', 'p-retry'];

/** `npm run demo`: the demo page with the emulator mounted on the same origin. */
const demoServer: UserConfig = { root: 'demo', plugins: [getUpdatesEmulator()], server: { port: 5173 } };

/**
 * The order-status client (centrifuge's self-contained ESM build) is inlined as a chunk of its
 * own, loaded on first use, with a stable name (a Construct project's copy keeps working).
 */
const orderStatusChunk = (name: string, others: string) => (chunk: { moduleIds: string[] }) =>
  chunk.moduleIds.some((id) => id.includes('/node_modules/centrifuge/')) ? name : others;

/** A script-tag build: one file, dependencies inlined, the global `XsollaGetUpdates`. */
const iife = (name: string, resolve?: UserConfig['resolve']): UserConfig => ({
  resolve,
  build: {
    lib: { entry: 'src/index.ts', formats: ['iife'], name: 'XsollaGetUpdates', fileName: () => `${name}.js` },
    emptyOutDir: false,
    minify: true,
    sourcemap: true,
    license: { fileName: `${name}.licenses.md` },
  },
});

/** `npm run build` (scripts/build.ts) runs these modes in this order: the first empties dist/. */
export const BUILD_MODES = ['production', 'node', 'iife', 'iife-push', 'browser', 'demo'] as const;
const builds: Record<(typeof BUILD_MODES)[number], UserConfig> = {
  // dist/index.js: the ESM library for bundlers, readable (error classes keep their names), its
  // npm dependencies left as imports.
  production: {
    build: {
      lib: { entry: { index: 'src/index.ts' }, formats: ['es'] },
      minify: false,
      sourcemap: true,
      license: { fileName: 'index.licenses.md' },
      rolldownOptions: {
        external: RUNTIME_DEPENDENCIES,
        output: { chunkFileNames: orderStatusChunk('chunks/order-status.js', 'chunks/[name]-[hash].js') },
      },
    },
  },
  // dist/emulator.js, dist/emulator-cli.js, dist/node.js: Node only. `ws` is inlined, so that a
  // browser game never installs it and the packaged CLI runs with nothing but the package.
  node: {
    ssr: { noExternal: ['ws'] },
    build: {
      ssr: true,
      emptyOutDir: false,
      minify: false,
      sourcemap: true,
      license: { fileName: 'emulator.licenses.md' },
      rolldownOptions: {
        input: { emulator: 'src/emulator/index.ts', 'emulator-cli': 'src/emulator/cli.ts', node: 'src/node/index.ts' },
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
      },
    },
  },
  // The core script-tag build leaves the order-status client out: see src/push/centrifuge-absent.ts.
  iife: iife('xsolla-getupdates.iife', { alias: [{ find: /^centrifuge$/, replacement: resolve('src/push/centrifuge-absent.ts') }] }),
  'iife-push': iife('xsolla-getupdates-push.iife'),
  // dist/browser/: one ESM file with no bare imports (Construct 3, import maps), and the
  // order-status client beside it.
  browser: {
    build: {
      outDir: 'dist/browser',
      lib: { entry: { 'xsolla-getupdates': 'src/index.ts' }, formats: ['es'] },
      sourcemap: true,
      license: { fileName: 'licenses.md' },
      rolldownOptions: {
        // Vite keeps whitespace in ES libraries for their users' tree-shaking; these files are final.
        output: { minify: true, chunkFileNames: orderStatusChunk('xsolla-getupdates-order-status.js', 'xsolla-getupdates-[name].js') },
      },
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
            provider: playwright({ launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS } }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
      {
        extends: true,
        test: { name: 'smoke', environment: 'node', include: ['test/smoke/**/*.smoke.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
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
  return builds[mode as keyof typeof builds] ?? builds.production;
});
