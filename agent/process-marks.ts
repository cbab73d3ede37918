/**
 * Opt-out marks of processes already running when bpftrace starts (it sees later ones at
 * execve): TOOLFORGE_TRACING_DISABLED=true -> 1 (not counted at all); NODE_OPTIONS
 * containing the preload -> 2 (its network calls are the preload's spans; its file opens
 * still count). The same rule as agent/programs/marks.bt.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { DISABLED_ENV } from '../contract/preload-env.js';

export function markOfEnvironment(environ: string, preloadMarker: string): 1 | 2 | undefined {
  let mark: 1 | 2 | undefined;
  for (const entry of environ.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq < 0) continue;
    const name = entry.slice(0, eq);
    const value = entry.slice(eq + 1);
    if (name === DISABLED_ENV && value.toLowerCase() === 'true') return 1;
    if (name === 'NODE_OPTIONS' && value.slice(0, 200).includes(preloadMarker)) mark = 2;
  }
  return mark;
}

/** pid -> mark for the processes of uids >= minUid (at most `limit`). */
export function scanMarks(preloadMarker: string, limit: number): Map<number, 1 | 2> {
  const marks = new Map<number, 1 | 2>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^[0-9]+$/.test(name));
  } catch {
    return marks;
  }
  for (const pid of pids) {
    if (marks.size >= limit) break;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      continue;
    }
    const mark = markOfEnvironment(environ, preloadMarker);
    if (mark !== undefined) marks.set(Number(pid), mark);
  }
  return marks;
}

/**
 * Tells the running program the marks of processes it may have missed (they exec'd while it
 * was loading): kill(pid, 0) = opted out, getpriority(PRIO_PROCESS, pid) = runs the preload.
 * Both only ask about the process; marks.bt reads the daemon's own calls of them.
 */
export function tellMarks(marks: ReadonlyMap<number, 1 | 2>): void {
  for (const [pid, mark] of marks) {
    try {
      if (mark === 1) process.kill(pid, 0);
      else getPriority(pid);
    } catch {
      // It has exited: nothing to tell.
    }
  }
}

/** Tells the running program it has every mark (after tellMarks): getpriority(PRIO_PROCESS, 0), the daemon's own. */
export function tellReady(): void {
  getPriority(0);
}
