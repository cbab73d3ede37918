/**
 * Working directories for relative opens (agent/programs/cwd.bt): the daemon reads
 * /proc/<pid>/cwd of tool processes, and the program takes the answer from the buffer of
 * this readlink as it returns. Run after every attach (processes that were already running
 * or started while the program was loading) and for the processes the program asks about
 * (a relative chdir or an fchdir it cannot follow).
 */
import { readdirSync, readlinkSync, statSync } from 'node:fs';

/** readlink /proc/<pid>/cwd for `pids` (default: every process) owned by a uid >= minUid. */
export function tellWorkingDirectories(minUid: number, pids?: Iterable<number>): number {
  let told = 0;
  let all: Iterable<number>;
  try {
    all = pids ?? readdirSync('/proc').filter((name) => /^[0-9]+$/.test(name)).map(Number);
  } catch {
    return 0;
  }
  for (const pid of all) {
    try {
      if (statSync(`/proc/${pid}`).uid < minUid) continue;
      readlinkSync(`/proc/${pid}/cwd`);
      told++;
    } catch {
      // It has exited.
    }
  }
  return told;
}
