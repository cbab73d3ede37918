/**
 * Opt-out marks of processes already running when bpftrace starts (it sees later ones
 * itself): TOOLFORGE_TRACING_DISABLED=true -> 1 (not counted at all), as
 * agent/programs/marks.bt reads it at execve; our preload running -> 2 (its network calls
 * are the preload's spans; its file opens still count). A running process's preload told
 * the kernel so when it started, before this program ran: what is left of that here is
 * NODE_OPTIONS naming the preload file and the file held open (contract/preload-runs.ts).
 * Both, since NODE_OPTIONS alone also names it where the preload did not start (an old Node).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { getPriority } from 'node:os';
import { DISABLED_ENV } from '../contract/preload-env.js';

/** What the environment says: 1 = opted out; 2 = NODE_OPTIONS names the preload (it may run). */
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

/**
 * Process `pid` has a file open whose path ends with `suffix`. The kernel names an open file
 * by its path in the process's own mount namespace (a pod's /toolforge-tracing/preload.cjs,
 * not the emptyDir's path on the node).
 */
export function holdsFile(pid: number, suffix: string): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  // The preload opens it while the process starts: among the lowest numbers.
  fds.sort((a, b) => Number(a) - Number(b));
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).endsWith(suffix)) return true;
    } catch {
      // Closed meanwhile.
    }
  }
  return false;
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
    if (mark === 1 || (mark === 2 && holdsFile(Number(pid), preloadMarker))) marks.set(Number(pid), mark);
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
