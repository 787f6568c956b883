/**
 * Child processes for the consumer test: commands that run to the end, and servers or games
 * that run until the test stops them. Output comes back whole, so a failing check can print
 * exactly what the tool said.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr interleaved, without npm's harmless nodedir warning. */
  output: string;
}

export interface Running {
  child: ChildProcess;
  exited: Promise<Finished>;
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects if the process ends first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** SIGKILLs the process and everything it started (npx starts node in turn). */
  kill(): Promise<Finished>;
}

// This machine's npm config sets nodedir, which npm 11 no longer knows: every npm command warns.
const NPM_NOISE = /^npm warn Unknown user config "nodedir".*\n?/gm;

// Under `npm test`, npm passes its own npm_* settings down; the temporary projects must not
// inherit them (they would describe this repository, not the fresh project).
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));

/** Starts `command` in `cwd`, in its own process group. */
export function start(command: string, args: string[], cwd: string): Running {
  const child = spawn(command, args, { cwd, env: cleanEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const clean = () => output.replace(NPM_NOISE, '');
  const exited = new Promise<Finished>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, output: clean() }));
  });

  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = clean().match(pattern);
        if (!match) return;
        listeners.delete(check);
        resolve(match);
      };
      listeners.add(check);
      check();
      void exited.then(
        (finished) =>
          reject(
            new Error(
              `\`${command} ${args.join(' ')}\` ended (${finished.code ?? finished.signal}) before printing ${pattern}:\n${finished.output}`,
            ),
          ),
        reject,
      );
    });

  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    return exited;
  };
  return { child, exited, output: clean, waitFor, kill };
}

/** Runs `command` in `cwd` to its end. */
export function run(command: string, args: string[], cwd: string): Promise<Finished> {
  return start(command, args, cwd).exited;
}

/** What a failed check prints: the command's exit and everything it said. */
export function describeRun(what: string, finished: Finished): string {
  return `${what} exited with ${finished.code ?? finished.signal}:\n${finished.output}`;
}
