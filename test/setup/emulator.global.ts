/** Starts one emulator for the browser tests (they cannot open sockets themselves). */
import type { TestProject } from 'vitest/node';
import { startEmulator } from '../../src/emulator';

declare module 'vitest' {
  export interface ProvidedContext {
    emulatorUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const emulator = await startEmulator({ pageSize: 20 });
  project.provide('emulatorUrl', emulator.url);
  return () => emulator.close();
}
