import { expect, it } from 'vitest';
import { restoreScenarios } from './shared/restore-scenarios';

it('runs in real Chromium, not a polyfill', () => {
  expect(navigator.userAgent).toContain('Chrome');
});

restoreScenarios(() => indexedDB);
