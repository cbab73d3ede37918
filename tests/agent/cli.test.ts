/**
 * `toolforge-tracing agent` as operators run it: a bad config file, a bad option or a bad
 * uid map stops it with one message naming the key; without root it says so in one line and
 * keeps serving /metrics (the real CLI, real files).
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/preload-bundle.js';
import { requireBinary } from '../support/binaries.js';
import { freePort } from '../support/ports.js';
import { runToExit, startProcess } from '../support/processes.js';

const cli = path.join(repoRoot, 'bin', 'toolforge-tracing');

async function agent(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const result = await runToExit({ name: 'toolforge-tracing agent', command: cli, args: ['agent', ...args] }, 120_000);
  return { code: result.code, stderr: result.stderr };
}

test('bad config: the key and the file are named, nothing starts', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'agent-cli-'));
  const file = path.join(dir, 'agent.yaml');
  await writeFile(file, 'profile: toolforge\ninterval: 0\nmetricsListen: 127.0.0.1\n');
  const bad = await agent(['--config', file]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, new RegExp(`config file ${file}: interval: Too small: expected number to be >=1`));
  assert.match(bad.stderr, new RegExp(`config file ${file}: metricsListen: must be HOST:PORT`));

  await writeFile(file, 'nfsPrefixes: [/data/project/, "dumps"]\nunknownKey: 1\n');
  const unknown = await agent(['--config', file]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /unknownKey/);
  assert.match(unknown.stderr, /nfsPrefixes\[1\]: must be an absolute path prefix/);

  const uidMap = path.join(dir, 'uids.yaml');
  await writeFile(uidMap, '52001: "tools x"\n');
  const map = await agent(['--uid-map', uidMap, '--metrics-listen', '127.0.0.1:0']);
  assert.equal(map.code, 1);
  assert.match(map.stderr, /uid map .*uids\.yaml: 52001: must be an account name/);
});

test('bad options: the option is named', async () => {
  const interval = await agent(['--interval', 'soon']);
  assert.equal(interval.code, 1);
  assert.match(interval.stderr, /option '--interval <seconds>' argument 'soon' is invalid/);
  const profile = await agent(['--profile', 'prod']);
  assert.equal(profile.code, 1);
  assert.match(profile.stderr, /--profile <name>.*must be one of toolforge, toolsbeta, lima-kilo, cloudvps/);
  const otlp = await agent(['--otlp-endpoint', 'collector:4318']);
  assert.equal(otlp.code, 1);
  assert.match(otlp.stderr, /command line: otlpEndpoint: must be an http/);
});

test('without root: one line says so, /metrics is served with no probes attached', async () => {
  // Build the CLI as root first: the unprivileged run cannot write dist/.
  await runToExit({ command: cli, args: ['--version'] }, 120_000);
  const port = await freePort();
  const agentProcess = startProcess({
    name: 'agent as nobody',
    command: requireBinary('setpriv', 'util-linux'),
    args: ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, path.join(repoRoot, 'dist', 'cli.js'), 'agent', '--metrics-listen', `127.0.0.1:${port}`],
    env: { PATH: process.env.PATH, HOME: '/tmp' },
  });
  try {
    await agentProcess.waitForOutput(/serving http/, 60_000);
    assert.match(agentProcess.stderr(), /agent: not running as root: bpftrace needs CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN and CAP_SYS_RESOURCE: no probes\n/);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(text, /toolforge_agent_probes_attached\{probe="tcp"\} 0/);
    assert.match(text, /toolforge_agent_bpftrace_running 0/);
  } finally {
    await agentProcess.stop('SIGTERM', 10_000);
  }
  assert.equal((await agentProcess.exited).code, 0);
});
