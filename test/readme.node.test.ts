/**
 * The README's TypeScript examples compile as written, under `tsc --strict`, against the
 * package's own types: the lines a newcomer copies must not fail on the first try.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
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
