/**
 * A full kernel map is never silent: with `mapEntries: 256` (the config key, also
 * BPFTRACE_MAP_KEYS_MAX), a tool opening 400 distinct directories of another tool's home
 * fills the open map; what it refuses is counted in toolforge_agent_map_overflow_total
 * and toolforge_agent_map_full, while the edge keeps counting what fitted. Real bpftrace,
 * a real Perl job as its own uid.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { requireBinary, requireRoot } from '../support/binaries.js';
import { freePort } from '../support/ports.js';
import { repoRoot } from '../support/preload-bundle.js';
import { runToExit, startProcess } from '../support/processes.js';
import { makeTempDir } from '../support/temp-dir.js';
import { toolAccounts } from '../support/tool-accounts.js';
import { parseExposition } from './exposition-text.js';

const stops: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
});

test('a full map: overflow counted per map, the edge keeps what fitted', async () => {
  requireRoot('bpftrace needs root');
  requireBinary('bpftrace', 'bpftrace');
  const dir = await makeTempDir('agent-overflow');
  stops.push(() => dir.remove());
  const project = path.join(dir.path, 'project');
  const DIRS = 400;
  for (let i = 0; i < DIRS; i++) {
    await mkdir(path.join(project, 'callee', `d${i}`), { recursive: true });
    await writeFile(path.join(project, 'callee', `d${i}`, 'f'), '');
  }
  await runToExit({ command: 'chmod', args: ['-R', 'a+rX', dir.path] });
  const reader = { tool: 'reader', uid: 52101 };
  const accounts = await toolAccounts(dir.path, [reader, { tool: 'callee', uid: 52102 }], { '/data/project': project });
  const config = path.join(dir.path, 'agent.yaml');
  const port = await freePort();
  await writeFile(config, JSON.stringify({ metricsListen: `127.0.0.1:${port}`, interval: 1, mapEntries: 256, holdNewSeriesSeconds: 0, nfsPrefixes: ['/data/project/'] }));
  const agent = startProcess(accounts.wrap({ name: 'agent', command: path.join(repoRoot, 'bin', 'toolforge-tracing'), args: ['agent', '--config', config], env: { PATH: process.env.PATH } }));
  stops.push(() => agent.stop('SIGTERM', 20_000));
  await agent.waitForOutput(/bpftrace run 1 \(pid \d+\) attached/, 240_000);

  const job = await runToExit(
    accounts.wrap({ name: 'perl job', command: 'perl', args: ['-e', `for my $i (0..${DIRS - 1}) { open(my $f, '<', "/data/project/callee/d$i/f") or die $!; close($f) }`] }, reader),
    60_000,
  );
  assert.equal(job.code, 0, job.stderr);

  let overflow = 0;
  let counted = 0;
  let full = 0;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const samples = parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    overflow = samples.find((s) => s.name === 'toolforge_agent_map_overflow_total' && s.labels.map === 'open')?.value ?? 0;
    full = samples.find((s) => s.name === 'toolforge_agent_map_full' && s.labels.map === 'open')?.value ?? 0;
    counted = samples.find((s) => s.name === 'toolforge_internal_dependencies_total' && s.labels.tool === 'reader' && s.labels.dependency === 'callee')?.value ?? 0;
    if (overflow > 0 && counted + overflow >= DIRS) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  assert.equal(full, 1);
  assert.ok(overflow > 0, 'refused updates are counted');
  assert.ok(counted > 0 && counted < DIRS, `what fitted is still counted (${counted})`);
  // Every open is either counted or counted as refused: none is lost silently. (Other
  // tools' opens share the map, so the refused ones can only be at least ours.)
  assert.ok(counted + overflow >= DIRS, `counted ${counted} + refused ${overflow} covers all ${DIRS} opens`);
});
