/** What the agent benches read of the machine's other processes in /proc. */
import { readdirSync, readFileSync } from 'node:fs';

export function parentOf(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]);
  } catch {
    return undefined;
  }
}

export const comm = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};

/** bpftrace processes on the machine that this bench did not start (other engineers' tests): their probes slow ours too. */
export function othersBpftrace(): number {
  let n = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || comm(Number(entry)) !== 'bpftrace') continue;
    let p: number | undefined = Number(entry);
    while (p !== undefined && p > 1 && p !== process.pid) p = parentOf(p);
    if (p !== process.pid) n++;
  }
  return n;
}
