/**
 * `npm run build`: every artefact of the package, in one process. The Vite builds (modes in
 * vite.config.ts, in order: the first empties dist/), then the type declarations: tsc emits them
 * file by file, and API Extractor rolls each entry's into one self-contained .d.ts. A rollup has
 * no relative imports left, so the types resolve the same under bundler, node16 and nodenext,
 * without `.js` endings in the sources (TS 7 has no JS API; API Extractor brings its own TypeScript).
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { Extractor, ExtractorConfig, ExtractorLogLevel, type IConfigFile } from '@microsoft/api-extractor';
import { build } from 'vite';
import { BUILD_MODES } from '../vite.config';

/** Each entry's declarations, as tsc emits them, and the rollup the package's `exports` name. */
const TYPE_ENTRIES = {
  'dist/types/index.d.ts': 'dist/index.d.ts',
  'dist/types/emulator/index.d.ts': 'dist/emulator.d.ts',
  'dist/types/node/index.d.ts': 'dist/node.d.ts',
};

/** How API Extractor reads the emitted declarations (the options of tsconfig.json that matter). */
const DECLARATIONS_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'bundler',
    lib: ['ES2022', 'DOM', 'DOM.Iterable'],
    types: ['node'],
    strict: true,
  },
  include: ['dist/types'],
};

for (const mode of BUILD_MODES) await build({ configFile: resolve('vite.config.ts'), configLoader: 'runner', mode, logLevel: 'warn' });

execFileSync(resolve('node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { stdio: 'inherit' });
for (const [emitted, rollup] of Object.entries(TYPE_ENTRIES)) rollUpTypes(emitted, rollup);
rmSync('dist/types', { recursive: true });

function rollUpTypes(entry: string, rollup: string) {
  const configObject: IConfigFile = {
    projectFolder: resolve('.'),
    mainEntryPointFilePath: resolve(entry),
    compiler: { overrideTsconfig: DECLARATIONS_TSCONFIG },
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
  };
  const config = ExtractorConfig.prepare({ configObject, configObjectFullPath: undefined, packageJsonFullPath: resolve('package.json') });
  const result = Extractor.invoke(config, {
    localBuild: true,
    // It announces the TypeScript it brings on every run; that is expected here (TS 7 has no JS API).
    messageCallback: (message) => void (message.messageId === 'console-compiler-version-notice' && (message.handled = true)),
  });
  if (!result.succeeded) throw new Error(`API Extractor could not roll up ${entry}: ${result.errorCount} errors`);
}
