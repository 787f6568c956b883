/** A game's Node process over a save directory (test/fixtures/node-crash-child.ts), driven line by line. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

export interface GameProcessOptions {
  projectId: string;
  baseUrl: string;
  token: string;
  userId: string;
  directory: string;
  /** `poll` drains at once, `read` prints the gold balance and exits; none waits for commands. */
  mode?: 'poll' | 'read';
}

/** What the process printed for one command: the command's result, or the error it failed with. */
export type Answer = Record<string, unknown> & { error?: { name: string; reason?: string; message: string } };

export function startGame(options: GameProcessOptions) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, '..', 'fixtures', 'node-crash-child.ts'), JSON.stringify(options)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let printed = '';
  let line = '';
  let stderr = '';
  const answers: Answer[] = [];
  const waiting: Array<(answer: Answer) => void> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    printed += chunk;
    line += chunk;
    for (let end = line.indexOf('\n'); end >= 0; end = line.indexOf('\n')) {
      const answer = JSON.parse(line.slice(0, end)) as Answer;
      line = line.slice(end + 1);
      const resolve = waiting.shift();
      if (resolve) resolve(answer);
      else answers.push(answer);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const exited = once(child, 'exit');
  const output = () => `${printed}\n${stderr}`;

  /** The next answer, or a failure when the process ends or stays silent far too long. */
  function next(): Promise<Answer> {
    const ready = answers.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the game process did not answer: ${output()}`)), 30_000);
      waiting.push((answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      void exited.then(() => reject(new Error(`the game process exited: ${output()}`)));
    });
  }

  return {
    child,
    exited,
    output,
    next,
    /** Runs `command` (`balance`, `poll`, `close`) in the process and resolves with its answer. */
    send(command: 'balance' | 'poll' | 'close'): Promise<Answer> {
      child.stdin.write(`${command}\n`);
      return next();
    },
    /** Ends the process (it exits as a game quits, without closing its client). */
    async exit() {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin.write('exit\n');
        await exited;
      }
    },
  };
}
