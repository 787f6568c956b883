/**
 * WebKitGTK under test: an X display of its own (Xvfb: the MiniBrowser has no headless mode)
 * and WebKitWebDriver on a free port, started when a test needs them and stopped by pid, so two
 * test runs on one machine never share a display, a port or a profile. One driver holds one
 * session (one MiniBrowser, one profile) at a time: a second profile needs a second driver.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { enginePrograms } from './engines';

export interface Display {
  /** DISPLAY's value, such as `:1`. */
  name: string;
  stop(): Promise<void>;
}

export interface WebKitDriver {
  /** Where WebdriverIO reaches the driver. */
  endpoint: { hostname: string; port: number; path: string };
  /** What a new session asks for: the MiniBrowser, classic WebDriver (WebKitGTK has no BiDi). */
  capabilities: Record<string, unknown>;
  stop(): Promise<void>;
}

/** Xvfb on the first free display: `-displayfd` makes it pick one and write its number once it accepts clients. */
export async function startDisplay(): Promise<Display> {
  const xvfb = startGroup(enginePrograms('webkit').xvfb, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp']);
  try {
    const number = await firstLine(xvfb.child.stdio[3] as Readable, xvfb.child, 'Xvfb');
    return { name: `:${number.trim()}`, stop: xvfb.stop };
  } catch (error) {
    await xvfb.stop();
    throw error;
  }
}

export interface WebKitOptions {
  /**
   * WebKit's popup blocker (its `JavaScriptCanOpenWindowsAutomatically` setting off): `window.open`
   * works only inside a click. On by default, as in Safari.
   */
  popupBlocking?: boolean;
}

/** WebKitWebDriver on `display` (its own Xvfb when none is given); `stop()` ends what it started and removes its files. */
export async function startWebKitDriver(display?: Display, { popupBlocking = true }: WebKitOptions = {}): Promise<WebKitDriver> {
  const programs = enginePrograms('webkit');
  const ownDisplay = display ? undefined : await startDisplay();
  // The browser's files (and any profile data it keeps) live here, not in the user's home.
  const home = mkdtempSync(join(tmpdir(), 'xsolla-webkit-'));
  const stopAll = async (driver?: Started) => {
    await driver?.stop();
    await ownDisplay?.stop();
    rmSync(home, { recursive: true, force: true });
  };
  const env = {
    DISPLAY: (display ?? ownDisplay)!.name,
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CACHE_HOME: join(home, 'cache'),
  };
  try {
    const { port, driver } = await startDriver(programs.webkitDriver, env);
    return {
      endpoint: { hostname: '127.0.0.1', port, path: '/' },
      capabilities: {
        'webkitgtk:browserOptions': {
          binary: programs.miniBrowser,
          // The MiniBrowser takes any WebKitSettings property as a switch, in automation mode too.
          args: ['--automation', `--javascript-can-open-windows-automatically=${!popupBlocking}`],
        },
        'wdio:enforceWebDriverClassic': true,
      },
      stop: () => stopAll(driver),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The driver on a port that was free a moment ago; another try if it was taken meanwhile. */
async function startDriver(path: string, env: Record<string, string>): Promise<{ port: number; driver: Started }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const driver = startGroup(path, [`--port=${port}`, '--host=local'], env);
    for (let waited = 0; waited < 30_000 && driver.running(); waited += 50) {
      if (await answers(`http://127.0.0.1:${port}/status`)) return { port, driver };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await driver.stop();
    if (attempt === 3) throw new Error(`WebKitWebDriver did not start (three tries, the last on port ${port})`);
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

interface Started {
  child: ChildProcess;
  running(): boolean;
  stop(): Promise<void>;
}

/**
 * A child in a process group of its own: stopping the group also stops what it started (the
 * driver's MiniBrowser and its web processes). The group is killed too if this process exits first.
 */
function startGroup(path: string, args: string[], env: Record<string, string> = {}): Started {
  const child = spawn(path, args, { detached: true, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const running = () => child.exitCode === null && child.signalCode === null;
  const signal = (name: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, name);
    } catch {
      // already gone
    }
  };
  const onExit = () => running() && signal('SIGKILL');
  process.once('exit', onExit);
  return {
    child,
    running,
    async stop() {
      process.off('exit', onExit);
      if (!running()) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      signal('SIGTERM');
      const kill = setTimeout(() => signal('SIGKILL'), 5000);
      await exited;
      clearTimeout(kill);
    },
  };
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
