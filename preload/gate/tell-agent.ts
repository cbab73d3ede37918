/**
 * Once the SDK runs: the two signs the eBPF agent reads to leave this process's network
 * calls to the preload (contract/preload-runs.ts). Never throws into the app.
 */
import { openSync } from 'node:fs';
import { getPriority } from 'node:os';
import { PRELOAD_RUNS_PID } from '../../contract/preload-runs.js';

export function tellAgentPreloadRuns(preloadFile: string): void {
  try {
    // Kept for the process's life; Node opens it close-on-exec, so no child inherits it.
    openSync(preloadFile, 'r');
  } catch {
    // An agent started later will count this process's calls too: no worse than no sign.
  }
  try {
    getPriority(PRELOAD_RUNS_PID);
  } catch {
    // ESRCH: no such process, as intended.
  }
}
