/**
 * The client's lifecycle, as data: each thing the game does or the loop reports gives one next
 * state and the effects the client performs. The same scenarios run end to end in
 * client.node.test.ts ("tokens") and hardening.node.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { INITIAL_LIFECYCLE, transition, type Effect, type Lifecycle, type LifecycleEvent } from '../src/client/lifecycle';

/** Runs `events` from the initial state; the final state and every effect, in order. */
function run(...events: LifecycleEvent[]): { state: Lifecycle; effects: Effect[] } {
  let state = INITIAL_LIFECYCLE;
  const effects: Effect[] = [];
  for (const event of events) {
    const next = transition(state, event);
    state = next.state;
    effects.push(...next.effects);
  }
  return { state, effects };
}

const refusedToken = { type: 'status', status: { status: 'paused', reason: 'auth' } } as const;
const storageGone = { type: 'status', status: { status: 'paused', reason: 'storage' } } as const;
const polling = { type: 'status', status: { status: 'polling' } } as const;

describe('the client lifecycle', () => {
  it('start() runs the loop; stop() stops it; a hidden page does not change what the game asked', () => {
    expect(run({ type: 'start' })).toEqual({ state: { ...INITIAL_LIFECYCLE, phase: 'running' }, effects: ['run'] });
    const hidden = { type: 'status', status: { status: 'paused', reason: 'hidden' } } as const;
    expect(run({ type: 'start' }, hidden, polling).state.phase).toBe('running');
    expect(run({ type: 'start' }, { type: 'stop' })).toMatchObject({ state: { phase: 'idle' }, effects: ['run', 'stop'] });
  });

  it('a refused token halts: watches are rejected with the failure, and setToken() resumes, asking the token function again', () => {
    const failure = new Error('refused');
    const halted = run({ type: 'start' }, { type: 'failed', error: failure }, refusedToken);
    expect(halted).toEqual({
      state: { phase: 'paused-auth', refused: true, tokenVersion: 0, failure },
      effects: ['run', 'halt'],
    });
    const resumed = transition(halted.state, { type: 'token' });
    expect(resumed).toEqual({ state: { phase: 'running', refused: false, tokenVersion: 1, failure }, effects: ['retry-token', 'run'] });
  });

  it('a loop stopped after an auth pause stays stopped when a token arrives, and the next start() asks the token function again', () => {
    const stopped = run({ type: 'start' }, refusedToken, { type: 'stop' }, { type: 'token' });
    expect(stopped.state).toMatchObject({ phase: 'idle', refused: true, tokenVersion: 1 });
    expect(transition(stopped.state, { type: 'start' }).effects).toEqual(['retry-token', 'run']);
  });

  it('a storage pause waits for start(), not for a token', () => {
    const paused = run({ type: 'start' }, storageGone, { type: 'token' });
    expect(paused).toMatchObject({ state: { phase: 'paused-storage', refused: false }, effects: ['run', 'halt'] });
    expect(transition(paused.state, { type: 'start' }).effects).toEqual(['run']);
  });

  it('after a halt, a loop a watch restarts is not the game’s: the game’s start() is still to come', () => {
    expect(run({ type: 'start' }, refusedToken, polling).state).toMatchObject({ phase: 'idle', refused: true });
    expect(run(refusedToken, { type: 'token' }).effects).toEqual(['halt', 'retry-token', 'run']);
  });

  it('closed is for good: nothing starts or halts it again', () => {
    const closed = run({ type: 'start' }, { type: 'close' });
    expect(closed).toMatchObject({ state: { phase: 'closed' }, effects: ['run', 'stop'] });
    for (const event of [{ type: 'start' }, { type: 'token' }, refusedToken, { type: 'stop' }] as const) {
      expect(transition(closed.state, event)).toEqual({ state: closed.state, effects: [] });
    }
  });
});
