/**
 * The whole browser as one thing to kill, as a crash, the OOM killer or a power cut would:
 * Playwright starts each browser as the leader of a process group of its own (`detached`), so
 * SIGKILL to that group takes the browser and every process it started at once, with nothing
 * flushed or closed. The browser is found by its profile directory on its command line (Linux's
 * /proc: the e2e tests run on Linux).
 */
import { readdirSync, readFileSync } from 'node:fs';

interface Process {
  pid: number;
  group: number;
  commandLine: string;
}

function processes(): Process[] {
  const found: Process[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // After the command's name in parentheses: state, parent, process group.
      const group = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      found.push({ pid: Number(entry), group, commandLine });
    } catch {
      // it ended while we looked
    }
  }
  return found;
}

/** The process groups of the browser running on `profileDirectory`. */
export function browserGroups(profileDirectory: string): number[] {
  return [...new Set(processes().flatMap(({ group, commandLine }) => (commandLine.includes(profileDirectory) ? [group] : [])))];
}

/** SIGKILL to each group: synchronous, so a caller can kill at an exact moment. */
export function killGroups(groups: readonly number[]): void {
  for (const group of groups) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/** Resolves once no process of `groups` is left (a killed browser's children go within milliseconds). */
export async function untilGone(groups: readonly number[], ceilingMs = 30_000): Promise<void> {
  const deadline = Date.now() + ceilingMs;
  while (processes().some(({ group }) => groups.includes(group))) {
    if (Date.now() > deadline) throw new Error(`processes of groups ${groups.join(', ')} still run ${ceilingMs} ms after SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
