import { describe, expect, it } from 'vitest';
import { chooseChromium, USUAL_PATHS, type Machine } from './setup/chromium';

const machine = (installed: string[], overrides: Partial<Machine> = {}): Machine => ({
  env: {},
  executable: (path) => installed.includes(path),
  canAptInstall: false,
  ...overrides,
});

describe('finding a Chromium for the browser tests', () => {
  it('takes CHROMIUM_PATH first, even when a usual path has one', () => {
    expect(chooseChromium(machine(['/opt/chrome', '/usr/bin/chromium'], { env: { CHROMIUM_PATH: '/opt/chrome' } }))).toEqual({
      use: '/opt/chrome',
    });
  });

  it('fails on a CHROMIUM_PATH that is not executable rather than guessing another', () => {
    const choice = chooseChromium(machine(['/usr/bin/chromium'], { env: { CHROMIUM_PATH: '/nope' }, canAptInstall: true }));
    expect(choice).toEqual({ fail: expect.stringContaining('CHROMIUM_PATH=/nope') });
  });

  it('uses an installed Chrome or Chromium at a usual path, the most likely first', () => {
    expect(chooseChromium(machine(['/usr/bin/google-chrome-stable']))).toEqual({ use: '/usr/bin/google-chrome-stable' });
    expect(chooseChromium(machine(['/usr/bin/google-chrome', '/usr/bin/chromium']))).toEqual({ use: '/usr/bin/chromium' });
    for (const path of USUAL_PATHS) expect(chooseChromium(machine([path]))).toEqual({ use: path });
  });

  it("installs Debian's chromium through apt when nothing is found and it may (root, apt-get)", () => {
    expect(chooseChromium(machine([], { canAptInstall: true }))).toEqual({ install: 'apt', then: '/usr/bin/chromium' });
  });

  it('otherwise fails with one line that says what to run, never a silent skip', () => {
    const choice = chooseChromium(machine([]));
    expect(choice).toEqual({ fail: expect.stringMatching(/apt-get install -y chromium.*CHROMIUM_PATH/) });
    expect((choice as { fail: string }).fail).not.toContain('\n');
  });
});
