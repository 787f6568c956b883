/**
 * The client's lifecycle as one state and one reducer: what the game asks (`start`, `stop`,
 * `setToken`, `close`) and what the loop reports (a pause for auth or storage) give the next
 * state and what the client must do about it. Pure: the client performs the effects.
 */
import type { LoopStatus } from '../poll/loop';

/**
 * - `idle`: the game has not started the loop, or stopped it (a watch may still run it alone);
 * - `running`: the game started it;
 * - `paused-auth` / `paused-storage`: it halted for a reason no retry mends, until the game acts;
 * - `closed`: for good.
 */
export type Phase = 'idle' | 'running' | 'paused-auth' | 'paused-storage' | 'closed';

export interface Lifecycle {
  phase: Phase;
  /** The token was refused since the last start(): a stop() meanwhile does not make the next start() forget it. */
  refused: boolean;
  /** Bumped by setToken(): a drain refused with an older token is tried once more with the new one. */
  tokenVersion: number;
  /** The failure behind the latest drain error: what a halt rejects pending watches with. */
  failure?: unknown;
}

export type LifecycleEvent =
  { type: 'start' | 'stop' | 'close' | 'token' } | { type: 'status'; status: LoopStatus } | { type: 'failed'; error: unknown };

/**
 * - `retry-token`: ask the token function again, though it failed before;
 * - `run`: start the loop and the order-status socket;
 * - `stop`: stop both;
 * - `halt`: close the socket and reject pending watches with `failure`.
 */
export type Effect = 'retry-token' | 'run' | 'stop' | 'halt';

export const INITIAL_LIFECYCLE: Lifecycle = { phase: 'idle', refused: false, tokenVersion: 0 };

export function transition(state: Lifecycle, event: LifecycleEvent): { state: Lifecycle; effects: Effect[] } {
  if (state.phase === 'closed') return { state, effects: [] };
  switch (event.type) {
    case 'start':
      return { state: { ...state, phase: 'running', refused: false }, effects: state.refused ? ['retry-token', 'run'] : ['run'] };
    case 'stop':
      return { state: { ...state, phase: 'idle' }, effects: ['stop'] };
    case 'close':
      return { state: { ...state, phase: 'closed' }, effects: ['stop'] };
    case 'token': {
      const next = { ...state, tokenVersion: state.tokenVersion + 1 };
      // A loop paused for auth resumes with the new token, as a start() would.
      return next.phase === 'paused-auth' ? transition(next, { type: 'start' }) : { state: next, effects: [] };
    }
    case 'failed':
      return { state: { ...state, failure: event.error }, effects: [] };
    case 'status': {
      const { status } = event;
      if (status.status === 'paused' && (status.reason === 'auth' || status.reason === 'storage')) {
        const refused = state.refused || status.reason === 'auth';
        return { state: { ...state, phase: `paused-${status.reason}`, refused }, effects: ['halt'] };
      }
      // Any other status after a halt comes from a loop a watch restarted: the game's start() is still to come.
      return { state: state.phase === 'running' ? state : { ...state, phase: 'idle' }, effects: [] };
    }
  }
}
