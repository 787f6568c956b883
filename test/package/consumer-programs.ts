/**
 * The TypeScript programs a game developer would write against the installed package, and the
 * tsconfig each is checked with. They are strings, not files, because this repository's own
 * tsconfig would otherwise type-check them against a package that is not built yet.
 *
 * Every `@ts-expect-error` line is wrong on purpose: if a name silently resolved to `any`
 * (a .d.ts that did not resolve), the line would type-check and tsc reports the directive unused.
 */

/** A Node game or Electron main process: all three entries, a durable ledger, the emulator. */
export const NODE_GAME = `
import { AuthError, createGetUpdatesClient, GetUpdatesError, type GetUpdatesClient, type GrantedEvent, type PollReport } from 'xsolla-getupdates';
import { startEmulator, type Emulator } from 'xsolla-getupdates/emulator';
import { nodeIndexedDB, type NodeIndexedDBOptions } from 'xsolla-getupdates/node';

const emulator: Emulator = await startEmulator({ port: 0, projectId: 308077 });
const saves: NodeIndexedDBOptions = { directory: './saves' };
const client: GetUpdatesClient = createGetUpdatesClient({
  projectId: emulator.projectId,
  baseUrl: emulator.url,
  token: () => emulator.issueToken('player-1'),
  indexedDB: nodeIndexedDB(saves),
});
client.on('granted', ({ items }: GrantedEvent) => console.log(items.map((line) => line.quantity + ' x ' + line.sku).join(', ')));
emulator.purchase({ userId: 'player-1', items: [{ sku: 'gold', quantity: 100 }] });
try {
  const report: PollReport = await client.pollNow();
  const gold: number = await client.inventory.balance('gold');
  console.log(report.granted, gold);
} catch (error) {
  if (error instanceof AuthError) console.log('log in again');
  else if (error instanceof GetUpdatesError) console.log(error.name);
}
await client.close();
await emulator.close();

declare const report: PollReport;
// @ts-expect-error a PollReport is not a number
const notACount: number = report;
// @ts-expect-error there is no such event
client.on('grantedd', () => {});
// @ts-expect-error the emulator's url is a string
const notAPort: number = emulator.url;
// @ts-expect-error the save directory is required
nodeIndexedDB({});
export { notACount, notAPort };
`;

/** A browser game: only the main entry, DOM types, no Node types and no vite installed. */
export const BROWSER_GAME = `
import { createGetUpdatesClient, type GetUpdatesClient, type GrantedEvent, type PollReport } from 'xsolla-getupdates';

const client: GetUpdatesClient = createGetUpdatesClient({ projectId: 308077, token: async () => 'the player JWT from your login' });
client.on('granted', ({ items }: GrantedEvent) => {
  document.title = items.map((line) => line.quantity + ' x ' + line.sku).join(', ');
});
client.start();
const report: PollReport = await client.pollNow();

// @ts-expect-error a PollReport is not a string
const notText: string = report;
// @ts-expect-error Node's globals must not leak into a browser game's types
const leakedNodeGlobal = process.env;
export { notText, leakedNodeGlobal };
`;

export type Resolution = 'bundler' | 'node16' | 'nodenext';

const MODULE_FOR: Record<Resolution, string> = { bundler: 'esnext', node16: 'node16', nodenext: 'nodenext' };

/** The strict tsconfig of a consumer project: libraries' own .d.ts files are checked too. */
export function consumerTsconfig(options: { resolution: Resolution; lib: string[]; types: string[]; file: string }): string {
  const compilerOptions = {
    target: 'ES2022',
    module: MODULE_FOR[options.resolution],
    moduleResolution: options.resolution,
    lib: options.lib,
    types: options.types,
    strict: true,
    noEmit: true,
    skipLibCheck: false,
  };
  return JSON.stringify({ compilerOptions, files: [options.file] }, null, 2);
}
