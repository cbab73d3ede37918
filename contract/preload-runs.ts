/**
 * How a Node process tells the eBPF agent that our preload runs in it, so that the agent
 * leaves its network calls to the preload's spans. A NODE_OPTIONS that names the preload
 * is not enough: the preload does not start on Node before 18.19 / 20.6 (Toolforge's node12
 * and node16 images) or where the permission model refuses it, and the agent then counts
 * the process like any other. Two signs, both given once the SDK has started:
 * - getpriority(PRIO_PROCESS, PRELOAD_RUNS_PID): a pid no process has (Linux pids stop at
 *   2^22), so the call only fails with ESRCH; agent/programs/marks.bt sees it;
 * - the preload file kept open, for an agent (re)started later that finds the process in
 *   /proc (agent/process-marks.ts).
 */
export const PRELOAD_RUNS_PID = 2147483647;
