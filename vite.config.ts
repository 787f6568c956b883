/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { playwright } from '@vitest/browser-playwright';

// Debian's chromium (apt-get install chromium); browsers cannot be downloaded here.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export default defineConfig({
  // Pre-bundled up front so browser tests are not reloaded mid-run by dependency discovery.
  optimizeDeps: { include: ['axios', 'idb-keyval', 'mitt', 'p-retry'] },
  build: {
    lib: {
      entry: { index: 'src/index.ts', emulator: 'src/emulator/index.ts' },
      formats: ['es'],
    },
    rolldownOptions: { external: [/^node:/, 'axios', 'idb-keyval', 'mitt', 'p-retry'] },
  },
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'node', environment: 'node', include: ['test/**/*.node.test.ts'] },
      },
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
    ],
  },
});
