/**
 * The browser's Storage API as the library uses it, with plain stand-ins for what engines do:
 * no `navigator.storage` at all (WebKitGTK without its flag), one that throws or rejects (private
 * windows), one whose persist() waits on a permission prompt nobody answers (Firefox headless).
 */
import { describe, expect, it } from 'vitest';
import { estimateStorage, PERSIST_PROMPT_MS, persistStorage, STORAGE_ANSWER_MS } from '../src/store/storage-manager';
import { flush, VirtualClock } from './support/virtual-clock';

type Manager = Pick<StorageManager, 'persist' | 'persisted' | 'estimate'>;
const never = () => new Promise<never>(() => {});
const answering: Manager = {
  persist: async () => true,
  persisted: async () => true,
  estimate: async () => ({ usage: 2048, quota: 1 << 30 }),
};

/** Settles `promise` on the virtual clock, running its timers up to `ms` from now. */
async function within<T>(clock: VirtualClock, ms: number, promise: Promise<T>): Promise<T> {
  let settled = false;
  void promise.finally(() => (settled = true));
  await clock.runUntil(clock.now() + ms, flush);
  await flush();
  expect(settled).toBe(true);
  return promise;
}

describe('the Storage API, asked without waiting on it', () => {
  it('reports what an answering browser says', async () => {
    const clock = new VirtualClock();
    expect(await estimateStorage(answering, { clock })).toEqual({ persisted: true, usageBytes: 2048, quotaBytes: 1 << 30 });
    expect(await persistStorage(answering, { clock })).toBe(true);
  });

  it('without navigator.storage (WebKitGTK, some private windows): reports nothing, and persisting answers false', async () => {
    const clock = new VirtualClock();
    expect(await estimateStorage(undefined, { clock })).toEqual({});
    expect(await estimateStorage({} as Manager, { clock })).toEqual({});
    expect(await persistStorage(undefined, { clock })).toBe(false);
    expect(await persistStorage({} as Manager, { clock })).toBe(false);
  });

  it('a Storage API that throws or rejects is no failure: nothing reported, not persisted', async () => {
    const clock = new VirtualClock();
    const throwing: Manager = {
      persist: () => {
        throw new DOMException('denied', 'SecurityError');
      },
      persisted: () => Promise.reject(new DOMException('private', 'InvalidStateError')),
      estimate: () => Promise.reject(new TypeError('no')),
    };
    expect(await estimateStorage(throwing, { clock })).toEqual({});
    expect(await persistStorage(throwing, { clock })).toBe(false);
  });

  it('storage() gives up on answers that never come, after a few seconds', async () => {
    const clock = new VirtualClock();
    const silent: Manager = { persist: never, persisted: never, estimate: never };
    expect(await within(clock, STORAGE_ANSWER_MS, estimateStorage(silent, { clock }))).toEqual({});
    // One question may hang while the other answers.
    const half: Manager = { ...answering, persisted: never };
    expect(await within(clock, STORAGE_ANSWER_MS, estimateStorage(half, { clock }))).toEqual({ usageBytes: 2048, quotaBytes: 1 << 30 });
  });

  it("persisting stops waiting on a permission prompt the player leaves open (Firefox's), and answers false", async () => {
    const clock = new VirtualClock();
    const prompting: Manager = { ...answering, persist: never };
    const answer = persistStorage(prompting, { clock });
    await clock.runUntil(PERSIST_PROMPT_MS - 1, flush); // the player is still reading it
    let settled = false;
    void answer.finally(() => (settled = true));
    await flush();
    expect(settled).toBe(false);
    expect(await within(clock, 1, answer)).toBe(false);
  });
});
