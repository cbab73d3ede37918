/**
 * Whether a process has begun to exit. A killed bpftrace takes seconds to die (the kernel
 * waits for an RCU grace period per probe it detaches) and its pipes close only at the
 * end of that, so neither its exit nor the end of its output says early that it is gone;
 * the PF_EXITING flag in /proc/<pid>/stat does, from the first instant of its exit.
 */
import { readFileSync } from 'node:fs';

/** PF_EXITING in include/linux/sched.h: set by do_exit() before anything is torn down. */
const PF_EXITING = 0x4;

/** From the text of /proc/<pid>/stat; the command name in parentheses may hold spaces and ')'. */
export function exitingFromStat(stat: string): boolean {
  // After the last ')': state, ppid, pgrp, session, tty_nr, tpgid, flags (field 9 of the man page).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const flags = Number(fields[6]);
  if (!Number.isInteger(flags)) throw new Error(`/proc/<pid>/stat: no flags field in ${JSON.stringify(stat.slice(0, 200))}`);
  return (flags & PF_EXITING) !== 0;
}

/** True once the process is exiting; false when that cannot be read (its exit is then seen as usual). */
export function isExiting(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  return exitingFromStat(stat);
}
