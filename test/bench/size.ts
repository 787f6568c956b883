/** The library as a browser game ships it: built, minified (esbuild) and gzipped. */
import { build } from 'vite';
import { transform } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const RUNTIME_DEPENDENCIES = ['axios', 'idb-keyval', 'mitt', 'p-retry', 'centrifuge'];

/** Gzipped bytes of the entry chunk, and of the chunks loaded on demand (the push channel). */
async function gzippedBytes(external: string[]): Promise<{ entry: number; lazy: number }> {
  const output = await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: { entry: 'src/index.ts', formats: ['es'], fileName: 'bench' },
      rolldownOptions: { external },
    },
  });
  const chunks = (Array.isArray(output) ? output : [output]).flatMap((result) => ('output' in result ? result.output : []));
  const sizes = { entry: 0, lazy: 0 };
  for (const chunk of chunks) {
    if (chunk.type !== 'chunk') continue;
    const minified = (await transform(chunk.code, { minify: true, format: 'esm', target: 'es2022' })).code;
    sizes[chunk.isEntry ? 'entry' : 'lazy'] += gzipSync(minified, { level: 9 }).length;
  }
  return sizes;
}

export async function benchSize() {
  const own = await gzippedBytes(RUNTIME_DEPENDENCIES);
  const total = await gzippedBytes([]);
  return { ownGzipBytes: own.entry, totalGzipBytes: total.entry, pushChannelGzipBytes: total.lazy };
}

/** The shipped builds (issue #11's names), gzipped as served: null for a build that does not exist yet. */
export const ARTEFACTS = {
  iifeCoreGzipBytes: 'dist/xsolla-getupdates.iife.js',
  iifePushGzipBytes: 'dist/xsolla-getupdates-push.iife.js',
  esmBrowserGzipBytes: 'dist/browser/xsolla-getupdates.js',
  distIndexGzipBytes: 'dist/index.js',
} as const;

export function artefactSizes(): Record<keyof typeof ARTEFACTS, number | null> {
  const gzipped = (path: string) => (existsSync(path) ? gzipSync(readFileSync(path), { level: 9 }).length : null);
  return Object.fromEntries(Object.entries(ARTEFACTS).map(([key, path]) => [key, gzipped(path)])) as Record<
    keyof typeof ARTEFACTS,
    number | null
  >;
}
