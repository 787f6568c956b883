/**
 * Which Chromium the browser, e2e and smoke tests drive, found without a manual step:
 * `CHROMIUM_PATH`, then a Chrome or Chromium at the usual places, then Debian's `chromium`
 * installed through apt when we run as root (browsers cannot be downloaded from their vendors
 * here). With none of these, one line says what to run: the browser tests are never skipped.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where Chrome and Chromium live on Linux, macOS and Windows, most likely first. */
export const USUAL_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
];

/** Where apt puts Debian's chromium. */
const APT_CHROMIUM = '/usr/bin/chromium';

export interface Machine {
  env: Record<string, string | undefined>;
  executable(path: string): boolean;
  /** Root on a system with apt-get: Debian's chromium can be installed without asking anyone. */
  canAptInstall: boolean;
}

export type ChromiumChoice = { use: string } | { install: 'apt'; then: string } | { fail: string };

/** The decision alone, free of I/O, so every branch is tested with plain data. */
export function chooseChromium(machine: Machine): ChromiumChoice {
  const wanted = machine.env.CHROMIUM_PATH;
  if (wanted) {
    return machine.executable(wanted) ? { use: wanted } : { fail: `CHROMIUM_PATH=${wanted} is not an executable file: fix or unset it.` };
  }
  const found = USUAL_PATHS.find((path) => machine.executable(path));
  if (found) return { use: found };
  if (machine.canAptInstall) return { install: 'apt', then: APT_CHROMIUM };
  return {
    fail:
      'No Chrome or Chromium found for the browser tests: run `sudo apt-get install -y chromium` ' +
      '(Debian/Ubuntu) or set CHROMIUM_PATH=/path/to/chrome, then npm test again.',
  };
}

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

function thisMachine(): Machine {
  const root = process.getuid?.() === 0;
  return { env: process.env, executable, canAptInstall: root && executable('/usr/bin/apt-get') };
}

let chosen: string | undefined;

/** The Chromium to launch; installs Debian's the first time it is needed, when it may. */
export function chromiumPath(): string {
  if (chosen) return chosen;
  const choice = chooseChromium(thisMachine());
  if ('fail' in choice) {
    // Printed on its own as well: the runner's startup error wraps it in stack traces.
    process.stderr.write(`\n${choice.fail}\n\n`);
    throw new Error(choice.fail);
  }
  if ('install' in choice) {
    process.stderr.write("No Chrome or Chromium found: installing Debian's chromium with apt-get (about 30 s, once)...\n");
    const apt = (...args: string[]) =>
      execFileSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    // Test files launching in parallel wait for one another's install instead of failing on the lock.
    const waitForLock = ['-o', 'DPkg::Lock::Timeout=300'];
    apt('update', '-qq');
    apt('install', '-y', '-qq', ...waitForLock, 'chromium');
    if (!executable(choice.then)) throw new Error(`apt-get installed chromium, but ${choice.then} is missing: set CHROMIUM_PATH.`);
  }
  chosen = 'use' in choice ? choice.use : choice.then;
  return chosen;
}
