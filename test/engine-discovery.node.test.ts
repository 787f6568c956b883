import { describe, expect, it } from 'vitest';
import { chooseEngine, PROGRAMS, type Machine } from './setup/engines';

const machine = (installed: string[], overrides: Partial<Machine> = {}): Machine => ({
  env: {},
  executable: (path) => installed.includes(path),
  canAptInstall: false,
  ...overrides,
});

const DEBIAN_WEBKIT = ['/usr/bin/WebKitWebDriver', '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', '/usr/bin/Xvfb'];

describe('finding the browsers for the browser, smoke and e2e tests', () => {
  it('takes the variable first, even when a usual path has one', () => {
    expect(chooseEngine('chromium', machine(['/opt/chrome', '/usr/bin/chromium'], { env: { CHROMIUM_PATH: '/opt/chrome' } }))).toEqual({
      use: { chromium: '/opt/chrome' },
    });
    expect(chooseEngine('firefox', machine(['/opt/ff/firefox'], { env: { FIREFOX_PATH: '/opt/ff/firefox' } }))).toEqual({
      use: { firefox: '/opt/ff/firefox' },
    });
  });

  it('fails on a variable that is not executable rather than guessing another', () => {
    const choice = chooseEngine('chromium', machine(['/usr/bin/chromium'], { env: { CHROMIUM_PATH: '/nope' }, canAptInstall: true }));
    expect(choice).toEqual({ fail: expect.stringContaining('CHROMIUM_PATH=/nope') });
    expect(chooseEngine('webkit', machine(DEBIAN_WEBKIT, { env: { XVFB_PATH: '/nope' }, canAptInstall: true }))).toEqual({
      fail: expect.stringContaining('XVFB_PATH=/nope'),
    });
  });

  it('uses an installed browser at a usual path, the most likely first', () => {
    expect(chooseEngine('chromium', machine(['/usr/bin/google-chrome-stable']))).toEqual({
      use: { chromium: '/usr/bin/google-chrome-stable' },
    });
    expect(chooseEngine('chromium', machine(['/usr/bin/google-chrome', '/usr/bin/chromium']))).toEqual({
      use: { chromium: '/usr/bin/chromium' },
    });
    for (const path of PROGRAMS.chromium.paths) expect(chooseEngine('chromium', machine([path]))).toEqual({ use: { chromium: path } });
    expect(chooseEngine('firefox', machine(['/usr/bin/firefox', '/usr/bin/firefox-esr']))).toEqual({
      use: { firefox: '/usr/bin/firefox-esr' },
    });
  });

  it('needs all three programs for WebKit: its WebDriver, the MiniBrowser and Xvfb', () => {
    expect(chooseEngine('webkit', machine(DEBIAN_WEBKIT))).toEqual({
      use: { webkitDriver: DEBIAN_WEBKIT[0], miniBrowser: DEBIAN_WEBKIT[1], xvfb: DEBIAN_WEBKIT[2] },
    });
    const arm = ['/usr/bin/WebKitWebDriver', '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser', '/usr/bin/Xvfb'];
    expect(chooseEngine('webkit', machine(arm))).toMatchObject({ use: { miniBrowser: arm[1] } });
  });

  it("installs Debian's packages through apt when something is missing and it may (root, apt-get), only what is missing", () => {
    expect(chooseEngine('chromium', machine([], { canAptInstall: true }))).toEqual({ install: ['chromium'] });
    expect(chooseEngine('firefox', machine([], { canAptInstall: true }))).toEqual({ install: ['firefox-esr'] });
    expect(chooseEngine('webkit', machine([], { canAptInstall: true }))).toEqual({ install: ['webkit2gtk-driver', 'xvfb'] });
    expect(chooseEngine('webkit', machine(DEBIAN_WEBKIT.slice(0, 2), { canAptInstall: true }))).toEqual({ install: ['xvfb'] });
  });

  it('otherwise fails with one line that says what to run, never a silent skip', () => {
    const chromium = chooseEngine('chromium', machine([]));
    expect(chromium).toEqual({ fail: expect.stringMatching(/^No Chrome or Chromium found.*apt-get install -y chromium.*CHROMIUM_PATH/) });
    const webkit = chooseEngine('webkit', machine(['/usr/bin/Xvfb']));
    expect(webkit).toEqual({
      fail: expect.stringMatching(/WebKitWebDriver, WebKitGTK's MiniBrowser.*apt-get install -y webkit2gtk-driver`.*WEBKIT_DRIVER_PATH/),
    });
    for (const choice of [chromium, webkit, chooseEngine('firefox', machine([]))])
      expect((choice as { fail: string }).fail).not.toContain('\n');
  });
});
