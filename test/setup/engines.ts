/**
 * Which browsers the browser, e2e and smoke tests drive, found without a manual step: for each
 * program an engine needs, its environment variable, then the usual places, then Debian's
 * package installed through apt when we run as root (browsers cannot be downloaded from their
 * vendors here). With none of these, one line says what to run: a test is never skipped.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

/** The engines players use: Chrome and Edge, Firefox, and Safari (every browser on iOS). */
export const ENGINES = ['chromium', 'firefox', 'webkit'] as const;
export type Engine = (typeof ENGINES)[number];

export interface Program {
  /** What the one-line failure calls it. */
  label: string;
  /** Overrides the search when set. */
  variable: string;
  /** Most likely first. */
  paths: readonly string[];
  /** The Debian package that brings it. */
  apt: string;
}

const LIB = ['x86_64-linux-gnu', 'aarch64-linux-gnu'];

export const PROGRAMS = {
  chromium: {
    label: 'Chrome or Chromium',
    variable: 'CHROMIUM_PATH',
    paths: [
      '/usr/bin/chromium',
      '/usr/bin/chromium-browser',
      '/usr/bin/google-chrome',
      '/usr/bin/google-chrome-stable',
      '/snap/bin/chromium',
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
      'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
      'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
    ],
    apt: 'chromium',
  },
  // Playwright drives a stock Firefox over WebDriver BiDi (its `moz-firefox` channel).
  firefox: {
    label: 'Firefox',
    variable: 'FIREFOX_PATH',
    paths: [
      '/usr/bin/firefox-esr',
      '/usr/bin/firefox',
      '/snap/bin/firefox',
      '/Applications/Firefox.app/Contents/MacOS/firefox',
      'C:\\Program Files\\Mozilla Firefox\\firefox.exe',
    ],
    apt: 'firefox-esr',
  },
  // WebKitGTK: its WebDriver drives the MiniBrowser it ships, in an X display of its own.
  webkitDriver: { label: 'WebKitWebDriver', variable: 'WEBKIT_DRIVER_PATH', paths: ['/usr/bin/WebKitWebDriver'], apt: 'webkit2gtk-driver' },
  miniBrowser: {
    label: "WebKitGTK's MiniBrowser",
    variable: 'WEBKIT_BROWSER_PATH',
    paths: LIB.map((triplet) => `/usr/lib/${triplet}/webkit2gtk-4.1/MiniBrowser`),
    apt: 'webkit2gtk-driver',
  },
  xvfb: { label: 'Xvfb', variable: 'XVFB_PATH', paths: ['/usr/bin/Xvfb'], apt: 'xvfb' },
} as const satisfies Record<string, Program>;
export type ProgramName = keyof typeof PROGRAMS;

export const NEEDS = {
  chromium: ['chromium'],
  firefox: ['firefox'],
  webkit: ['webkitDriver', 'miniBrowser', 'xvfb'],
} as const satisfies Record<Engine, readonly ProgramName[]>;
export type EnginePrograms<E extends Engine> = Record<(typeof NEEDS)[E][number], string>;

export interface Machine {
  env: Record<string, string | undefined>;
  executable(path: string): boolean;
  /** Root on a system with apt-get: Debian's packages can be installed without asking anyone. */
  canAptInstall: boolean;
}

export type EngineChoice<E extends Engine = Engine> = { use: EnginePrograms<E> } | { install: string[] } | { fail: string };

/** The decision alone, free of I/O, so every branch is tested with plain data. */
export function chooseEngine<E extends Engine>(engine: E, machine: Machine): EngineChoice<E> {
  const found: Record<string, string> = {};
  const missing: Program[] = [];
  for (const name of NEEDS[engine]) {
    const program: Program = PROGRAMS[name];
    const wanted = machine.env[program.variable];
    if (wanted && !machine.executable(wanted)) return { fail: `${program.variable}=${wanted} is not an executable file: fix or unset it.` };
    const path = wanted || program.paths.find((candidate) => machine.executable(candidate));
    if (path) found[name] = path;
    else missing.push(program);
  }
  if (missing.length === 0) return { use: found as EnginePrograms<E> };
  const packages = [...new Set(missing.map((program) => program.apt))];
  if (machine.canAptInstall) return { install: packages };
  return {
    fail:
      `No ${missing.map((program) => program.label).join(', ')} found for the ${engine} tests: ` +
      `run \`sudo apt-get install -y ${packages.join(' ')}\` (Debian/Ubuntu) or set ` +
      `${missing.map((program) => `${program.variable}=/path/to/it`).join(' ')}, then npm test again.`,
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

const chosen = new Map<Engine, Record<string, string>>();

/** The programs `engine` runs with; installs Debian's the first time they are needed, when it may. */
export function enginePrograms<E extends Engine>(engine: E): EnginePrograms<E> {
  const known = chosen.get(engine);
  if (known) return known as EnginePrograms<E>;
  let choice = chooseEngine(engine, thisMachine());
  if ('install' in choice) {
    process.stderr.write(`No ${engine} found: installing Debian's ${choice.install.join(' ')} with apt-get (about 30 s, once)...\n`);
    aptInstall(choice.install);
    choice = chooseEngine(engine, thisMachine());
    if ('install' in choice)
      choice = { fail: `apt-get installed ${choice.install.join(' ')}, but the ${engine} programs are still missing.` };
  }
  if ('fail' in choice) {
    // Printed on its own as well: the runner's startup error wraps it in stack traces.
    process.stderr.write(`\n${choice.fail}\n\n`);
    throw new Error(choice.fail);
  }
  chosen.set(engine, choice.use);
  return choice.use;
}

/**
 * What Debian's browsers only recommend and the tests need: a font to lay out text with, and
 * Mesa's software renderer for WebKitGTK under Xvfb. Nothing else recommended is installed.
 */
const ALSO = ['fonts-liberation', 'libgl1-mesa-dri'];

function aptInstall(packages: string[]) {
  const apt = (...args: string[]) =>
    execFileSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  // Test files launching in parallel wait for one another's install instead of failing on the lock.
  const waitForLock = ['-o', 'DPkg::Lock::Timeout=300'];
  apt('update', '-qq', ...waitForLock);
  apt('install', '-y', '-qq', '--no-install-recommends', ...waitForLock, ...packages, ...ALSO);
}
