/** The library as a browser game ships it: built, minified (esbuild) and gzipped. */
import { build } from 'vite';
import { transform } from 'esbuild';
import { gzipSync } from 'node:zlib';

const RUNTIME_DEPENDENCIES = ['axios', 'idb-keyval', 'mitt', 'p-retry'];

async function gzippedBytes(external: string[]): Promise<number> {
  const output = await build({
    configFile: false,
    logLevel: 'silent',
    build: { write: false, minify: false, lib: { entry: 'src/index.ts', formats: ['es'], fileName: 'bench' }, rolldownOptions: { external } },
  });
  const chunks = (Array.isArray(output) ? output : [output]).flatMap((result) => ('output' in result ? result.output : []));
  const code = chunks.map((chunk) => ('code' in chunk ? chunk.code : '')).join('');
  const minified = (await transform(code, { minify: true, format: 'esm', target: 'es2022' })).code;
  return gzipSync(minified, { level: 9 }).length;
}

export async function benchSize() {
  return { ownGzipBytes: await gzippedBytes(RUNTIME_DEPENDENCIES), totalGzipBytes: await gzippedBytes([]) };
}
