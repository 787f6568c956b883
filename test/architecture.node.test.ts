/**
 * Dependencies point one way: the pure core (event parsing, the ledger, cadence) does no I/O,
 * and each layer imports only the layers below it. This reads every import under src/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../src');

/** Every `from '...'`, `import '...'` and `import('...')` of every file under src/, as [file, folder it imports]. */
function imports(): Array<{ file: string; folder: string; target: string }> {
  const found: Array<{ file: string; folder: string; target: string }> = [];
  for (const entry of readdirSync(SRC, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const path = join(entry.parentPath, entry.name);
    const file = relative(SRC, path);
    const folder = file.includes('/') ? file.split('/')[0]! : '.';
    for (const [, specifier] of readFileSync(path, 'utf8').matchAll(/(?:\bfrom|\bimport\s*\(?)\s*'([^']+)'/g)) {
      const target = specifier!.startsWith('.') ? relative(SRC, join(entry.parentPath, specifier!)) : specifier!;
      found.push({ file, folder, target });
    }
  }
  return found;
}

const into = (target: string, ...folders: string[]) => folders.some((folder) => target === folder || target.startsWith(`${folder}/`));
const IO_FOLDERS = ['store', 'transport', 'tabs', 'push', 'client', 'poll', 'emulator', 'node'];
const IO_PACKAGES = ['axios', 'p-retry', 'idb-keyval', 'mitt', 'centrifuge', 'ws', 'vite'];

const rules: Array<[string, (edge: { folder: string; target: string }) => boolean]> = [
  [
    'events/, ledger/ and restore/ import nothing that does I/O',
    ({ folder, target }) =>
      ['events', 'ledger', 'restore'].includes(folder) &&
      (into(target, ...IO_FOLDERS) || IO_PACKAGES.includes(target) || target.startsWith('node:')),
  ],
  ['store/ does not import transport/', ({ folder, target }) => folder === 'store' && into(target, 'transport')],
  ['schedule/ imports neither transport/ nor store/', ({ folder, target }) => folder === 'schedule' && into(target, 'transport', 'store')],
  ['only emulator/ imports the emulator', ({ folder, target }) => folder !== 'emulator' && into(target, 'emulator')],
  ['tabs/ imports neither client/ nor store/', ({ folder, target }) => folder === 'tabs' && into(target, 'client', 'store')],
];

describe('import directions', () => {
  const edges = imports();

  it('finds the imports it checks', () => {
    expect(edges.length).toBeGreaterThan(50);
    expect(edges).toContainEqual({ file: 'store/inventory.ts', folder: 'store', target: 'ledger/order' });
  });

  it.each(rules)('%s', (_rule, breaks) => {
    expect(edges.filter(breaks).map(({ file, target }) => `${file} -> ${target}`)).toEqual([]);
  });
});
