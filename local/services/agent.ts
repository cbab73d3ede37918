import { findBinary } from '../binaries.js';
import type { PrivateNamespace } from '../private-namespace.js';
import { freePort, waitForPort } from '../ports.js';
import { repoPath } from '../repo-paths.js';
import type { Supervisor } from '../supervisor.js';

/** Why the agent cannot run here, or undefined when it can be tried. */
export function agentUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'the eBPF agent runs on Linux only';
  if (process.getuid?.() !== 0) return 'the eBPF agent needs root (bpftrace loads kernel programs); run as root to see Python, PHP and other non-Node tools';
  if (findBinary('bpftrace') === undefined) return 'bpftrace is not installed (Debian package bpftrace; scripts/start installs it as root)';
  return undefined;
}

/** How long a start waits for the agent's first run to attach its probes (a busy machine compiles slowly). */
export const ATTACH_TIMEOUT_SECONDS = 180;

export interface LocalAgent {
  /** host:port of its /metrics, for Prometheus. */
  metrics: string;
}

/**
 * `toolforge-tracing agent` as a child, serving /metrics for the local Prometheus. It runs in
 * the tools' namespace, so NSS (`getent passwd`, as on a Toolforge node) knows their accounts.
 */
export async function startAgent(supervisor: Supervisor, namespace: PrivateNamespace, intervalSeconds: number): Promise<LocalAgent> {
  const port = await freePort();
  const agent = supervisor.start(
    namespace.wrap({
      name: 'agent',
      command: repoPath('bin', 'toolforge-tracing'),
      args: [
        'agent',
        '--profile',
        'toolforge',
        '--metrics-listen',
        `127.0.0.1:${port}`,
        '--interval',
        String(intervalSeconds),
        // Two reads at 0 are enough for a Prometheus scraping at the same interval; the default
        // minute would keep the map empty for the demo's first minute.
        '--hold-new-series-seconds',
        String(2 * intervalSeconds),
      ],
    }),
  );
  try {
    // Until its probes are in the kernel it sees nothing, and a tool started meanwhile would
    // also miss its opt-out marks: the run starts the tools only after this line.
    await agent.waitForOutput(/bpftrace run \d+ \(pid \d+\) attached \d+ probes/, ATTACH_TIMEOUT_SECONDS * 1000);
    await waitForPort(port, '127.0.0.1', 10_000);
  } catch (error) {
    await agent.stop();
    throw error;
  }
  return { metrics: `127.0.0.1:${port}` };
}
