/**
 * Profile cloudvps: the client is the VM's project node, with the VM and the systemd unit
 * (from the process's cgroup) as client_detail — not the uid's account. Real bpftrace, a
 * real Python job in a cgroup named like a systemd service (made for the test in the v2
 * hierarchy and removed after), calling the HTTPS wiki stand-in.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { requireBinary, requireRoot } from '../support/binaries.js';
import { freePort } from '../support/ports.js';
import { repoRoot } from '../support/preload-bundle.js';
import { privateHosts } from '../support/private-hosts.js';
import { runToExit, startProcess } from '../support/processes.js';
import { toolAccounts } from '../support/tool-accounts.js';
import { HOSTS, startToolforgeWorld } from '../support/toolforge-world.js';
import { parseExposition } from './exposition-text.js';

const stops: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
});

test('cloudvps: project + VM + systemd unit as the client', async () => {
  requireRoot('bpftrace and cgroups need root');
  requireBinary('bpftrace', 'bpftrace');
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';
  assert.ok(existsSync(path.join(v2, 'cgroup.procs')), `no cgroup v2 hierarchy at ${v2}`);
  const world = await startToolforgeWorld({ wiki: true });
  stops.push(() => world.stop());
  const slice = path.join(v2, `toolforge-agent-test-${process.pid}.slice`);
  const unit = path.join(slice, 'wikibot.service');
  await mkdir(unit, { recursive: true });
  stops.push(async () => {
    await rmdir(unit);
    await rmdir(slice);
  });
  await runToExit({ command: 'chmod', args: ['-R', 'a+rX', world.dir.path] });
  const bot = { tool: 'wikibot', uid: 52201 };
  const accounts = await toolAccounts(world.dir.path, [bot], {});
  const inHosts = await privateHosts(world.dir.path, { [HOSTS.wiki]: '127.0.0.1' });
  const port = await freePort();
  const agent = startProcess(
    accounts.wrap({
      name: 'agent (cloudvps)',
      command: path.join(repoRoot, 'bin', 'toolforge-tracing'),
      args: ['agent', '--profile', 'cloudvps', '--fqdn', 'web-1.myproject.eqiad1.wikimedia.cloud', '--metrics-listen', `127.0.0.1:${port}`, '--interval', '1', '--hold-new-series-seconds', '0'],
      env: { PATH: process.env.PATH },
    }),
  );
  stops.push(() => agent.stop('SIGTERM', 20_000));
  await agent.waitForOutput(/bpftrace run 1 \(pid \d+\) attached/, 240_000);

  // The job enters the unit's cgroup, then becomes its user and runs.
  const job = await runToExit(
    inHosts(
      accounts.wrap({
        name: 'wikibot.service',
        command: 'sh',
        args: ['-c', 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"', 'sh', unit, 'setpriv', `--reuid=${bot.uid}`, `--regid=${bot.uid}`, '--clear-groups', '/usr/bin/python3', path.join(repoRoot, 'tests', 'fixtures', 'agent-clients', 'python-tool.py')],
        env: { PATH: '/usr/bin:/bin', MODE: 'urllib', WIKI_EN: world.wikiUrl!, CA_FILE: world.tls!.certFile },
      }),
    ),
    60_000,
  );
  assert.equal(job.code, 0, job.stderr);

  const deadline = Date.now() + 30_000;
  let edge: Record<string, string> | undefined;
  let value = 0;
  while (Date.now() < deadline && edge === undefined) {
    const samples = parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    const found = samples.find((s) => s.name === 'toolforge_internal_dependencies_total' && s.labels.dependency === 'wikimedia:mediawiki' && s.labels.client_detail?.endsWith('wikibot.service'));
    if (found) {
      edge = found.labels;
      value = found.value;
    } else await new Promise((resolve) => setTimeout(resolve, 500));
  }
  assert.deepEqual(edge, { tool: 'cloudvps:myproject', dependency: 'wikimedia:mediawiki', detail: 'en.wikipedia.org', unit: 'request', client_detail: 'web-1/wikibot.service' });
  assert.equal(value, 1);
});
