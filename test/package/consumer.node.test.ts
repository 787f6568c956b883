/**
 * The package as a game developer gets it (issue #11, item 7): built, packed, and installed from
 * its tarball into two fresh projects, a Node game and a browser game, then type-checked,
 * required, run and linted there. Build, pack and install happen once; each check is its own
 * test, and a failing one prints what the tool said.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_GAME, consumerTsconfig, NODE_GAME, type Resolution } from './consumer-programs';
import { describeRun, run, start, type Finished } from './processes';

const repo = resolve(import.meta.dirname, '../..');
const repoBin = (name: string) => join(repo, 'node_modules', '.bin', name);
// What a TypeScript Node project installs beside the package (`ws` is not: the emulator inlines it).
const NODE_GAME_EXTRAS = ['@types/node@20.19.43'];
const DURABLE_PLAYER = 'sigkill-player'; // the userId test/package/fixtures/buy-and-die.mjs buys for

let work: string;
let tarball: string;
let nodeGame: string;
let browserGame: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'xsolla-consumer-'));
  // `npm test` has just built dist/; run alone, this test builds it.
  if (process.env.npm_lifecycle_event !== 'test') await succeed('npm run build', run('npm', ['run', 'build'], repo));
  await succeed('npm pack', run('npm', ['pack', '--pack-destination', work], repo));
  const packed = readdirSync(work).find((file) => file.endsWith('.tgz'));
  tarball = join(work, packed!);
  [nodeGame, browserGame] = await Promise.all([newProject('node-game', NODE_GAME_EXTRAS), newProject('browser-game', [])]);
  cpSync(join(import.meta.dirname, 'fixtures'), nodeGame, { recursive: true });
}, 180_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the installed package type-checks with skipLibCheck false', { timeout: 60_000 }, () => {
  it.each<Resolution>(['bundler', 'node16', 'nodenext'])(
    'a Node game using all three entries, under moduleResolution %s',
    async (resolution) => {
      writeFileSync(join(nodeGame, 'game.ts'), NODE_GAME);
      const config = `tsconfig.${resolution}.json`;
      writeFileSync(join(nodeGame, config), consumerTsconfig({ resolution, lib: ['ES2022', 'DOM'], types: ['node'], file: 'game.ts' }));
      const checked = await run(repoBin('tsc'), ['-p', config, '--pretty', 'false'], nodeGame);
      expect(checked.code, describeRun(`tsc (${resolution})`, checked)).toBe(0);
    },
  );

  it('a browser game importing only xsolla-getupdates, with DOM types, no Node types and no vite', async () => {
    writeFileSync(join(browserGame, 'game.ts'), BROWSER_GAME);
    const tsconfig = consumerTsconfig({ resolution: 'bundler', lib: ['ES2022', 'DOM', 'DOM.Iterable'], types: [], file: 'game.ts' });
    writeFileSync(join(browserGame, 'tsconfig.json'), tsconfig);
    const checked = await run(repoBin('tsc'), ['-p', 'tsconfig.json', '--pretty', 'false'], browserGame);
    expect(checked.code, describeRun('tsc (browser game)', checked)).toBe(0);
  });
});

describe('what a browser game installs and ships', { timeout: 60_000 }, () => {
  it('installing the package alone brings in neither ws nor vite (Node-only, for the emulator)', () => {
    const installed = ['ws', 'vite'].filter((name) => existsSync(join(browserGame, 'node_modules', name)));
    expect(installed, `npm install <tarball> alone installed: ${installed.join(', ')}`).toEqual([]);
  });

  it('the page builds carry axios with its XHR adapter and without the fetch adapter a page never reaches', () => {
    const dist = join(browserGame, 'node_modules', 'xsolla-getupdates', 'dist');
    for (const build of ['xsolla-getupdates.iife.js', 'xsolla-getupdates-push.iife.js', 'browser/xsolla-getupdates.js']) {
      const code = readFileSync(join(dist, build), 'utf8');
      expect(code, build).toContain('XMLHttpRequest');
      // Strings of axios's fetch adapter alone: its request options and its response type check.
      expect(code, build).not.toMatch(/fetchOptions|Response type '/);
    }
  });

  it('the tarball holds a LICENSE, the README and the builds, and no demo', async () => {
    const listed = await run('tar', ['-tzf', tarball], work);
    expect(listed.code, describeRun('tar -tzf', listed)).toBe(0);
    const files = listed.output.split('\n').filter(Boolean);
    expect(files).toEqual(expect.arrayContaining(['package/LICENSE', 'package/README.md', 'package/package.json']));
    expect(files).toEqual(expect.arrayContaining(['package/dist/index.js', 'package/dist/emulator.js', 'package/dist/node.js']));
    expect(files.filter((file) => /demo/i.test(file))).toEqual([]);
  });
});

describe('the installed package at run time', { timeout: 60_000 }, () => {
  it('require() loads every entry from a CommonJS file', async () => {
    const required = await run(process.execPath, ['require-all.cjs'], nodeGame);
    expect(required.code, describeRun('node require-all.cjs', required)).toBe(0);
    expect(lastJsonLine(required.output), required.output).toEqual({
      createGetUpdatesClient: 'function',
      GetUpdatesError: 'function',
      DEFAULT_BASE_URL: 'https://getupdate.xsolla.com',
      startEmulator: 'function',
      nodeIndexedDB: 'function',
    });
  });

  it('npx xsolla-getupdates-emulator --port 0 --project 123456 prints a URL and a token that work there', async () => {
    // A project id other than the default, so the flag is seen to be honoured (GET /events answers 400 for another one).
    const cli = start('npx', ['--no', '--', 'xsolla-getupdates-emulator', '--port', '0', '--project', '123456'], nodeGame);
    try {
      const [url] = await cli.waitFor(/http:\/\/(?:127\.0\.0\.1|localhost):\d+/);
      const [token] = await cli.waitFor(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
      expect(new URL(url).port, `--port 0 should pick a free port:\n${cli.output()}`).not.toMatch(/^(0|8787)$/);
      const { sub: userId } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string };

      const bought = await fetch(`${url}/__emulator/purchase`, {
        method: 'POST',
        body: JSON.stringify({ userId, items: [{ sku: 'gold', quantity: 100 }] }),
      });
      expect(bought.status, await bought.text()).toBe(200);
      const events = await fetch(`${url}/events?project_id=123456`, { headers: { authorization: `Bearer ${token}` } });
      const body = await events.text();
      expect(events.status, `GET /events: ${body}\n${cli.output()}`).toBe(200);
      expect((JSON.parse(body) as { events: unknown[] }).events.length, body).toBeGreaterThan(0);
    } finally {
      await cli.kill();
    }
  });

  it('a purchase acked just before a SIGKILL is in the next process’s nodeIndexedDB ledger, and the server holds nothing unprocessed', async () => {
    const { startEmulator } = await importInstalled<typeof import('../../src/emulator/index')>('xsolla-getupdates/emulator');
    const emulator = await startEmulator({ port: 0 });
    try {
      const args = [emulator.url, String(emulator.projectId), join(work, 'saves')];
      const game = start(process.execPath, ['buy-and-die.mjs', 'buy', ...args], nodeGame);
      try {
        await game.waitFor(/^ACKED .*$/m);
      } finally {
        const killed = await game.kill();
        expect(killed.signal, killed.output).toBe('SIGKILL');
      }
      const events = emulator.state(DURABLE_PLAYER).events;
      expect(events.length).toBeGreaterThan(0);
      expect(events.filter((event) => !event.processed)).toEqual([]);

      const next = await run(process.execPath, ['buy-and-die.mjs', 'read', ...args], nodeGame);
      expect(next.code, describeRun('the next process', next)).toBe(0);
      expect(lastJsonLine(next.output), next.output).toEqual({ gold: 100, fetched: 0 });
    } finally {
      await emulator.close();
    }
  });
});

describe('package linters', { timeout: 60_000 }, () => {
  // Run from the temporary directory, so that no config file in this repository can mute a rule.
  it('publint --strict finds nothing', async () => {
    const linted = await run(repoBin('publint'), ['run', tarball, '--strict'], work);
    expect(linted.code, describeRun('publint --strict', linted)).toBe(0);
    expect(linted.output, describeRun('publint --strict', linted)).not.toMatch(/Suggestions?:|Warnings?:|Errors?:/);
  });

  it('attw --profile esm-only finds nothing', async () => {
    const checked = await run(repoBin('attw'), [tarball, '--profile', 'esm-only', '--format', 'ascii', '--no-color', '--no-emoji'], work);
    expect(checked.code, describeRun('attw --profile esm-only', checked)).toBe(0);
  });
});

/** Throws with the command's output unless it succeeded. */
async function succeed(what: string, running: Promise<Finished>): Promise<void> {
  const finished = await running;
  if (finished.code !== 0) throw new Error(describeRun(what, finished));
}

/** A fresh npm project with the tarball (and `extras`) installed, as a game developer would. */
async function newProject(name: string, extras: string[]): Promise<string> {
  const directory = join(work, name);
  mkdirSync(directory);
  writeFileSync(join(directory, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  const args = ['install', tarball, ...extras, '--prefer-offline', '--no-audit', '--no-fund'];
  await succeed(`npm install in ${name}`, run('npm', args, directory));
  return directory;
}

/** Imports `specifier` as the Node game resolves it, from the installed package. */
async function importInstalled<Module>(specifier: string): Promise<Module> {
  const script = 'console.log(import.meta.resolve(process.argv[1]))';
  const resolved = await run(process.execPath, ['--input-type=module', '-e', script, specifier], nodeGame);
  expect(resolved.code, describeRun(`resolving ${specifier}`, resolved)).toBe(0);
  return (await import(lastLine(resolved.output))) as Module;
}

function lastLine(output: string): string {
  return output.trim().split('\n').at(-1) ?? '';
}

/** The JSON a fixture printed last, or that line as it is. */
function lastJsonLine(output: string): unknown {
  const line = lastLine(output);
  try {
    return JSON.parse(line);
  } catch {
    return line;
  }
}
