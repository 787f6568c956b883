import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../src/emulator/cli-args';

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
});
