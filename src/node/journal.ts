/**
 * The files that keep one IndexedDB database in a save directory (Node only):
 * - `<name>.snapshot`: the whole database (schema and records) as of commit number `seq`;
 * - `<name>.journal`: every readwrite transaction committed after it, one framed record each.
 * A frame is `[u32 LE length][u32 LE FNV-1a of the payload][payload]`, the payload a node:v8
 * serialisation, so Dates, Maps, typed arrays and `undefined` come back as they went in.
 */
import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';

/** One write of a committed transaction, in the order it was made. */
export type Change = readonly ['put', string, IDBValidKey, unknown] | readonly ['delete', string, IDBValidKey] | readonly ['clear', string];

/** One committed readwrite transaction. */
export interface Commit {
  seq: number;
  changes: Change[];
}

export interface StoreImage {
  name: string;
  keyPath: string | string[] | null;
  autoIncrement: boolean;
  /** The key generator's current number, so keys are not reused after a restart. */
  keyGenerator: number | null;
  indexes: { name: string; keyPath: string | string[]; unique: boolean; multiEntry: boolean }[];
  records: [IDBValidKey, unknown][];
}

export interface Snapshot {
  version: number;
  /** The number of the last commit it contains: journal records up to it are already in. */
  seq: number;
  stores: StoreImage[];
}

export interface SaveFiles {
  /** What is on disk: the snapshot (none for a new database) and the commits made after it. */
  read(): { snapshot: Snapshot | undefined; commits: Commit[] };
  /** Appends one commit and flushes it to disk before returning; a failed append is cut off again. */
  append(commit: Commit): void;
  /** Bytes in the journal since the last snapshot. */
  journalBytes(): number;
  /** Replaces the snapshot with `snapshot` and empties the journal, crash-safe at every step. */
  compact(snapshot: Snapshot): void;
  /** Closes the journal; the files stay. */
  close(): void;
  remove(): void;
}

const SNAPSHOT = '.snapshot';

/**
 * File names are the database name's UTF-8 bytes with everything but `a-z 0-9 _ -` written as
 * `%XX`: safe on every file system, and distinct on case-insensitive ones (macOS, Windows).
 */
function stemOf(name: string): string {
  const bytes = Array.from(Buffer.from(name, 'utf8'), (byte) => {
    const char = String.fromCharCode(byte);
    return /[a-z0-9_-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  });
  return bytes.join('');
}

/** The names of the databases saved in `directory`. */
export const savedDatabases = (directory: string) =>
  readdirSync(directory)
    .filter((file) => file.endsWith(SNAPSHOT))
    .map((file) => decodeURIComponent(file.slice(0, -SNAPSHOT.length)));

export function saveFiles(directory: string, name: string): SaveFiles {
  const snapshotPath = join(directory, stemOf(name) + SNAPSHOT);
  const journalPath = join(directory, `${stemOf(name)}.journal`);
  // Opened by the first compaction: every database is compacted when it is created or loaded,
  // which also cuts off a torn record left by a crash before anything is appended after it.
  let journal: number | undefined;
  let bytes = 0;
  // Set when a failed append could not be cut off: appending after garbage would hide the
  // records behind it from the next load, so nothing more is appended until a compaction.
  let broken: unknown;

  function close() {
    if (journal === undefined) return;
    try {
      closeSync(journal);
    } catch {
      // Every commit in it was flushed before its transaction completed.
    }
    journal = undefined;
  }

  return {
    read() {
      const snapshot = readFile(snapshotPath);
      if (!snapshot) return { snapshot: undefined, commits: [] };
      // Written whole or not at all (renamed into place), so a damaged one is not a torn write: fail loudly.
      const [image, ...extra] = readFrames(snapshot);
      if (!image || extra.length > 0) throw new Error(`the save file ${snapshotPath} is damaged`);
      const saved = deserialize(image) as Snapshot;
      const commits = readFrames(readFile(journalPath) ?? Buffer.alloc(0))
        .map((payload) => deserialize(payload) as Commit)
        .filter((commit) => commit.seq > saved.seq);
      return { snapshot: saved, commits };
    },
    append(commit) {
      if (broken) throw broken;
      if (journal === undefined) throw new Error(`the journal ${journalPath} is not open`);
      const record = frame(serialize(commit));
      try {
        writeAll(journal, record);
        fdatasyncSync(journal);
      } catch (error) {
        try {
          ftruncateSync(journal, bytes);
        } catch {
          broken = error;
        }
        throw error;
      }
      bytes += record.length;
    },
    journalBytes: () => bytes,
    compact(snapshot) {
      const temporary = `${snapshotPath}.tmp`;
      const fd = openSync(temporary, 'w');
      try {
        writeAll(fd, frame(serialize(snapshot)));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, snapshotPath);
      journal ??= openSync(journalPath, 'a');
      // The new snapshot's name and the journal's own entry must be on disk before the journal
      // is emptied: a crash in between then finds the new snapshot, whose `seq` skips the old
      // records, rather than the old snapshot with an empty journal.
      syncDirectory(directory);
      ftruncateSync(journal, 0);
      fsyncSync(journal);
      bytes = 0;
      broken = undefined;
    },
    close,
    remove() {
      close();
      for (const path of [snapshotPath, `${snapshotPath}.tmp`, journalPath]) rmSync(path, { force: true });
      syncDirectory(directory);
    },
  };
}

function readFile(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function frame(payload: Uint8Array): Buffer {
  const framed = Buffer.alloc(8 + payload.length);
  framed.writeUInt32LE(payload.length, 0);
  framed.writeUInt32LE(checksum(payload), 4);
  framed.set(payload, 8);
  return framed;
}

/** The payloads of the whole frames in `file`; a torn or damaged last frame and anything after it is left out. */
function readFrames(file: Buffer): Buffer[] {
  const payloads: Buffer[] = [];
  for (let offset = 0; offset + 8 <= file.length;) {
    const length = file.readUInt32LE(offset);
    const payload = file.subarray(offset + 8, offset + 8 + length);
    if (payload.length < length || checksum(payload) !== file.readUInt32LE(offset + 4)) break;
    payloads.push(payload);
    offset += 8 + length;
  }
  return payloads;
}

/** FNV-1a: tells a record the crash cut short (or left as zeros) from a whole one. */
function checksum(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193);
  return hash >>> 0;
}

function writeAll(fd: number, bytes: Uint8Array) {
  for (let written = 0; written < bytes.length;) written += writeSync(fd, bytes, written);
}

/** Makes a rename or a new file's name durable. Windows cannot open a directory, nor needs to. */
function syncDirectory(directory: string) {
  if (process.platform === 'win32') return;
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
