/**
 * WebKitGTK under test: an X display of its own (Xvfb: the MiniBrowser has no headless mode)
 * and WebKitWebDriver on a free port, started when a test needs them and stopped by pid, so two
 * test runs on one machine never share a display, a port or a profile.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { enginePrograms } from './engines';

export interface WebKitDriver {
  /** Where WebdriverIO reaches the driver. */
  endpoint: { hostname: string; port: number; path: string };
  /** What a new session asks for: the MiniBrowser, classic WebDriver (WebKitGTK has no BiDi). */
  capabilities: Record<string, unknown>;
  stop(): Promise<void>;
}

/** Starts Xvfb and WebKitWebDriver; `stop()` ends both and removes their files. */
export async function startWebKitDriver(): Promise<WebKitDriver> {
  const programs = enginePrograms('webkit');
  // The browser's files (and any profile data it keeps) live here, not in the user's home.
  const home = mkdtempSync(join(tmpdir(), 'xsolla-webkit-'));
  const started: ChildProcess[] = [];
  const stopAll = async () => {
    for (const child of started.reverse()) await stopGroup(child);
    rmSync(home, { recursive: true, force: true });
  };
  const onExit = () => started.forEach((child) => signalGroup(child, 'SIGKILL'));
  process.once('exit', onExit);
  try {
    // -displayfd: Xvfb takes the first free display and writes its number once it accepts clients.
    const xvfb = spawnGroup(programs.xvfb, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {}, started);
    const display = (await firstLine(xvfb.stdio[3] as Readable, xvfb, 'Xvfb')).trim();
    const env = { DISPLAY: `:${display}`, HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_CACHE_HOME: join(home, 'cache') };
    const port = await startDriver(programs.webkitDriver, env, started);
    return {
      endpoint: { hostname: '127.0.0.1', port, path: '/' },
      capabilities: {
        'webkitgtk:browserOptions': { binary: programs.miniBrowser, args: ['--automation'] },
        'wdio:enforceWebDriverClassic': true,
      },
      async stop() {
        process.off('exit', onExit);
        await stopAll();
      },
    };
  } catch (error) {
    process.off('exit', onExit);
    await stopAll();
    throw error;
  }
}

/** WebKitWebDriver on a port that was free a moment ago; another try if it was taken meanwhile. */
async function startDriver(path: string, env: Record<string, string>, started: ChildProcess[]): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const driver = spawnGroup(path, [`--port=${port}`, '--host=local'], env, started);
    const exited = new Promise<void>((resolve) => driver.once('exit', () => resolve()));
    for (let waited = 0; waited < 30_000; waited += 50) {
      if (driver.exitCode !== null || driver.signalCode !== null) break;
      if (await answers(`http://127.0.0.1:${port}/status`)) return port;
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 50))]);
    }
    await stopGroup(driver);
    if (attempt === 3) throw new Error(`WebKitWebDriver did not start on port ${port} (three tries)`);
  }
}

const answers = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(2000) }).then(
    (response) => response.ok,
    () => false,
  );

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A child in a process group of its own, so that stopping it also stops what it started (the MiniBrowser). */
function spawnGroup(path: string, args: string[], env: Record<string, string>, started: ChildProcess[]): ChildProcess {
  const child = spawn(path, args, { detached: true, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  started.push(child);
  return child;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function stopGroup(child: ChildProcess) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  signalGroup(child, 'SIGTERM');
  const killed = setTimeout(() => signalGroup(child, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(killed);
}

function firstLine(stream: Readable, child: ChildProcess, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n')));
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready`)));
  });
}
