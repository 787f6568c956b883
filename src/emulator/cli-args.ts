/** The command line of `xsolla-getupdates-emulator`, read into options, and its error lines (pure: no I/O). */
import { parseArgs } from 'node:util';

export const USAGE = `usage: xsolla-getupdates-emulator [--port 8787] [--project 308077] [--user demo-player]
  --port     the port on 127.0.0.1 (0 picks a free one)
  --project  the Xsolla project id the emulator serves
  --user     the player whose ready token is printed`;

export type CliCommand = { help: true } | { help: false; port: number; projectId: number; userId: string };

/** The flags that take a value, with their defaults (also the examples in error lines). */
const DEFAULTS = { port: '8787', project: '308077', user: 'demo-player' };
const FLAG_LIST = '--port, --project, --user or --help';

/** Throws an Error whose message is one line that says what to do, when the arguments cannot be used. */
export function parseCliArgs(args: string[]): CliCommand {
  // Not strict: Node's own messages span lines and say nothing of what to do instead.
  const { tokens } = parseArgs({
    args,
    strict: false,
    tokens: true,
    options: {
      port: { type: 'string' },
      project: { type: 'string' },
      user: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const values = { ...DEFAULTS };
  let help = false;
  for (const token of tokens) {
    if (token.kind === 'positional') throw new Error(`unexpected argument "${token.value}": every value follows its flag (${FLAG_LIST})`);
    if (token.kind !== 'option') continue;
    if (token.name === 'help') {
      if (token.value !== undefined) throw new Error(`${token.rawName} takes no value`);
      help = true;
    } else if (Object.hasOwn(DEFAULTS, token.name)) {
      const name = token.name as keyof typeof DEFAULTS;
      // `--user --port 1` reads "--port" as the player; a flag is never meant as a value.
      if (token.value === undefined || (!token.inlineValue && /^-[^\d]/.test(token.value)))
        throw new Error(`--${name} needs a value, e.g. --${name} ${DEFAULTS[name]}`);
      values[name] = token.value;
    } else {
      throw new Error(`unknown flag ${token.rawName}: use ${FLAG_LIST}`);
    }
  }
  if (help) return { help: true };
  if (values.user === '') throw new Error(`--user must name a player, e.g. --user ${DEFAULTS.user}`);
  return {
    help: false,
    port: integerIn('--port', values.port, 0, 65_535, ' (0 picks a free one)'),
    projectId: integerIn('--project', values.project, 1, Number.MAX_SAFE_INTEGER),
    userId: values.user,
  };
}

function integerIn(flag: string, text: string, min: number, max: number, hint = ''): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) throw new Error(`${flag} must be an integer from ${min} to ${max}${hint}, not "${text}"`);
  return value;
}

/** The line for a port the emulator could not listen on (busy, privileged, or not this host's). */
export function listenFailure(error: unknown, port: number): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const instead = 'start it with another --port, or --port 0 to pick a free one';
  if (code === 'EADDRINUSE') return `port ${port} is in use: ${instead}`;
  if (code === 'EACCES') return `port ${port} needs privileges here: ${instead}`;
  if (typeof code === 'string' && code.startsWith('E')) return `cannot listen on port ${port} (${code}): ${instead}`;
  return undefined;
}
