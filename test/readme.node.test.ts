/**
 * The README tells the truth where a check can tell: its TypeScript examples compile as written,
 * under `tsc --strict`, against the package's own types (the lines a newcomer copies must not fail
 * on the first try), and its table of build sizes is the build's.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** Each ```ts block of the README, with the line it starts on. */
const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((match) => ({
  code: match[1]!,
  line: readme.slice(0, match.index).split('\n').length + 1,
}));

/** What the examples leave to the game: its own login, player and reward code. */
const GAME = `
declare function getPlayerJwt(): Promise<string>;
declare const player: { id: string };
declare const orderId: string;
declare const login: { jwt(): Promise<string> };
declare const game: { events: { emit(name: string, ...args: unknown[]): void } };
declare function showReward(items: readonly { sku: string; quantity: number }[]): void;
declare function takeBack(items: readonly { sku: string; quantity: number }[]): void;
declare function showProgress(orderId: string, status: string): void;
declare function unlock(sku: string, quantity: number): void;
declare function lock(sku: string): void;
`;

const work = mkdtempSync(join(tmpdir(), 'readme-examples-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the README', () => {
  it('has TypeScript examples to check', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });

  it('every TypeScript example compiles under tsc --strict with its own imports', async () => {
    writeFileSync(join(work, 'game.d.ts'), GAME);
    const files = blocks.map(({ code, line }) => {
      const file = `readme-line-${line}.ts`;
      // `export {}` makes each example a module of its own, as it would be in a game.
      writeFileSync(join(work, file), `${code}\nexport {};\n`);
      return file;
    });
    const config = {
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'bundler',
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        // The emulator's sources use Node's types; the examples themselves are browser code.
        types: ['node'],
        typeRoots: [join(root, 'node_modules/@types')],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        paths: {
          'xsolla-getupdates': [join(root, 'src/index.ts')],
          'xsolla-getupdates/emulator': [join(root, 'src/emulator/index.ts')],
          'xsolla-getupdates/node': [join(root, 'src/node/index.ts')],
        },
      },
      files: ['game.d.ts', ...files],
    };
    writeFileSync(join(work, 'tsconfig.json'), JSON.stringify(config));
    const tsc = join(root, 'node_modules/.bin/tsc');
    const output = await promisify(execFile)(tsc, ['-p', work, '--pretty', 'false']).then(
      () => '',
      (failure: { stdout?: string }) => failure.stdout ?? String(failure),
    );
    // Name the README line of each failing example.
    expect(
      output.replaceAll(/\S*readme-line-(\d+)\.ts\((\d+)/g, (_, start, at) => `README.md line ${Number(start) + Number(at) - 1}`),
    ).toBe('');
  }, 60_000);
});

/** The files each row of the Set up table measures, keyed by the row's first file; one list per figure. */
const MEASURED: Record<string, string[][]> = {
  'dist/index.js': [['dist/index.js']],
  'dist/xsolla-getupdates.iife.js': [['dist/xsolla-getupdates.iife.js']],
  'dist/xsolla-getupdates-push.iife.js': [['dist/xsolla-getupdates-push.iife.js']],
  'dist/browser/xsolla-getupdates.js': [['dist/browser/xsolla-getupdates.js'], ['dist/browser/xsolla-getupdates-order-status.js']],
  'dist/emulator.js': [['dist/emulator.js', 'dist/chunks/server-*.js']],
  'dist/node.js': [['dist/node.js']],
};

/** The files a path names, `*` standing for any part of a file name (Node 20 has no fs.glob). */
const filesAt = (pattern: string) => {
  const name = new RegExp(`^${basename(pattern).replaceAll('.', '\\.').replaceAll('*', '.*')}$`);
  return readdirSync(join(root, dirname(pattern)))
    .filter((file) => name.test(file))
    .map((file) => join(root, dirname(pattern), file));
};

/** Gzipped size in KB (1000 bytes, as size-limit counts), at size-limit's level. */
const gzippedKB = (patterns: string[]) =>
  patterns.flatMap(filesAt).reduce((sum, file) => sum + gzipSync(readFileSync(file), { level: 9 }).length, 0) / 1000;

describe('the README', () => {
  it("the Set up table's sizes are the build's, within half a KB", () => {
    // `npm test` builds before it tests; run alone, this needs `npm run build` first.
    expect(existsSync(join(root, 'dist/index.js')), 'dist/ is missing: run `npm run build` first').toBe(true);
    const table = readme.slice(readme.indexOf('## Set up'), readme.indexOf('## The demo'));
    const rows = table.split('\n').filter((line) => line.startsWith('| `dist/'));
    const stated = Object.fromEntries(
      rows.map((row) => {
        const cells = row.split('|').map((cell) => cell.trim());
        const figures = [...cells.at(-2)!.matchAll(/([\d.]+) KB/g)].map((match) => Number(match[1]));
        return [/`([^`]+)`/.exec(cells[1]!)![1]!, figures];
      }),
    );
    const measured = Object.fromEntries(
      Object.entries(MEASURED).map(([row, figures]) => [row, figures.map((patterns) => Math.round(gzippedKB(patterns) * 10) / 10)]),
    );
    expect(Object.keys(stated)).toEqual(expect.arrayContaining(Object.keys(MEASURED)));
    for (const [row, figures] of Object.entries(measured)) {
      expect(stated[row], `${row}: the README says ${stated[row]?.join(' + ')} KB, the build gives ${figures.join(' + ')} KB`).toHaveLength(
        figures.length,
      );
      figures.forEach((figure, i) =>
        expect(Math.abs(stated[row]![i]! - figure), `${row}: README ${stated[row]![i]} KB, build ${figure} KB`).toBeLessThanOrEqual(0.5),
      );
    }
  });
});
