/** The command line of `xsolla-getupdates-emulator`, read into options (pure: no I/O). */
import { parseArgs } from 'node:util';

export const USAGE = `usage: xsolla-getupdates-emulator [--port 8787] [--project 308077] [--user demo-player]
  --port     the port on 127.0.0.1 (0 picks a free one)
  --project  the Xsolla project id the emulator serves
  --user     the player whose ready token is printed`;

export type CliCommand = { help: true } | { help: false; port: number; projectId: number; userId: string };

/** Throws an Error with a one-line reason when the arguments cannot be used. */
export function parseCliArgs(args: string[]): CliCommand {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      port: { type: 'string', default: '8787' },
      project: { type: 'string', default: '308077' },
      user: { type: 'string', default: 'demo-player' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return { help: true };
  return {
    help: false,
    port: integerIn('--port', values.port, 0, 65_535),
    projectId: integerIn('--project', values.project, 1, Number.MAX_SAFE_INTEGER),
    userId: values.user,
  };
}

function integerIn(flag: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) throw new Error(`${flag} must be an integer from ${min} to ${max}, not "${text}"`);
  return value;
}
