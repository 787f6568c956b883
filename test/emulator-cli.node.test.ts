import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCliArgs, USAGE } from '../src/emulator/cli-args';

describe('xsolla-getupdates-emulator command line', () => {
  it('starts on 8787 for project 308077 when given nothing, as the quickstart says', () => {
    expect(parseCliArgs([])).toEqual({ help: false, port: 8787, projectId: 308077, userId: 'demo-player' });
  });

  it('takes --port, --project and --user, in either spelling', () => {
    expect(parseCliArgs(['--port', '0', '--project=42', '--user', 'alice'])).toEqual({
      help: false,
      port: 0,
      projectId: 42,
      userId: 'alice',
    });
  });

  it('refuses a port or project that is not a usable integer, naming the flag', () => {
    expect(() => parseCliArgs(['--port', '8o87'])).toThrow(/--port must be an integer/);
    expect(() => parseCliArgs(['--port', '70000'])).toThrow(/--port/);
    expect(() => parseCliArgs(['--project', '0'])).toThrow(/--project/);
    expect(() => parseCliArgs(['--project', '-5'])).toThrow();
  });

  it('refuses unknown flags instead of ignoring a typo', () => {
    expect(() => parseCliArgs(['--prot', '1'])).toThrow(/--prot/);
  });

  it('answers --help', () => {
    expect(parseCliArgs(['--help'])).toEqual({ help: true });
  });

  it.each([
    [['--user', ''], /--user/],
    [['--user='], /--user/],
    [['--user'], /--user needs a value/],
    [['--user', '--port', '1'], /--user needs a value/],
    [['--port'], /--port needs a value/],
    [['--port', ''], /--port must be an integer/],
    [['--port', '-1'], /--port must be an integer/],
    [['--port', '65536'], /--port must be an integer/],
    [['--port', '1.5'], /--port must be an integer/],
    [['--project'], /--project needs a value/],
    [['--project', ''], /--project must be an integer/],
    [['--project', 'abc'], /--project must be an integer/],
    [['--prot', '1'], /unknown flag --prot/],
    [['-x'], /unknown flag -x/],
    [['--help=yes'], /--help takes no value/],
    [['8787'], /unexpected argument "8787"/],
  ])('refuses %j with one line that says what to do', (args, reason) => {
    let message = '';
    try {
      parseCliArgs(args);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(reason);
    expect(message).not.toContain('\n');
  });
});

const CLI = resolve('src/emulator/cli.ts');
const TSX = resolve('node_modules/.bin/tsx');

/** Runs the CLI to its end (an error exits at once) and reports what it printed and its exit code. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(TSX, [CLI, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

/** An error line, then the usage: no stack trace, exit code 2. */
function expectUsageError({ code, stderr }: { code: number | null; stderr: string }, reason: RegExp) {
  const [line, ...rest] = stderr.trimEnd().split('\n');
  expect(line).toMatch(reason);
  expect(rest.join('\n')).toBe(USAGE);
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(code).toBe(2);
}

describe('running xsolla-getupdates-emulator', { timeout: 120_000 }, () => {
  it('an empty --user prints one line and the usage, with exit code 2, not a stack trace', async () => {
    expectUsageError(await runCli(['--user', '', '--port', '0']), /--user/);
  });

  it('a bad flag prints one line and the usage, with exit code 2', async () => {
    expectUsageError(await runCli(['--port', 'eighty']), /--port must be an integer/);
    expectUsageError(await runCli(['--prot', '1']), /unknown flag --prot/);
  });

  it('a port another program holds says to pick another --port or --port 0, with exit code 2, not a stack trace', async () => {
    const holder: Server = createServer();
    await new Promise<void>((listening) => holder.listen(0, '127.0.0.1', listening));
    const { port } = holder.address() as { port: number };
    try {
      expectUsageError(await runCli(['--port', String(port)]), new RegExp(`port ${port} is in use.*--port 0`));
    } finally {
      holder.close();
    }
  });
});
