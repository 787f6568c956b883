/// <reference types="vitest/config" />
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { build, defineConfig, type Plugin, type UserConfig } from 'vite';
import { getUpdatesEmulator } from './src/emulator/vite';
import { VITEST_INSTANCES } from './test/setup/launch';

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

/** Builds that inline axios for pages get it without its fetch adapter: see src/transport/axios-fetch-absent.ts. */
const xhrOnlyAxios: Plugin = {
  name: 'axios-without-fetch',
  enforce: 'pre',
  resolveId: (source, importer) =>
    source === './fetch.js' && importer?.replaceAll('\\', '/').endsWith('/node_modules/axios/lib/adapters/adapters.js')
      ? resolve('src/transport/axios-fetch-absent.ts')
      : undefined,
};

/** A script-tag build: one file, dependencies inlined, the global `XsollaGetUpdates`. */
const iife = (name: string, resolve?: UserConfig['resolve']): UserConfig => ({
  resolve,
  plugins: [xhrOnlyAxios],
  build: {
    lib: { entry: 'src/index.ts', formats: ['iife'], name: 'XsollaGetUpdates', fileName: () => `${name}.js` },
    emptyOutDir: false,
    minify: true,
    sourcemap: true,
    license: { fileName: `${name}.licenses.md` },
  },
});

/** `npm run build` builds these modes in this order (the first empties dist/), then `rollUpTypes`. */
const BUILD_MODES = ['production', 'node', 'iife', 'iife-push', 'browser', 'demo'] as const;
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
    plugins: [xhrOnlyAxios],
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
    // Ceilings, not waits: every test waits for a condition, and on a busy 2-core machine a
    // condition that holds within milliseconds on a quiet one may take seconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    expect: { poll: { timeout: 30_000, interval: 20 } },
    projects: [
      { extends: true, test: { name: 'node', environment: 'node', include: ['test/**/*.node.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/**/*.browser.test.ts'],
          // Each engine is looked up (or installed) before a browser launches, so `--project node`
          // never needs one.
          globalSetup: ['test/setup/engines.global.ts', 'test/setup/emulator.global.ts'],
          browser: { enabled: true, headless: true, instances: VITEST_INSTANCES },
        },
      },
      {
        extends: true,
        test: {
          name: 'smoke',
          environment: 'node',
          include: ['test/smoke/**/*.smoke.test.ts'],
          globalSetup: ['test/setup/engines.global.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'e2e', environment: 'node', include: ['test/e2e/**/*.e2e.test.ts'], globalSetup: ['test/setup/engines.global.ts'] },
      },
    ],
  },
};

/** `npm run build` (`vite build --app --mode package`): every artefact of the package, in one process. */
const packageBuild: UserConfig = {
  ...builds.production,
  builder: {
    async buildApp(builder) {
      await builder.build(builder.environments.client!);
      for (const mode of BUILD_MODES.slice(1))
        await build({ configFile: resolve('vite.config.ts'), configLoader: 'runner', mode, logLevel: 'warn' });
      execFileSync(resolve('node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { stdio: 'inherit' });
      rollUpTypes({
        'dist/types/index.d.ts': 'dist/index.d.ts',
        'dist/types/emulator/index.d.ts': 'dist/emulator.d.ts',
        'dist/types/node/index.d.ts': 'dist/node.d.ts',
      });
      rmSync('dist/types', { recursive: true });
    },
  },
};

/**
 * tsc emits the declarations file by file; API Extractor rolls each entry's into one
 * self-contained .d.ts with no relative imports left, so the types resolve the same under
 * bundler, node16 and nodenext without `.js` endings in the sources (TS 7 has no JS API; API
 * Extractor brings its own TypeScript).
 */
function rollUpTypes(rollups: Record<string, string>) {
  // Required when needed (a CommonJS package): only `npm run build` pays for loading it.
  const { Extractor, ExtractorConfig, ExtractorLogLevel } = createRequire(import.meta.url)(
    '@microsoft/api-extractor',
  ) as typeof import('@microsoft/api-extractor');
  for (const [entry, rollup] of Object.entries(rollups)) {
    const config = ExtractorConfig.prepare({
      configObject: {
        projectFolder: resolve('.'),
        mainEntryPointFilePath: resolve(entry),
        // How the emitted declarations are read (the options of tsconfig.json that matter).
        compiler: {
          overrideTsconfig: {
            compilerOptions: {
              target: 'ES2022',
              module: 'ESNext',
              moduleResolution: 'bundler',
              lib: ['ES2022', 'DOM', 'DOM.Iterable'],
              types: ['node'],
              strict: true,
            },
            include: ['dist/types'],
          },
        },
        dtsRollup: { enabled: true, untrimmedFilePath: resolve(rollup) },
        apiReport: { enabled: false },
        docModel: { enabled: false },
        tsdocMetadata: { enabled: false },
        messages: {
          compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Error } },
          extractorMessageReporting: {
            default: { logLevel: ExtractorLogLevel.Error },
            // Release tags (@public, @beta) are an API Extractor convention this project does not use.
            'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None },
            // Internal types reachable from the public ones are inlined into the rollup, unexported.
            'ae-forgotten-export': { logLevel: ExtractorLogLevel.None },
          },
          tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
        },
      },
      configObjectFullPath: undefined,
      packageJsonFullPath: resolve('package.json'),
    });
    const result = Extractor.invoke(config, {
      localBuild: true,
      // It announces the TypeScript it brings on every run; that is expected here.
      messageCallback: (message) => void (message.messageId === 'console-compiler-version-notice' && (message.handled = true)),
    });
    if (!result.succeeded) throw new Error(`API Extractor could not roll up ${entry}: ${result.errorCount} errors`);
  }
}

export default defineConfig(({ command, mode }) => {
  if (mode === 'test') return tests;
  if (command === 'serve') return demoServer;
  if (mode === 'package') return packageBuild;
  return builds[mode as keyof typeof builds] ?? builds.production;
});
