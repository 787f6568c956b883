import { vi } from 'vitest';

/**
 * Waits until `check` passes (returns, or resolves, without throwing), asking every 10 ms. The
 * ceiling is generous on purpose: what takes milliseconds on a quiet machine can take seconds on
 * a busy 2-core one, and a test waits for a condition, never for a time.
 */
export const eventually = <T>(check: () => T | Promise<T>, ceilingMs = 30_000): Promise<T> =>
  vi.waitFor(check, { timeout: ceilingMs, interval: 10 });
