/**
 * The agent end to end, with real parts: real bpftrace as root, real clients from Debian
 * (Python urllib/requests/pymysql/redis-py, PHP curl/mysqli, the curl command, Perl, Node
 * with and without the preload), each as its own tools.<name> uid in a private mount
 * namespace (own /etc/passwd, /etc/hosts, /data/project, /public/dumps), calling MariaDB,
 * Redis and HTTPS stand-ins. Asserts every edge per tool with its exact count, detail and
 * unit, no phantom edges, no query string in any exported byte, the opt-outs, a forged
 * SNI/Host, both exports (scraped /metrics; OTLP through the real collector into a real
 * Prometheus), kill -9 recovery with counters continuing, and SIGTERM.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { requireBinary, requireRoot } from '../support/binaries.js';
import { startLocalCollector, type LocalCollector } from '../support/collector.js';
import { freePort } from '../support/ports.js';
import { preloadPath, repoRoot } from '../support/preload-bundle.js';
import { privateHosts } from '../support/private-hosts.js';
import { runToExit, startProcess, type ManagedProcess, type ProcessSpec } from '../support/processes.js';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.js';
import { selfSignedCertificate } from '../support/tls.js';
import { toolAccounts, type ToolAccount } from '../support/tool-accounts.js';
import { nodeBinary } from '../support/node-runtimes.js';
import { fixtureApp, HOSTS, MYSQL_PASSWORD, MYSQL_USER, startToolforgeWorld, type ToolforgeWorld } from '../support/toolforge-world.js';
import { parseExposition, type ExposedSample } from './exposition-text.js';

const PYTHON = '/usr/bin/python3';
const clients = path.join(repoRoot, 'tests', 'fixtures', 'agent-clients');
const cli = path.join(repoRoot, 'bin', 'toolforge-tracing');

const tool = (name: string, uid: number): ToolAccount => ({ tool: name, uid });
const T = {
  pybot: tool('pybot', 52001),
  phptool: tool('phptool', 52002),
  curltool: tool('curltool', 52003),
  shelljob: tool('shelljob', 52004),
  nodetool: tool('nodetool', 52005),
  preloaded: tool('preloaded', 52006),
  optout: tool('optout', 52007),
  forger: tool('forger', 52008),
  callee: tool('callee', 52009),
  reltool: tool('reltool', 52011),
  lateoptout: tool('lateoptout', 52012),
  latepreloaded: tool('latepreloaded', 52013),
  latecwd: tool('latecwd', 52014),
  hosttool: tool('hosttool', 52015),
  statustool: tool('statustool', 52016),
  oldnode: tool('oldnode', 52017),
  lateoldnode: tool('lateoldnode', 52018),
};
/** Known to the agent only through its uid map (not in the private passwd). */
const MAPPED = T.curltool;

let world: ToolforgeWorld;
let prometheus: TestPrometheus;
let collector: LocalCollector;
let agent: ManagedProcess;
let metricsUrl: string;
let run: (name: string, spec: ProcessSpec, account: ToolAccount) => Promise<void>;
let pythonEnv: NodeJS.ProcessEnv;
let calleeServer: ManagedProcess;
let calleeCa: string;
let plainServer: http.Server;
let plainPort: number;
/** Started while bpftrace was still loading; they wait for `goFile` before doing anything. */
let lateProcesses: ManagedProcess[] = [];
let goFile: string;
const stops: Array<() => Promise<unknown>> = [];

async function scrape(): Promise<ExposedSample[]> {
  return parseExposition(await (await fetch(metricsUrl)).text());
}

/** Our tools' edges as `tool dependency detail unit` -> count (failures as a second map). */
function edges(samples: ExposedSample[], name: string): Record<string, number> {
  const out: Record<string, number> = {};
  const ours = new Set(Object.values(T).map((t) => t.tool));
  for (const s of samples) {
    if (s.name !== name || !ours.has(s.labels.tool!)) continue;
    if (s.value === 0 && name.endsWith('failures_total')) continue;
    out[`${s.labels.tool} ${s.labels.dependency} ${s.labels.detail} ${s.labels.unit}`] = s.value;
  }
  return out;
}

async function waitForEdges(expected: Record<string, number>, timeoutMs: number, failures: Record<string, number> = {}): Promise<ExposedSample[]> {
  const deadline = Date.now() + timeoutMs;
  const reached = (seen: Record<string, number>, wanted: Record<string, number>): boolean => Object.entries(wanted).every(([k, v]) => (seen[k] ?? 0) >= v);
  for (;;) {
    const samples = await scrape();
    const done = reached(edges(samples, 'toolforge_internal_dependencies_total'), expected) && reached(edges(samples, 'toolforge_internal_dependency_failures_total'), failures);
    if (done || Date.now() > deadline) return samples;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

before(async () => {
  requireRoot('bpftrace needs root; the tools run as their own uids');
  for (const [binary, pkg] of [['bpftrace', 'bpftrace'], ['php', 'php-cli php-curl php-mysql'], ['curl', 'curl'], ['perl', 'perl'], ['setpriv', 'util-linux']] as const) requireBinary(binary, pkg);
  requireBinary('python3', 'python3 python3-pymysql python3-redis python3-requests');

  world = await startToolforgeWorld({ tools: ['callee'], mariadb: true, redis: true, wiki: true });
  stops.push(() => world.stop());
  const dir = world.dir.path;

  // Another tool over HTTPS (its own certificate) and over plain in-cluster HTTP.
  await mkdir(path.join(dir, 'callee-tls'));
  const calleeTls = await selfSignedCertificate(path.join(dir, 'callee-tls'), ['callee.toolforge.org']);
  calleeCa = calleeTls.certFile;
  calleeServer = startProcess({ name: 'callee (https)', command: process.execPath, args: [fixtureApp('mediawiki/server.mjs')], env: { PATH: process.env.PATH, TLS_CERT_FILE: calleeTls.certFile, TLS_KEY_FILE: calleeTls.keyFile } });
  stops.push(() => calleeServer.stop());
  const calleePort = Number((await calleeServer.waitForOutput(/listening (\d+)/))[1]);
  // /status/NNN answers NNN (for the failed requests), anything else 200.
  plainServer = http.createServer((req, res) => {
    const status = /^\/status\/([0-9]{3})(\?|$)/.exec(req.url ?? '');
    res.writeHead(status === null ? 200 : Number(status[1]), status?.[1] === '302' ? { location: '/api' } : {}).end('ok');
  });
  await new Promise<void>((resolve) => plainServer.listen(0, '127.0.0.1', resolve));
  stops.push(() => new Promise((resolve) => plainServer.close(resolve)));
  plainPort = (plainServer.address() as { port: number }).port;

  // The shared volumes: another tool's home, our own home, the dumps.
  const project = path.join(dir, 'project');
  const dumps = path.join(dir, 'dumps');
  for (const d of ['callee', 'shelljob', 'preloaded']) await mkdir(path.join(project, d), { recursive: true });
  await writeFile(path.join(project, 'callee', 'shared.txt'), 'shared\n');
  await writeFile(path.join(project, 'shelljob', 'own.txt'), 'own\n');
  for (const wiki of ['enwiki', 'dewiki']) {
    await mkdir(path.join(dumps, 'public', wiki), { recursive: true });
    await writeFile(path.join(dumps, 'public', wiki, 'latest-abstract.xml'), '<feed/>\n');
  }

  const accounts = await toolAccounts(
    dir,
    Object.values(T).filter((t) => t !== MAPPED),
    { '/data/project': project, '/public/dumps': dumps },
  );
  const inHosts = await privateHosts(dir, {
    [HOSTS.replica]: '127.0.0.1',
    [HOSTS.toolsdb]: '127.0.0.1',
    [HOSTS.redis]: '127.0.0.1',
    [HOSTS.wiki]: '127.0.0.1',
    'de.wikipedia.org': '127.0.0.1',
    'callee.toolforge.org': '127.0.0.1',
    'web.tool-callee.svc.tools.local': '127.0.0.1',
  });
  const wikiPort = new URL(world.wikiUrl!).port;
  pythonEnv = {
    PATH: '/usr/bin:/bin',
    WIKI_EN: `https://${HOSTS.wiki}:${wikiPort}`,
    WIKI_DE: `https://de.wikipedia.org:${wikiPort}`,
    CA_FILE: world.tls!.certFile,
    MYSQL_HOST: HOSTS.replica,
    MYSQL_PORT: String(world.mariadb!.port),
    MYSQL_USER,
    MYSQL_PASSWORD,
    REDIS_HOST: HOSTS.redis,
    REDIS_PORT: String(world.redis!.port),
    CALLEE_HTTPS: `https://callee.toolforge.org:${calleePort}`,
    CALLEE_URL: `http://web.tool-callee.svc.tools.local:${plainPort}`,
    WIKI_PORT: wikiPort,
  };
  run = async (name, spec, account) => {
    const result = await runToExit(inHosts(accounts.wrap({ ...spec, name }, account)), 60_000);
    assert.equal(result.code, 0, `${name} failed:\n${result.stdout}${result.stderr}`);
  };

  prometheus = await startPrometheus({ workDir: dir });
  stops.push(() => prometheus.stop());
  collector = await startLocalCollector({ remoteWriteUrl: prometheus.remoteWriteUrl, tracesEndpoint: world.receiver.endpoint, selfMetricsPort: await freePort() });
  stops.push(() => collector.stop());

  // The tools run as their own uids: they read the certificates, scripts and volumes.
  await runToExit({ command: 'chmod', args: ['-R', 'a+rX', dir] });
  const uidMap = path.join(dir, 'uid-map.yaml');
  await writeFile(uidMap, `${MAPPED.uid}: tools.${MAPPED.tool}\n`);
  const metricsPort = await freePort();
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  agent = startProcess(
    inHosts(
      accounts.wrap({
        name: 'toolforge-tracing agent',
        command: cli,
        args: [
          'agent',
          '--metrics-listen', `127.0.0.1:${metricsPort}`,
          '--otlp-endpoint', collector.otlpEndpoint,
          '--interval', '1',
          '--uid-map', uidMap,
          '--preload-marker', await preloadPath(),
          '--hold-new-series-seconds', '2',
        ],
        env: { PATH: process.env.PATH },
      }),
    ),
  );
  stops.push(() => agent.stop('SIGTERM', 20_000));
  // Processes exec'd while bpftrace loads (its execve probe is attached last): their marks
  // and working directory are read again once the probes are attached. Each waits in-process
  // (no later exec) for goFile.
  await agent.waitForOutput(/bpftrace run 1 \(pid \d+\) is loading its probes/, 120_000);
  goFile = path.join(dir, 'go');
  const waitThen = (code: string): string => `import os, sys, time\nwhile not os.path.exists(${JSON.stringify(goFile)}): time.sleep(0.05)\n${code}`;
  const late = (name: string, spec: ProcessSpec, account: ToolAccount): ManagedProcess => startProcess(inHosts(accounts.wrap({ ...spec, name }, account)));
  lateProcesses = [
    late('late opted-out python tool', { command: PYTHON, args: ['-c', waitThen('import runpy; runpy.run_path(sys.argv[1], run_name="__main__")'), path.join(clients, 'python-tool.py')], env: { ...pythonEnv, TOOLFORGE_TRACING_DISABLED: 'true' } }, T.lateoptout),
    late(
      'late node tool with the preload',
      { command: process.execPath, args: ['-e', `const fs = require('fs'); const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(goFile)})) { clearInterval(t); require(process.argv[1]); } }, 50);`, path.join(clients, 'node-tool.cjs')], env: { ...world.toolEnv('latepreloaded'), ...pythonEnv, PATH: process.env.PATH, NODE_OPTIONS: `--require ${world.preload}` } },
      T.latepreloaded,
    ),
    // Node 16: NODE_OPTIONS names the preload, which does not start there (too old): the agent counts it.
    late(
      'late node 16 tool, the preload named but not running',
      { command: nodeBinary(16), args: ['-e', `const fs = require('fs'); const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(goFile)})) { clearInterval(t); require(process.argv[1]); } }, 50);`, path.join(clients, 'node-tool.cjs')], env: { ...world.toolEnv('lateoldnode'), ...pythonEnv, PATH: process.env.PATH, NODE_OPTIONS: `--require ${world.preload}` } },
      T.lateoldnode,
    ),
    late('late tool in another tool\'s home', { command: 'sh', args: ['-c', `cd /data/project/callee && exec ${PYTHON} -c '${waitThen('open("shared.txt").read()')}'`], env: pythonEnv }, T.latecwd),
  ];
  for (const p of lateProcesses) stops.push(() => p.stop());
  await agent.waitForOutput(/bpftrace run 1 \(pid \d+\) attached/, 240_000);
  await writeFile(goFile, '');
});

after(async () => {
  if (process.env.AGENT_TEST_DUMP) await writeFile(process.env.AGENT_TEST_DUMP, `${agent?.stderr()}\n${await (await fetch(metricsUrl).catch(() => undefined))?.text().catch(() => '')}`);
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
});

const E = {
  // urllib: one request; requests: three on one kept-alive connection (so no bare
  // connection is counted for either); pymysql: SET AUTOCOMMIT = 0 at connect + two queries;
  // redis-py: two commands.
  pybot: {
    'pybot wikimedia:mediawiki en.wikipedia.org request': 1,
    'pybot wikimedia:mediawiki de.wikipedia.org request': 3,
    'pybot wmcs:wiki-replicas enwiki query': 3,
    'pybot toolforge:redis  command': 2,
  },
  // php-curl: one request; mysqli: one query (the database is named in the handshake, not
  // in a query, so ToolsDB carries no detail here).
  phptool: {
    'phptool wikimedia:mediawiki en.wikipedia.org request': 1,
    'phptool toolforge:toolsdb  query': 1,
  },
  curltool: { 'curltool callee  request': 1 },
  // Another tool's file and a dump; not its own home, not the failed open; the refused connect.
  shelljob: {
    'shelljob callee nfs open': 1,
    'shelljob wmcs:dumps public/enwiki open': 1,
    'shelljob local:loopback  connection': 1,
  },
  nodetool: { 'nodetool callee web request': 1, 'nodetool wmcs:dumps public/dewiki open': 1 },
  // Its request is the preload's span; its open is the agent's.
  preloaded: { 'preloaded wmcs:dumps public/dewiki open': 1 },
  // The preload named in NODE_OPTIONS but not running (Node 16): the agent counts all.
  oldnode: { 'oldnode callee web request': 1, 'oldnode wmcs:dumps public/dewiki open': 1 },
  // The forged name changes the server side only: forger -> callee, never callee as client.
  forger: { 'forger callee  request': 1 },
  // Host headers after three others name the server (over TLS, against the server name;
  // on plain HTTP, with no name looked up); a Host line in a body does not.
  hosttool: {
    'hosttool wikimedia:mediawiki de.wikipedia.org request': 1,
    'hosttool callee web request': 1,
    'hosttool local:loopback  request': 1,
  },
  // Failed requests (status outside [100, 400)) are requests too: urllib 200 + 404, requests
  // 200 + 404 + 200 on one TLS connection, 500 + 200 + 404 + 302 on one plain connection.
  statustool: {
    'statustool wikimedia:mediawiki en.wikipedia.org request': 2,
    'statustool wikimedia:mediawiki de.wikipedia.org request': 3,
    'statustool callee web request': 4,
  },
  // Relative opens after cd into another tool's home and into the dumps; none after cd /tmp.
  reltool: { 'reltool callee nfs open': 1, 'reltool wmcs:dumps public/enwiki open': 1, 'reltool wmcs:dumps public/dewiki open': 1 },
  // Started while the probes were loading: the opt-out and the preload mark still hold,
  // and a relative open in the working directory it had then is counted.
  latepreloaded: { 'latepreloaded wmcs:dumps public/dewiki open': 1 },
  lateoldnode: { 'lateoldnode callee web request': 1, 'lateoldnode wmcs:dumps public/dewiki open': 1 },
  latecwd: { 'latecwd callee nfs open': 1 },
};

test('every tool: each edge with its exact count, detail and unit; nothing else', async () => {
  const closedPort = await freePort();
  await run('python tool', { command: PYTHON, args: [path.join(clients, 'python-tool.py')], env: pythonEnv }, T.pybot);
  await run('php tool', { command: 'php', args: [path.join(clients, 'php-tool.php')], env: { ...pythonEnv, MYSQL_HOST: HOSTS.toolsdb } }, T.phptool);
  await run('curl', { command: 'curl', args: ['-sS', '-o', '/dev/null', '--http1.1', '--cacert', calleeCa, `${pythonEnv.CALLEE_HTTPS}/w/api.php?token=secret-curl`], env: pythonEnv }, T.curltool);
  await run('perl job', { command: 'perl', args: [path.join(clients, 'shell-job.pl')], env: { ...pythonEnv, CLOSED_PORT: String(closedPort), OWN_TOOL: 'shelljob' } }, T.shelljob);
  await run('node tool', { command: process.execPath, args: [path.join(clients, 'node-tool.cjs')], env: pythonEnv }, T.nodetool);
  await run('node tool with the preload', { command: process.execPath, args: [path.join(clients, 'node-tool.cjs')], env: { ...world.toolEnv('preloaded'), ...pythonEnv, PATH: process.env.PATH, NODE_OPTIONS: `--require ${world.preload}` } }, T.preloaded);
  await run('node 16 tool, the preload named but not running', { command: nodeBinary(16), args: [path.join(clients, 'node-tool.cjs')], env: { ...world.toolEnv('oldnode'), ...pythonEnv, PATH: process.env.PATH, NODE_OPTIONS: `--require ${world.preload}` } }, T.oldnode);
  await run('opted-out python tool', { command: PYTHON, args: [path.join(clients, 'python-tool.py')], env: { ...pythonEnv, TOOLFORGE_TRACING_DISABLED: 'true' } }, T.optout);
  await run('forged SNI and Host', { command: PYTHON, args: [path.join(clients, 'forged-host.py')], env: { ...pythonEnv, PORT: pythonEnv.WIKI_PORT, FORGED_HOST: 'callee.toolforge.org' } }, T.forger);
  await run('error statuses', { command: PYTHON, args: [path.join(clients, 'status-tool.py')], env: pythonEnv }, T.statustool);
  await run('late Host headers', { command: PYTHON, args: [path.join(clients, 'late-host.py')], env: { ...pythonEnv, PLAIN_PORT: String(plainPort) } }, T.hosttool);
  await run(
    'relative opens',
    { command: 'sh', args: ['-c', 'cd /data/project/callee && cat shared.txt > /dev/null && cd /public/dumps/public && cat enwiki/latest-abstract.xml > /dev/null && cd /public/dumps && cat public/dewiki/latest-abstract.xml > /dev/null && cd /tmp && cat /etc/hostname > /dev/null'] },
    T.reltool,
  );
  for (const p of lateProcesses) {
    const exit = await p.exited;
    assert.equal(exit.code, 0, `${p.stdout()}${p.stderr()}`);
  }

  const expected = Object.assign({}, ...Object.values(E)) as Record<string, number>;
  // One failure per response with a failure status, none for the others (the statustool
  // counts above; php-curl's /w/index.php and late-host.py's are pages the wiki does not
  // have: 404, read through SSL_read and SSL_read_ex); the refused connect.
  const failures = {
    'shelljob local:loopback  connection': 1,
    'phptool wikimedia:mediawiki en.wikipedia.org request': 1,
    'hosttool wikimedia:mediawiki de.wikipedia.org request': 1,
    'statustool wikimedia:mediawiki en.wikipedia.org request': 1,
    'statustool wikimedia:mediawiki de.wikipedia.org request': 1,
    'statustool callee web request': 2,
  };
  const samples = await waitForEdges(expected, 60_000, failures);
  assert.deepEqual(edges(samples, 'toolforge_internal_dependencies_total'), expected);
  assert.deepEqual(edges(samples, 'toolforge_internal_dependency_failures_total'), failures);
  // The service-graph copies carry the same edges (summed over units), marked as the agent's.
  const graph = samples.filter((s) => s.name === 'traces_service_graph_request_total' && s.labels.client === 'pybot');
  assert.deepEqual(
    Object.fromEntries(graph.map((s) => [`${s.labels.server} ${s.labels.client_toolforge_dependency_detail} ${s.labels.source}`, s.value])),
    { 'wikimedia:mediawiki en.wikipedia.org toolforge-agent': 1, 'wikimedia:mediawiki de.wikipedia.org toolforge-agent': 3, 'wmcs:wiki-replicas enwiki toolforge-agent': 3, 'toolforge:redis  toolforge-agent': 2 },
  );
});

test('no query string, token or request body in any exported byte', async () => {
  const text = await (await fetch(metricsUrl)).text();
  for (const secret of ['secret-', 'token', '?', 'page_id', 'agent-test', 'late-host', 'Content-']) assert.ok(!text.includes(secret), `/metrics contains ${JSON.stringify(secret)}`);
  const series = await prometheus.query('{__name__=~"toolforge_.*|traces_service_graph_.*"}');
  assert.ok(series.length > 0, 'the collector wrote the agent series into Prometheus');
  const bytes = JSON.stringify(series);
  for (const secret of ['secret-', 'token', '?', 'page_id']) assert.ok(!bytes.includes(secret), `Prometheus series contain ${JSON.stringify(secret)}`);
});

test('OTLP export: the same counts through the real collector into Prometheus', async () => {
  // Prometheus drops empty labels: detail "" arrives as no detail label.
  const samples = await prometheus.waitFor(
    'toolforge_internal_dependencies_total{tool="pybot"}',
    (s) => s.reduce((sum, x) => sum + x.value, 0) === 9,
    60_000,
  );
  assert.deepEqual(
    Object.fromEntries(samples.map((s) => [`${s.metric.dependency} ${s.metric.detail ?? ''} ${s.metric.unit}`, s.value])),
    { 'wikimedia:mediawiki en.wikipedia.org request': 1, 'wikimedia:mediawiki de.wikipedia.org request': 3, 'wmcs:wiki-replicas enwiki query': 3, 'toolforge:redis  command': 2 },
  );
  // A new series is exported at 0 first (hold period): wait for its count.
  const graph = await prometheus.waitFor('traces_service_graph_request_total{source="toolforge-agent",client="forger"}', (s) => s.length === 1 && s[0]!.value === 1, 30_000);
  assert.equal(graph[0]!.metric.server, 'callee');
  assert.equal(graph[0]!.value, 1);
  assert.deepEqual(await prometheus.query('toolforge_internal_dependencies_total{tool=~"optout|lateoptout|callee"}'), []);
});

test('kill -9 of bpftrace: restarted at once, no stale probes, counters continue', async (t) => {
  const before = await readFile('/sys/kernel/tracing/uprobe_events', 'utf8');
  const pid = Number(/bpftrace run 1 \(pid (\d+)\) attached/.exec(agent.stderr())![1]);
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  await agent.waitForOutput(/bpftrace run 2 \(pid \d+\) is loading its probes/, 60_000);
  const spawned = Date.now() - killedAt;
  // The next run starts when the exit begins, not seconds later when the kernel has detached
  // the killed run's probes and its process is reaped.
  await agent.waitForOutput(/bpftrace run 1 exited \(SIGKILL\)/, 60_000);
  assert.match(agent.stderr(), /bpftrace run 1 is exiting; starting it again\n.*bpftrace run 2 \(pid \d+\) is loading its probes\n(.*\n)*.*bpftrace run 1 exited \(SIGKILL\)/);
  const attached = await agent.waitForOutput(/bpftrace run 2 \(pid \d+\) attached .* ([0-9.]+) s after it started/, 240_000);
  // Figures for docs/operators/agent.md (no timed assertion: the machine is shared).
  t.diagnostic(`kill -9 -> new bpftrace started: ${spawned} ms; -> probes attached: ${((Date.now() - killedAt) / 1000).toFixed(1)} s (loading ${attached[1]} s)`);
  assert.equal(await readFile('/sys/kernel/tracing/uprobe_events', 'utf8'), before, 'uprobe_events unchanged');
  await run('python tool again', { command: PYTHON, args: [path.join(clients, 'python-tool.py')], env: { ...pythonEnv, MODE: 'urllib' } }, T.pybot);
  const samples = await waitForEdges({ 'pybot wikimedia:mediawiki en.wikipedia.org request': 2 }, 60_000);
  const seen = edges(samples, 'toolforge_internal_dependencies_total');
  assert.equal(seen['pybot wikimedia:mediawiki en.wikipedia.org request'], 2);
  assert.equal(seen['pybot wikimedia:mediawiki de.wikipedia.org request'], 3, 'earlier counts kept');
  assert.equal(samples.find((s) => s.name === 'toolforge_agent_bpftrace_restarts_total')?.value, 1);
  for (const probe of ['marks', 'tcp', 'dns', 'tls', 'writes', 'files']) {
    assert.equal(samples.find((s) => s.name === 'toolforge_agent_probes_attached' && s.labels.probe === probe)?.value, 1, `${probe} attached`);
  }
});

test('SIGTERM: the last counts are flushed, then a clean exit', async () => {
  await run('python tool before SIGTERM', { command: PYTHON, args: [path.join(clients, 'python-tool.py')], env: { ...pythonEnv, MODE: 'urllib' } }, T.pybot);
  const exit = await agent.stop('SIGTERM', 30_000);
  assert.equal(exit.code, 0, agent.stderr());
  assert.match(agent.stderr(), /SIGTERM: final read and flush/);
  const samples = await prometheus.waitFor('toolforge_internal_dependencies_total{tool="pybot",detail="en.wikipedia.org",unit="request"}', (s) => s[0]?.value === 3, 30_000);
  assert.equal(samples[0]!.value, 3);
});
