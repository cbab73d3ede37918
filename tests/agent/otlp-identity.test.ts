/**
 * Two agents (two nodes) exporting OTLP through the real collector into a real Prometheus:
 * each agent's series carry its own `instance` (service.instance.id = the node name the
 * DaemonSet passes in K8S_NODE_NAME, else the host name), so the same series from two nodes
 * stay two series instead of one that flips between two cumulative values. The agents run
 * without root (no probes): their health series are the same names and labels on every
 * node, which is what would collide.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { requireBinary } from '../support/binaries.js';
import { startLocalCollector, type LocalCollector } from '../support/collector.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import { freePort } from '../support/ports.js';
import { repoRoot } from '../support/preload-bundle.js';
import { runToExit, startProcess, type ManagedProcess } from '../support/processes.js';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.js';
import { makeTempDir } from '../support/temp-dir.js';

const cli = path.join(repoRoot, 'bin', 'toolforge-tracing');
let prometheus: TestPrometheus;
let collector: LocalCollector;
const agents: ManagedProcess[] = [];
const stops: Array<() => Promise<unknown>> = [];

function startAgentAs(nodeName: string | undefined): ManagedProcess {
  const agent = startProcess({
    name: `agent ${nodeName ?? '(no node name)'}`,
    command: requireBinary('setpriv', 'util-linux'),
    args: ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, path.join(repoRoot, 'dist', 'cli.js'), 'agent', '--otlp-endpoint', collector.otlpEndpoint, '--interval', '1'],
    env: { PATH: process.env.PATH, HOME: '/tmp', ...(nodeName === undefined ? {} : { K8S_NODE_NAME: nodeName }) },
  });
  agents.push(agent);
  return agent;
}

before(async () => {
  // Build the CLI as root first: the unprivileged agents cannot write dist/.
  await runToExit({ command: cli, args: ['--version'] }, 120_000);
  const dir = await makeTempDir('agent-otlp-identity-');
  stops.push(() => dir.remove());
  prometheus = await startPrometheus({ workDir: dir.path });
  stops.push(() => prometheus.stop());
  const traces = await startOtlpReceiver();
  stops.push(() => traces.stop());
  collector = await startLocalCollector({ remoteWriteUrl: prometheus.remoteWriteUrl, tracesEndpoint: traces.endpoint, selfMetricsPort: await freePort() });
  stops.push(() => collector.stop());
});

after(async () => {
  for (const agent of agents) await agent.stop('SIGTERM', 10_000).catch(() => undefined);
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
});

test('two nodes: one series each, told apart by instance = the node name', async () => {
  for (const node of ['node-a', 'node-b']) {
    const agent = startAgentAs(node);
    await agent.waitForOutput(new RegExp(`as service.instance.id ${node}\\n`), 60_000);
  }
  const samples = await prometheus.waitFor('toolforge_agent_probes_attached{probe="tcp"}', (s) => s.length >= 2, 60_000);
  assert.deepEqual(samples.map((s) => [s.metric.job, s.metric.instance, s.value]).sort(), [
    ['toolforge-tracing-agent', 'node-a', 0],
    ['toolforge-tracing-agent', 'node-b', 0],
  ]);
});

test('no node name (a VM): the host name is the instance', async () => {
  const agent = startAgentAs(undefined);
  await agent.waitForOutput(new RegExp(`as service.instance.id ${hostname().replace(/[.]/g, '\\.')}\\n`), 60_000);
  const samples = await prometheus.waitFor(`toolforge_agent_bpftrace_restarts_total{instance="${hostname()}"}`, (s) => s.length === 1, 60_000);
  assert.equal(samples[0]!.value, 0);
  assert.equal((await prometheus.query('count(toolforge_agent_bpftrace_restarts_total)'))[0]!.value, 3);
});
