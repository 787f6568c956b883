/**
 * The environment signals the cadence listens to: is the page visible, is the device online,
 * did the player just come back (focus). Like TanStack Query's focus and online managers, the
 * browser wiring is only the default: Electron, Node or a test passes its own.
 */

export type SignalChange = 'visible' | 'hidden' | 'online' | 'offline' | 'focus';

export interface EnvironmentSignals {
  visible(): boolean;
  online(): boolean;
  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (change: SignalChange) => void): () => void;
}

/** Always visible and online: Node, an Electron main process, a server-side test. */
export const steadySignals: EnvironmentSignals = {
  visible: () => true,
  online: () => true,
  subscribe: () => () => {},
};

/** The page's own signals: `visibilitychange`, `online`/`offline`, window `focus`. */
export function browserSignals(): EnvironmentSignals {
  if (typeof document === 'undefined' || typeof window === 'undefined') return steadySignals;
  return {
    visible: () => document.visibilityState !== 'hidden',
    online: () => navigator.onLine !== false,
    subscribe(listener) {
      const onVisibility = () => listener(document.visibilityState === 'hidden' ? 'hidden' : 'visible');
      const onOnline = () => listener('online');
      const onOffline = () => listener('offline');
      const onFocus = () => listener('focus');
      document.addEventListener('visibilitychange', onVisibility);
      window.addEventListener('online', onOnline);
      window.addEventListener('offline', onOffline);
      window.addEventListener('focus', onFocus);
      return () => {
        document.removeEventListener('visibilitychange', onVisibility);
        window.removeEventListener('online', onOnline);
        window.removeEventListener('offline', onOffline);
        window.removeEventListener('focus', onFocus);
      };
    },
  };
}

/** Signals a host sets by hand: an Electron window's show/hide, a test's script. */
export interface ManualSignals extends EnvironmentSignals {
  setVisible(visible: boolean): void;
  setOnline(online: boolean): void;
  /** The player came back to the window (as a focus event would say). */
  focus(): void;
}

export function manualSignals(initial: { visible?: boolean; online?: boolean } = {}): ManualSignals {
  let visible = initial.visible ?? true;
  let online = initial.online ?? true;
  const listeners = new Set<(change: SignalChange) => void>();
  const tell = (change: SignalChange) => listeners.forEach((listener) => listener(change));
  return {
    visible: () => visible,
    online: () => online,
    subscribe(listener: (change: SignalChange) => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    setVisible(value: boolean) {
      visible = value;
      tell(value ? 'visible' : 'hidden');
    },
    setOnline(value: boolean) {
      online = value;
      tell(value ? 'online' : 'offline');
    },
    focus: () => tell('focus'),
  };
}
