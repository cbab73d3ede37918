import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { parse } from 'yaml';
import { privateNamespace, type Account } from '../../local/private-namespace.js';
import { COLLECTOR_CONFIG_DIR, startCollector, startLocalCollector, type LocalCollector } from '../support/collector.js';
import { DEFAULT_NODE, nodeBinary } from '../support/node-runtimes.js';
import { freePort } from '../support/ports.js';
import { repoRoot } from '../support/preload-bundle.js';
import { privateHosts } from '../support/private-hosts.js';
import { startProcess, type ManagedProcess, type ProcessSpec } from '../support/processes.js';
import { startPrometheus, type Sample, type TestPrometheus } from '../support/prometheus.js';
import { fixtureApp, HOSTS, startToolforgeWorld, type ToolforgeWorld } from '../support/toolforge-world.js';
import { startForwardingProxy, type ForwardingProxy } from './forwarding-proxy.js';

/**
 * Real tools with the preload -> real collector (collector-config/local.yaml, then the
 * production gateway.yaml on loopback ports) -> real Prometheus; PromQL checks every edge
 * the service graph must show, at 100% and at 10% head sampling, and what reaches the
 * traces side. Then every dashboard panel's query runs against this Prometheus.
 */

const CALLER_APP = path.join(repoRoot, 'tests', 'pipeline', 'apps', 'dependency-caller.cjs');
const CALLEE_APP = fixtureApp('callee/app.cjs');
const WIKIS = ['enwiki', 'dewiki'];
const MEDIAWIKI = { en: 'en.wikipedia.org', de: 'de.wikipedia.org' };
const RUNS_FULL = 40;
const RUNS_SAMPLED = 300;
const SAMPLE_RATIO = 0.1;
const RUNS_GATEWAY = 20;

const milliseconds = (d: string): number => {
  const m = /^(\d+)(ms|s)$/.exec(d);
  if (!m) throw new Error(`unexpected duration ${d} in a collector config`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
};
type GraphTiming = { store: { ttl: string }; store_expiration_loop: string; metrics_flush_interval: string };
const graphTiming = (file: string): GraphTiming =>
  (parse(readFileSync(path.join(COLLECTOR_CONFIG_DIR, file), 'utf8')) as { connectors: { service_graph: GraphTiming } }).connectors.service_graph;
/** Longest time from a span's arrival to its edge's count in Prometheus, plus a second for remote write. */
const settleMs = (g: GraphTiming): number => milliseconds(g.store.ttl) + milliseconds(g.store_expiration_loop) + milliseconds(g.metrics_flush_interval) + 1000;

/** One series of traces_service_graph_request_total, as a readable key. */
function edgeKey(m: Record<string, string>): string {
  const detail = m.client_toolforge_dependency_detail ? ` [${m.client_toolforge_dependency_detail}]` : '';
  return `${m.client} -> ${m.server} (${m.connection_type || 'paired'})${detail}${m.failed === 'true' ? ' failed' : ''}`;
}

/** What one tool's runs must produce: each GET /run makes the calls dependency-caller.cjs lists. */
function expectedEdges(caller: string, callee: string, runs: number): Map<string, number> {
  return new Map([
    [`user -> ${caller} (virtual_node)`, runs],
    [`${caller} -> ${callee} (paired)`, runs],
    [`${caller} -> wmcs:wiki-replicas (database) [enwiki]`, runs],
    [`${caller} -> wmcs:wiki-replicas (database) [dewiki]`, runs],
    [`${caller} -> toolforge:toolsdb (database) [s51234__mytool]`, runs],
    [`${caller} -> toolforge:redis (database)`, runs],
    [`${caller} -> wikimedia:mediawiki (virtual_node) [${MEDIAWIKI.en}]`, runs],
    [`${caller} -> wikimedia:mediawiki (virtual_node) [${MEDIAWIKI.en}] failed`, runs],
    [`${caller} -> wikimedia:mediawiki (virtual_node) [${MEDIAWIKI.de}]`, 2 * runs],
  ]);
}

const withinFivePercent = (actual: number, expected: number): boolean => Math.abs(actual - expected) <= 0.05 * expected;

function edgesOf(samples: Sample[]): Map<string, number> {
  return new Map(samples.map((s) => [edgeKey(s.metric), s.value]));
}

function insecureJsonPost(url: string, body: unknown): Promise<{ status: number; body: string }> {
  // The webhook's certificate is self-signed for this run; the request stays on loopback.
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('pipeline end to end: Node tools with the preload and the eBPF agent -> collector -> Prometheus', { timeout: 900_000 }, () => {
  let world: ToolforgeWorld;
  let prometheus: TestPrometheus;
  let collector: LocalCollector;
  let proxy: ForwardingProxy;
  let webhook: ManagedProcess;
  let inPipelineHosts: (spec: ProcessSpec) => ProcessSpec;
  const tools: ManagedProcess[] = [];
  /** Spans one run of a caller/callee pair records (measured at 100%). */
  let spansPerRun = 0;

  async function startTool(tool: string, app: string, env: Record<string, string>): Promise<number> {
    const toolEnv = world.toolEnv(tool, env);
    toolEnv.NODE_OPTIONS = `--require ${world.preload}`;
    const proc = startProcess(inPipelineHosts({ name: `tool ${tool}`, command: nodeBinary(DEFAULT_NODE), args: [app], env: toolEnv }));
    tools.push(proc);
    return Number((await proc.waitForOutput(/listening (\d+)/))[1]);
  }

  /** A caller tool and the tool it calls through the proxy, at the given head-sampling ratio. */
  async function startPair(caller: string, callee: string, ratio: number, otlpEndpoint = collector.otlpEndpoint): Promise<number> {
    const sampler = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: String(ratio), OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint };
    proxy.routes.set(`${callee}.toolforge.org`, await startTool(callee, CALLEE_APP, sampler));
    return startTool(caller, CALLER_APP, {
      ...sampler,
      CALLEE_URL: `http://${callee}.toolforge.org:${proxy.port}`,
      REPLICA_WIKIS: WIKIS.join(','),
      TOOLSDB_HOST: HOSTS.toolsdb,
      MEDIAWIKI_CALLS: `${MEDIAWIKI.en}:1,${MEDIAWIKI.de}:2`,
      MEDIAWIKI_FAILING_HOST: MEDIAWIKI.en,
      MEDIAWIKI_PORT: new URL(world.wikiUrl ?? '').port,
    });
  }

  async function drive(port: number, runs: number): Promise<void> {
    for (let i = 0; i < runs; i++) {
      const response = await fetch(`http://127.0.0.1:${port}/run`);
      const text = await response.text();
      assert.equal(response.status, 200, `run ${i}: ${text}`);
    }
  }

  /**
   * The graph of `caller` once it is final: after the pairing TTL, the expiry loop and the
   * flush of local.yaml have passed since the last call, and two reads a second apart agree.
   */
  async function finalEdges(caller: string, timing = graphTiming('local.yaml')): Promise<Map<string, number>> {
    await new Promise((resolve) => setTimeout(resolve, settleMs(timing)));
    const promql = `traces_service_graph_request_total{client=~"${caller}|user"}`;
    const relevant = (samples: Sample[]) => edgesOf(samples.filter((s) => s.metric.client === caller || s.metric.server === caller));
    let previous = '';
    const samples = await prometheus.waitFor(
      promql,
      (result) => {
        const snapshot = JSON.stringify([...relevant(result)].sort());
        const stable = snapshot === previous;
        previous = snapshot;
        return stable;
      },
      30_000,
      1000,
    );
    return relevant(samples);
  }

  before(async () => {
    world = await startToolforgeWorld({ mariadb: true, redis: true, wiki: true });
    await world.mariadb!.sql('CREATE DATABASE dewiki_p;');
    const hostsDir = path.join(world.dir.path, 'pipeline-hosts');
    mkdirSync(hostsDir);
    const names = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'].map((t) => `${t}.toolforge.org`);
    names.push(...WIKIS.map((w) => `${w}.analytics.db.svc.wikimedia.cloud`), HOSTS.toolsdb, HOSTS.redis, MEDIAWIKI.en, MEDIAWIKI.de);
    inPipelineHosts = await privateHosts(hostsDir, Object.fromEntries(names.map((n) => [n, '127.0.0.1'])));
    proxy = await startForwardingProxy();

    webhook = startProcess({
      name: 'toolforge-tracing webhook',
      command: path.join(repoRoot, 'bin', 'toolforge-tracing'),
      args: ['webhook', '--port', '0', '--self-signed'],
      env: { PATH: process.env.PATH, HOME: world.dir.path },
    });
    const webhookPort = Number((await webhook.waitForOutput(/listening on https:\/\/127\.0\.0\.1:(\d+)\//, 120_000))[1]);

    const collectorMetricsPort = await freePort();
    const workDir = path.join(world.dir.path, 'pipeline');
    mkdirSync(workDir);
    prometheus = await startPrometheus({
      workDir,
      scrapeTargets: {
        'otelcol-local': { address: `127.0.0.1:${collectorMetricsPort}` },
        'toolforge-tracing-webhook': { address: `127.0.0.1:${webhookPort}`, scheme: 'https' },
      },
    });
    collector = await startLocalCollector({ remoteWriteUrl: prometheus.remoteWriteUrl, tracesEndpoint: world.receiver.endpoint, selfMetricsPort: collectorMetricsPort });

    // One real admission, so the injector panels have something to show.
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'e2e-0001',
        kind: { group: '', version: 'v1', kind: 'Pod' },
        resource: { group: '', version: 'v1', resource: 'pods' },
        namespace: 'tool-alpha',
        operation: 'CREATE',
        userInfo: { username: 'system:serviceaccount:tool-alpha:default' },
        object: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'alpha-7d9f-abcde', namespace: 'tool-alpha', labels: { toolforge: 'tool' } },
          spec: { containers: [{ name: 'webservice', image: 'docker-registry.tools.wmflabs.org/toolforge-node18-sssd-web:latest' }] },
        },
      },
    };
    const answer = await insecureJsonPost(`https://127.0.0.1:${webhookPort}/mutate`, review);
    assert.equal(answer.status, 200, answer.body);
  });

  after(async () => {
    for (const tool of tools) await tool.stop();
    await collector?.stop();
    await prometheus?.stop();
    await webhook?.stop();
    await proxy?.stop();
    await world?.stop();
  });

  test(`100% sampling: ${RUNS_FULL} runs of alpha give every edge its exact count, and every trace reaches the traces side`, async (t) => {
    const port = await startPair('alpha', 'beta', 1);
    const forwardedBefore = proxy.forwarded();
    await drive(port, RUNS_FULL);
    assert.equal(proxy.forwarded() - forwardedBefore, RUNS_FULL, 'alpha reached beta through the proxy once per run');

    const expected = expectedEdges('alpha', 'beta', RUNS_FULL);
    const measured = await finalEdges('alpha');
    t.diagnostic(`edges at 100%: ${JSON.stringify(Object.fromEntries(measured))}`);
    assert.deepEqual(new Map([...measured].sort()), new Map([...expected].sort()), 'exactly these edges with exactly these counts');

    const traces = new Set(world.receiver.spans().filter((s) => s.resource['service.name'] === 'alpha' && s.kind === 'SERVER').map((s) => s.traceId));
    assert.equal(traces.size, RUNS_FULL, 'all traces reach the traces side at 100%');
    const spans = world.receiver.spans().filter((s) => s.resource['service.name'] === 'alpha' || s.resource['service.name'] === 'beta');
    spansPerRun = spans.length / RUNS_FULL;
    assert.ok(Number.isInteger(spansPerRun), `every run makes the same spans (${spans.length} for ${RUNS_FULL} runs)`);
  });

  test(`10% sampling: ${RUNS_SAMPLED} runs of gamma still count every call (within 5%), while only ~10% of traces reach the traces side`, async (t) => {
    const port = await startPair('gamma', 'delta', SAMPLE_RATIO);
    await drive(port, RUNS_SAMPLED);

    const expected = expectedEdges('gamma', 'delta', RUNS_SAMPLED);
    const measured = await finalEdges('gamma');
    t.diagnostic(`edges at 10%: ${JSON.stringify(Object.fromEntries(measured))}`);
    assert.deepEqual([...measured.keys()].sort(), [...expected.keys()].sort(), 'the same edges as at 100%');
    for (const [key, n] of expected) assert.ok(withinFivePercent(measured.get(key) ?? 0, n), `${key}: ${measured.get(key)} vs ${n}`);

    const spans = world.receiver.spans().filter((s) => s.resource['service.name'] === 'gamma' || s.resource['service.name'] === 'delta');
    assert.ok(spans.every((s) => s.attributes['toolforge.sampled'] === true), 'no unsampled span reaches the traces side');
    const sampledTraces = new Set(spans.filter((s) => s.resource['service.name'] === 'gamma' && s.kind === 'SERVER').map((s) => s.traceId));
    const share = sampledTraces.size / RUNS_SAMPLED;
    t.diagnostic(`traces stored: ${sampledTraces.size} of ${RUNS_SAMPLED} (${(share * 100).toFixed(1)}%)`);
    // Binomial(300, 0.1): 4%..18% holds with probability > 99.97%.
    assert.ok(share >= 0.04 && share <= 0.18, `sampled share ${share}`);
    // The same share of spans: what Tempo would store, against what the tools recorded.
    assert.ok(spansPerRun > 0, 'the 100% run measured the spans of one run');
    const spanShare = spans.length / (RUNS_SAMPLED * spansPerRun);
    t.diagnostic(`spans stored: ${spans.length} of ${RUNS_SAMPLED * spansPerRun} recorded (${(spanShare * 100).toFixed(1)}%)`);
    assert.ok(spanShare >= 0.04 && spanShare <= 0.18, `span share ${spanShare}`);
    // Parent-based: a sampled trace is whole on the traces side (delta's server span is in it too).
    const deltaTraces = new Set(spans.filter((s) => s.resource['service.name'] === 'delta').map((s) => s.traceId));
    assert.deepEqual([...deltaTraces].sort(), [...sampledTraces].sort());
  });

  test(`the production gateway.yaml (on loopback ports, flushing every second) gives the same graph, per gateway, and forwards the traces`, async (t) => {
    const [grpcPort, httpPort, healthPort, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const gatewayPod = 'toolforge-tracing-gateway-e2e';
    const gateway = await startCollector(
      'otelcol-toolforge (gateway.yaml)',
      [
        path.join(COLLECTOR_CONFIG_DIR, 'gateway.yaml'),
        `yaml:receivers::otlp::protocols::grpc::endpoint: 127.0.0.1:${grpcPort}`,
        // In the cluster node collectors send gRPC; the tools here send OTLP/HTTP straight in.
        `yaml:receivers::otlp::protocols::http::endpoint: 127.0.0.1:${httpPort}`,
        `yaml:extensions::health_check::endpoint: 127.0.0.1:${healthPort}`,
        `yaml:service::telemetry::metrics::readers: [{pull: {exporter: {prometheus: {host: 127.0.0.1, port: ${metricsPort}}}}}]`,
        'yaml:connectors::service_graph::metrics_flush_interval: 1s',
        // Tempo stand-in: the test's OTLP/HTTP receiver (Tempo's distributor takes OTLP/HTTP as well).
        `yaml:exporters::otlp_http/tempo-stand-in::endpoint: ${world.receiver.endpoint}`,
        'yaml:service::pipelines::traces/sampled::exporters: [otlp_http/tempo-stand-in]',
      ],
      {
        K8S_POD_NAME: gatewayPod,
        TOOLFORGE_TRACING_PROMETHEUS_REMOTE_WRITE_URL: prometheus.remoteWriteUrl,
        TOOLFORGE_TRACING_TEMPO_OTLP_ENDPOINT: `127.0.0.1:${grpcPort}`,
      },
    );
    try {
      const port = await startPair('epsilon', 'zeta', 1, `http://127.0.0.1:${httpPort}`);
      await drive(port, RUNS_GATEWAY);
      // The gateway's own pairing TTL and expiry loop; only the flush was shortened.
      const measured = await finalEdges('epsilon', { ...graphTiming('gateway.yaml'), metrics_flush_interval: '1s' });
      t.diagnostic(`edges through gateway.yaml: ${JSON.stringify(Object.fromEntries(measured))}`);
      assert.deepEqual(new Map([...measured].sort()), new Map([...expectedEdges('epsilon', 'zeta', RUNS_GATEWAY)].sort()));
      const labelled = await prometheus.query(`traces_service_graph_request_total{client="epsilon"}`);
      assert.ok(labelled.every((s) => s.metric.toolforge_tracing_gateway === gatewayPod), 'every series names the gateway that wrote it');
      const traces = new Set(world.receiver.spans().filter((s) => s.resource['service.name'] === 'zeta').map((s) => s.traceId));
      assert.equal(traces.size, RUNS_GATEWAY, 'every trace reached the Tempo stand-in');
      const leaked = world.receiver.spans().filter((s) => 'toolforge.graph.database_node' in s.attributes);
      assert.equal(leaked.length, 0, 'the graph pipeline works on its own copy: its helper attribute never reaches Tempo');
    } finally {
      await gateway.stop();
    }
  });

  /** Tools the eBPF agent sees, each its own tools.<name> account (Node's with the preload too). */
  const AGENT_TOOLS: Account[] = [
    { name: 'tools.pybot', uid: 52001 },
    { name: 'tools.phptool', uid: 52002 },
    { name: 'tools.nodejob', uid: 52003 },
  ];
  const PY_REQUESTS = 3;
  const PHP_REQUESTS = 2;
  const NODE_CALLS = 4;

  test('the eBPF agent: Python and PHP tools reach Prometheus through the collector beside the Node tools, a preloaded Node tool counted once', async (t) => {
    const dir = path.join(world.dir.path, 'agent');
    mkdirSync(dir);
    // The tools run as their own uids: they must read the CA file, the preload and the dumps.
    chmodSync(world.dir.path, 0o755);
    chmodSync(world.tls!.certFile, 0o644);
    const dumps = path.join(dir, 'mnt');
    mkdirSync(path.join(dumps, 'nfs', 'dumps-clouddumps1002', 'public', 'enwiki', 'latest'), { recursive: true });
    writeFileSync(path.join(dumps, 'nfs', 'dumps-clouddumps1002', 'public', 'enwiki', 'latest', 'enwiki-pages.xml'), '<mediawiki/>');
    const wikiPort = new URL(world.wikiUrl!).port;
    const hosts = Object.fromEntries(['theta.toolforge.org', MEDIAWIKI.en, MEDIAWIKI.de].map((n) => [n, '127.0.0.1']));
    const ns = await privateNamespace(dir, hosts, AGENT_TOOLS, dumps);
    const uidMap = path.join(dir, 'uid-map.yaml');
    writeFileSync(uidMap, AGENT_TOOLS.map((a) => `${a.uid}: ${a.name}\n`).join(''));

    const metricsPort = await freePort();
    const agent = startProcess({
      name: 'toolforge-tracing agent',
      command: path.join(repoRoot, 'bin', 'toolforge-tracing'),
      args: [
        'agent',
        '--profile', 'toolforge',
        '--otlp-endpoint', collector.otlpEndpoint,
        '--metrics-listen', `127.0.0.1:${metricsPort}`,
        '--uid-map', uidMap,
        '--interval', '2',
        '--hold-new-series-seconds', '0',
        // The preload as this test loads it (the webhook's path is /toolforge-tracing/preload.cjs).
        '--preload-marker', path.relative(path.dirname(path.dirname(world.preload)), world.preload),
      ],
      env: { PATH: process.env.PATH, HOME: dir },
    });
    tools.push(agent);
    const deadline = Date.now() + 300_000;
    for (let metrics = ''; !['tcp', 'tls', 'writes', 'files'].every((p) => metrics.includes(`toolforge_agent_probes_attached{probe="${p}"} 1`)); ) {
      assert.ok(Date.now() < deadline, `the agent attached no probes in 5 minutes:\n${agent.stderr()}`);
      const exited = await Promise.race([agent.exited, new Promise((r) => setTimeout(r, 2000, undefined))]);
      assert.equal(exited, undefined, `the agent exited:\n${agent.stderr()}`);
      metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text(), () => '');
    }

    const asTool = async (account: Account, command: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
      const run = startProcess(ns.wrap({ name: account.name, command, args, env: { PATH: '/usr/bin:/bin', HOME: '/tmp', ...env }, cwd: '/tmp' }, account) as ProcessSpec);
      const exit = await run.exited;
      assert.equal(exit.code, 0, `${account.name}: ${run.stdout()}${run.stderr()}`);
      return run.stdout();
    };
    const secret = 'action=query&titles=Secret_Title&token=abc123';
    // Python (urllib, the system libssl) and PHP (curl) over HTTPS; Python also reads a dump.
    await asTool(AGENT_TOOLS[0]!, '/usr/bin/python3', [
      '-c',
      [
        'import ssl, sys, urllib.request',
        `ctx = ssl.create_default_context(cafile=${JSON.stringify(world.tls!.certFile)})`,
        `for _ in range(${PY_REQUESTS}): urllib.request.urlopen("https://${MEDIAWIKI.en}:${wikiPort}/w/api.php?${secret}", context=ctx).read()`,
        'open("/mnt/nfs/dumps-clouddumps1002/public/enwiki/latest/enwiki-pages.xml").read()',
      ].join('\n'),
    ]);
    await asTool(AGENT_TOOLS[1]!, '/usr/bin/php', [
      '-r',
      `for ($i = 0; $i < ${PHP_REQUESTS}; $i++) { $c = curl_init("https://${MEDIAWIKI.de}:${wikiPort}/w/api.php?${secret}"); curl_setopt($c, CURLOPT_CAINFO, ${JSON.stringify(world.tls!.certFile)}); curl_setopt($c, CURLOPT_RETURNTRANSFER, true); if (curl_exec($c) === false) { fwrite(STDERR, curl_error($c)); exit(1); } curl_close($c); }`,
    ]);
    // A Node job with the preload (as the webhook injects it) calling another traced tool:
    // its spans are the edge; the agent must leave its network calls alone.
    proxy.routes.set('theta.toolforge.org', await startTool('theta', CALLEE_APP, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpEndpoint }));
    const jobEnv = world.toolEnv('nodejob', {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpEndpoint,
      TARGET_URL: `http://theta.toolforge.org:${proxy.port}/hello`,
      CALLS: String(NODE_CALLS),
      END: 'natural',
    });
    jobEnv.NODE_OPTIONS = `--require ${world.preload}`;
    await asTool(AGENT_TOOLS[2]!, nodeBinary(DEFAULT_NODE), [fixtureApp('job-exit/app.cjs')], jobEnv);

    // Agent (2 s interval) -> collector -> Prometheus; the spans' edge after the pairing TTL.
    const agentEdges = async () =>
      new Map(
        (await prometheus.query(`toolforge_internal_dependencies_total{tool=~"pybot|phptool|nodejob"}`)).map((s) => [
          `${s.metric.tool} -> ${s.metric.dependency} [${s.metric.detail ?? ''}] ${s.metric.unit}`,
          s.value,
        ]),
      );
    const expectedAgent = new Map([
      [`pybot -> wikimedia:mediawiki [${MEDIAWIKI.en}] request`, PY_REQUESTS],
      ['pybot -> wmcs:dumps [clouddumps1002:public/enwiki] open', 1],
      [`phptool -> wikimedia:mediawiki [${MEDIAWIKI.de}] request`, PHP_REQUESTS],
    ]);
    await prometheus.waitFor(`toolforge_internal_dependencies_total{tool=~"pybot|phptool|nodejob"}`, (found) => found.length >= expectedAgent.size, 60_000, 1000);
    await new Promise((resolve) => setTimeout(resolve, settleMs(graphTiming('local.yaml'))));
    const measured = await agentEdges();
    t.diagnostic(`agent edges: ${JSON.stringify(Object.fromEntries(measured))}`);
    assert.deepEqual(new Map([...measured].sort()), new Map([...expectedAgent].sort()), 'exactly these agent edges: none for the preloaded Node job');

    // The service graph: the agent's copies (source label) and the spans' edges, merged without overlap.
    const graph = edgesOf(await prometheus.query(`traces_service_graph_request_total{client=~"pybot|phptool|nodejob"}`));
    const copies = await prometheus.query(`traces_service_graph_request_total{source="toolforge-agent"}`);
    assert.deepEqual(
      new Map(copies.map((s) => [`${s.metric.client} -> ${s.metric.server} [${s.metric.client_toolforge_dependency_detail ?? ''}]`, s.value])),
      new Map([
        [`phptool -> wikimedia:mediawiki [${MEDIAWIKI.de}]`, PHP_REQUESTS],
        [`pybot -> wikimedia:mediawiki [${MEDIAWIKI.en}]`, PY_REQUESTS],
        ['pybot -> wmcs:dumps [clouddumps1002:public/enwiki]', 1],
      ]),
    );
    assert.equal(graph.get('nodejob -> theta (paired)'), NODE_CALLS, `the Node job's calls, from its spans: ${JSON.stringify(Object.fromEntries(graph))}`);
    const bySource = await prometheus.query('count by (client) (count by (client, source) (traces_service_graph_request_total{client=~"pybot|phptool|nodejob"}))');
    assert.ok(bySource.every((s) => s.value === 1), `a client seen by both the preload and the agent: ${JSON.stringify(bySource)}`);

    // Nothing of the query string reached Prometheus.
    const everything = await prometheus.query('{__name__=~"toolforge_internal_dependenc.*|traces_service_graph_request.*"}');
    assert.ok(!JSON.stringify(everything).includes('Secret_Title') && !JSON.stringify(everything).includes('abc123'), 'a query string reached Prometheus');
  });

  test('every dashboard panel query returns data from this Prometheus (the eBPF agent\'s panels for the agent\'s tools; tool homes empty: none is mounted here)', async (t) => {
    const dir = path.join(repoRoot, 'charts', 'toolforge-tracing', 'dashboards');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 5, `dashboards found: ${files.join(', ')}`);
    // Grafana's variables, resolved as Grafana would for this run.
    const variables: Record<string, string> = { tool: 'alpha', __rate_interval: '1m', __range: '10m', __interval: '15s' };
    const resolve = (expr: string) => expr.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => variables[name] ?? whole);
    // Let Prometheus scrape the collector and the webhook after the runs.
    await new Promise((r) => setTimeout(r, 3000));
    let queries = 0;
    for (const file of files) {
      const dashboard = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { uid: string; panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };
      for (const panel of dashboard.panels) {
        assert.ok((panel.targets ?? []).length > 0, `${file} / ${panel.title}: no query`);
        for (const target of panel.targets ?? []) {
          // Panels of the agent's series are looked at for a tool the agent saw.
          const fedByAgent = target.expr.includes('toolforge_internal_dependencies_total');
          const promql = fedByAgent ? resolve(target.expr.replace(/\$\{?tool\}?/g, 'pybot')) : resolve(target.expr);
          assert.doesNotMatch(promql, /\$/, `${file} / ${panel.title}: unresolved variable in ${promql}`);
          const samples = await prometheus.query(promql);
          queries++;
          // No /data/project in the tools' namespace here: nobody reads another tool's home.
          if (fedByAgent && /unit="open", dependency!~"\.\*:\.\*"|dependency="pybot", unit="open"/.test(promql)) {
            assert.equal(samples.length, 0, `${file} / ${panel.title}: a tool home was read: ${JSON.stringify(samples)}`);
          } else {
            assert.ok(samples.length > 0, `${file} / ${panel.title}: no data for ${promql}`);
          }
        }
      }
    }
    const nfs = JSON.parse(readFileSync(path.join(dir, 'nfs-dependencies.json'), 'utf8')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    assert.ok(nfs.panels.every((p) => p.targets.every((t) => t.expr.includes('toolforge_internal_dependencies_total{unit="open"'))), 'the NFS dashboard reads file opens only');
    t.diagnostic(`${queries} panel queries run over ${files.length} dashboards`);
  });
});
