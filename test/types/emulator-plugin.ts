/**
 * The emulator's Vite plugin is typed without `vite` (so users who never import Vite need not
 * install it), and still fits Vite's own `Plugin` type. `npm test` type-checks this file.
 */
import type { Plugin } from 'vite';
import { getUpdatesEmulator } from '../../src/emulator';

export const plugin: Plugin = getUpdatesEmulator({ projectId: 308077 });
