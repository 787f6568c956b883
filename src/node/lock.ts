/**
 * The owner lock of a save directory (Node only): the file `owner.lock`, holding the owner's pid
 * and a token of its own. Two owners would each keep the save in memory and overwrite each
 * other's files, so a second one is refused until the first lets go; a lock whose process is
 * gone (a crash, a SIGKILL, a power cut) is taken over.
 *
 * Limits: a process is judged alive by its pid, so a lock left by a crash whose pid the system
 * has since given to another running process is held until that process ends (or the file is
 * deleted). Worker threads share their process's pid and are not told apart: use a save
 * directory from one thread. The lock keeps out this library's own factories, on one machine;
 * other programs are not stopped.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StorageError } from '../errors';

const LOCK_FILE = 'owner.lock';
/** A lock file still empty after this long was left by a crash between creating and writing it. */
const WRITING_MS = 10_000;

interface Owner {
  pid: number;
  token: string;
}

/**
 * The releases of the locks this process holds, by token: a lock that names this pid with another
 * token was left by a crashed process that had the same pid. A game that quits without closing
 * its client leaves no lock behind (a crash still does).
 */
const heldHere = new Map<string, () => void>();
let exitHooked = false;

export interface DirectoryOwner {
  /**
   * Takes the directory's lock unless this owner holds it already, and keeps it until every
   * `letGo` returned has been called (each counts once). Throws StorageError `locked` when
   * another process or owner holds it.
   */
  hold(): () => void;
}

/** An owner of `directory`; `forget` runs when it lets the lock go, before another owner can take it. */
export function directoryOwner(directory: string, forget: () => void): DirectoryOwner {
  let holds = 0;
  let unlock: (() => void) | undefined;
  return {
    hold() {
      unlock ??= lock(directory);
      holds++;
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        if (--holds > 0) return;
        forget();
        unlock?.();
        unlock = undefined;
      };
    },
  };
}

/** Takes the lock of `directory` or throws StorageError `locked`; returns its release. */
function lock(directory: string): () => void {
  const path = join(directory, LOCK_FILE);
  const token = randomUUID();
  const mine = JSON.stringify({ pid: process.pid, token } satisfies Owner);
  // Each round either creates the file (exclusively: of two processes starting at once one
  // wins), finds a live owner, or clears a dead one away for the next round.
  for (let round = 0; round < 3; round++) {
    if (create(path, mine)) return holdHere(token, () => release(path, mine));
    const theirs = read(path);
    if (theirs === undefined) continue; // let go meanwhile
    const owner = parse(theirs);
    if (owner ? alive(owner) : writtenJustNow(path)) throw lockedError(directory, owner);
    takeOver(path, theirs, `${path}.${token}`);
  }
  throw lockedError(directory, undefined);
}

function create(path: string, content: string): boolean {
  try {
    writeFileSync(path, content, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parse(content: string): Owner | undefined {
  try {
    const { pid, token } = JSON.parse(content) as Partial<Owner>;
    return Number.isSafeInteger(pid) && pid! > 0 && typeof token === 'string' ? { pid: pid!, token } : undefined;
  } catch {
    return undefined;
  }
}

function alive({ pid, token }: Owner): boolean {
  if (pid === process.pid) return heldHere.has(token); // else left by a crashed process that had this pid
  try {
    process.kill(pid, 0); // signal 0 only asks whether the process exists
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // it exists, another user's
  }
}

/** A file with no owner in it yet: another process is between creating and writing it, unless that was long ago. */
function writtenJustNow(path: string): boolean {
  try {
    return Math.abs(Date.now() - statSync(path).mtimeMs) < WRITING_MS;
  } catch {
    return false; // gone: the next round tries again
  }
}

/**
 * Clears away the dead owner's lock `theirs`. It is moved aside first and checked, since another
 * process may have taken it over since it was read: a live owner's lock is put back.
 */
function takeOver(path: string, theirs: string, aside: string) {
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // another process cleared it first
    throw error;
  }
  if (read(aside) === theirs) rmSync(aside, { force: true });
  else renameSync(aside, path);
}

function holdHere(token: string, release: () => void): () => void {
  const releaseOnce = () => {
    if (heldHere.delete(token)) release();
  };
  heldHere.set(token, releaseOnce);
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', () => heldHere.forEach((releaseAtExit) => releaseAtExit()));
  }
  return releaseOnce;
}

/** Deletes the lock file, if it is still this owner's. */
function release(path: string, mine: string) {
  try {
    if (read(path) === mine) rmSync(path, { force: true });
  } catch {
    // Left behind, it is taken over: this process no longer holds its token.
  }
}

function lockedError(directory: string, owner: Owner | undefined): StorageError {
  const by =
    owner?.pid === process.pid
      ? 'another nodeIndexedDB factory of this process (close the client using it first)'
      : `another process${owner ? ` (pid ${owner.pid})` : ''}: run one game process per save directory`;
  return new StorageError(`the save directory ${directory} is in use by ${by}`, { reason: 'locked' });
}
