import { describe, expect, it } from 'vitest';
import { fullJitterDelay, parseRetryAfter, retryDelay } from '../src/schedule/backoff';
import { DEFAULT_CADENCE, nextPoll, resolveCadence } from '../src/schedule/cadence';

const policy = { baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 };

describe('backoff', () => {
  it('is a full-jitter draw under an exponential ceiling with a cap', () => {
    expect([0, 1, 2, 3, 10].map((attempt) => fullJitterDelay(attempt, policy, () => 0.999999))).toEqual([99, 199, 399, 799, 999]);
    expect(fullJitterDelay(5, policy, () => 0)).toBe(0);
  });
  it('honours Retry-After, and gives up inside the call when it is longer than allowed', () => {
    expect(retryDelay(0, 2000, policy)).toBe(2000);
    expect(retryDelay(0, 60_000, policy)).toBeUndefined();
  });
  it('reads Retry-After in seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 4000)).toBe(6000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
    expect(parseRetryAfter('-1', 0)).toBeUndefined();
  });
});

describe('when to poll next', () => {
  const fg = { visible: true, online: true, watching: false, consecutiveErrors: 0 };
  const slowHidden = { ...DEFAULT_CADENCE, hiddenIntervalMs: 600_000 };
  it('waits a minute in the foreground when nothing is watched', () => {
    expect(nextPoll(fg, DEFAULT_CADENCE)).toEqual({ delayMs: 60_000, status: 'waiting' });
  });
  it('polls every 800 ms while an order is watched, and for a while after the player comes back', () => {
    expect(nextPoll({ ...fg, watching: true }, DEFAULT_CADENCE)).toEqual({ delayMs: 800, status: 'waiting' });
    expect(nextPoll({ ...fg, sinceReturnMs: 3_000 }, DEFAULT_CADENCE)).toEqual({ delayMs: 800, status: 'waiting' });
    expect(nextPoll({ ...fg, sinceReturnMs: 16_000 }, DEFAULT_CADENCE)).toEqual({ delayMs: 60_000, status: 'waiting' });
  });
  it('pauses while hidden by default, or polls very slowly when configured to', () => {
    expect(nextPoll({ ...fg, visible: false, watching: true }, DEFAULT_CADENCE)).toEqual({ status: 'paused', reason: 'hidden' });
    expect(nextPoll({ ...fg, visible: false }, slowHidden)).toEqual({ delayMs: 600_000, status: 'waiting' });
    expect(nextPoll({ ...fg, visible: false, watching: true }, slowHidden)).toEqual({ delayMs: 800, status: 'waiting' });
  });
  it('pauses while offline, whatever else is true', () => {
    expect(nextPoll({ ...fg, online: false, watching: true, consecutiveErrors: 3 }, slowHidden)).toEqual({
      status: 'paused',
      reason: 'offline',
    });
  });
  it('backs off after errors, growing to the cap, and never sooner than Retry-After', () => {
    const top = () => 0.999999;
    expect(nextPoll({ ...fg, watching: true, consecutiveErrors: 1 }, DEFAULT_CADENCE, top)).toEqual({
      delayMs: 999,
      status: 'backing-off',
    });
    expect(nextPoll({ ...fg, watching: true, consecutiveErrors: 4 }, DEFAULT_CADENCE, top)).toMatchObject({ delayMs: 7999 });
    // An idle player starts from its usual minute: the transport's own retries covered the blip.
    expect(nextPoll({ ...fg, consecutiveErrors: 1 }, DEFAULT_CADENCE, top)).toMatchObject({ delayMs: 59_999 });
    expect(nextPoll({ ...fg, watching: true, consecutiveErrors: 30 }, DEFAULT_CADENCE, top)).toMatchObject({ delayMs: 59_999 });
    // An idle player's ceiling is twice its minute, so on average it asks no more often failing than healthy.
    expect(nextPoll({ ...fg, consecutiveErrors: 30 }, DEFAULT_CADENCE, top)).toMatchObject({ delayMs: 119_999 });
    expect(nextPoll({ ...fg, consecutiveErrors: 1, retryAfterMs: 20_000 }, DEFAULT_CADENCE, () => 0)).toEqual({
      delayMs: 20_000,
      status: 'backing-off',
    });
  });
});

describe('cadence options', () => {
  it('takes null for hiddenIntervalMs as "pause while hidden"', () => {
    expect(resolveCadence({ hiddenIntervalMs: null }).hiddenIntervalMs).toBeNull();
    expect(resolveCadence({ hiddenIntervalMs: 300_000 }).hiddenIntervalMs).toBe(300_000);
  });
  it('fills defaults field by field, an explicit undefined included', () => {
    expect(resolveCadence({ intervalMs: undefined, errorBackoff: { maxDelayMs: 5000 } })).toEqual({
      ...DEFAULT_CADENCE,
      errorBackoff: { ...DEFAULT_CADENCE.errorBackoff, maxDelayMs: 5000 },
    });
  });
  it.each([
    { intervalMs: 0 },
    { intervalMs: NaN },
    { watchIntervalMs: -1 },
    { intervalMs: '5000' as never },
    { errorBackoff: { baseDelayMs: Infinity } },
    { errorBackoff: { baseDelayMs: 0 } },
  ])('refuses %j, which would spin or stall the loop', (options) => {
    expect(() => resolveCadence(options)).toThrow(/cadence/);
  });
});

describe('a fleet after an outage (issue #13)', () => {
  it('a failing player waits, on average, at least half as long as a healthy one at first, then as long, whatever its cadence', () => {
    const fg = { visible: true, online: true, consecutiveErrors: 30 };
    const mean = (state: Parameters<typeof nextPoll>[0], cadence = DEFAULT_CADENCE) => {
      const draws = Array.from({ length: 101 }, (_, i) => {
        const decision = nextPoll(state, cadence, () => i / 101);
        return decision.status === 'paused' ? 0 : decision.delayMs;
      });
      return draws.reduce((sum, value) => sum + value, 0) / draws.length;
    };
    const slow = { ...DEFAULT_CADENCE, intervalMs: 600_000, hiddenIntervalMs: 3_600_000 };
    for (const [state, cadence, usual] of [
      [{ ...fg, watching: false }, DEFAULT_CADENCE, 60_000],
      [{ ...fg, watching: true }, DEFAULT_CADENCE, 800],
      [{ ...fg, watching: false }, slow, 600_000],
      [{ ...fg, visible: false, watching: false }, slow, 3_600_000],
    ] as const) {
      expect(mean(state, cadence)).toBeGreaterThanOrEqual(usual * 0.98);
      expect(mean({ ...state, consecutiveErrors: 1 }, cadence)).toBeGreaterThanOrEqual(Math.max(usual, 1000) * 0.49);
    }
  });
});

describe('while the order-status socket is healthy (issue #13)', () => {
  const fg = { visible: true, online: true, watching: false, consecutiveErrors: 0, pushHealthy: true };
  it('an idle foreground player polls every 5 minutes: the socket says when an order is paid', () => {
    expect(nextPoll(fg, DEFAULT_CADENCE)).toEqual({ status: 'waiting', delayMs: 300_000 });
    expect(nextPoll({ ...fg, pushHealthy: false }, DEFAULT_CADENCE)).toEqual({ status: 'waiting', delayMs: 60_000 });
    expect(nextPoll(fg, resolveCadence({ intervalMs: 900_000 }))).toEqual({ status: 'waiting', delayMs: 900_000 });
  });
  it('still watches fast, still pauses while hidden', () => {
    expect(nextPoll({ ...fg, watching: true }, DEFAULT_CADENCE)).toEqual({ status: 'waiting', delayMs: 800 });
    expect(nextPoll({ ...fg, visible: false }, DEFAULT_CADENCE)).toEqual({ status: 'paused', reason: 'hidden' });
  });
  it('takes pushIntervalMs as an option, checked like the others', () => {
    expect(resolveCadence({ pushIntervalMs: 120_000 }).pushIntervalMs).toBe(120_000);
    expect(() => resolveCadence({ pushIntervalMs: 0 })).toThrow('above 0');
  });
});
