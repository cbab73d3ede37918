import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { freePort } from '../support/ports.js';
import { startBackfilledPrometheus } from '../support/prometheus-backfill.js';
import type { TestPrometheus } from '../support/prometheus.js';
import { repoRoot } from '../support/preload-bundle.js';
import { runToExit, type Completed } from '../support/processes.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { knownGraphFamilies, UNTIL } from './known-graph.js';
import { groupsReport } from '../../report/analysis/groups.js';
import { hubsReport } from '../../report/analysis/hubs.js';
import { buildGraph } from '../../report/graph.js';
import { loadDependencies } from '../../report/load.js';
import { prometheusClient } from '../../report/prometheus.js';
import { parseWindow } from '../../report/window.js';

/**
 * Every report, run as the real CLI (./bin/toolforge-tracing) against a real Prometheus
 * holding the known graph (known-graph.ts), served under a path prefix as Thanos or Mimir
 * would be. Outputs are compared with the truth written out here and with golden files
 * (UPDATE_GOLDEN=1 rewrites them; review the diff).
 */

const CLI = path.join(repoRoot, 'bin', 'toolforge-tracing');
const GOLDEN = path.join(repoRoot, 'tests', 'report', 'golden');
const until = new Date(UNTIL * 1000).toISOString();
const window = { since: new Date((UNTIL - 7 * 86_400) * 1000).toISOString(), until };

describe('toolforge-tracing report against a real Prometheus with the known graph', { timeout: 900_000 }, () => {
  let dir: TempDir;
  let prometheus: TestPrometheus;
  let queryLog: string;

  async function cli(args: string[], env: Record<string, string> = {}): Promise<Completed> {
    return runToExit({ name: `toolforge-tracing report ${args.join(' ')}`, command: CLI, args: ['report', ...args], env: { PATH: process.env.PATH, HOME: dir.path, ...env } }, 120_000);
  }

  /** A report over the 7 days before UNTIL; exit code checked. */
  async function report(args: string[], expectedExit = 0): Promise<string> {
    const result = await cli([...args, '--prometheus', prometheus.url, '--until', until]);
    assert.equal(result.code, expectedExit, `exit code of ${args.join(' ')}; stderr: ${result.stderr}`);
    assert.equal(result.stderr, '', 'nothing on stderr');
    return result.stdout;
  }

  const json = async (args: string[], expectedExit = 0): Promise<unknown> => JSON.parse(await report([...args, '-o', 'json'], expectedExit));

  function golden(name: string, text: string): void {
    const file = path.join(GOLDEN, name);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, text);
      if (process.env.UPDATE_GOLDEN !== '1') assert.fail(`golden file ${name} did not exist; written now: review it and run again`);
    }
    assert.equal(text, readFileSync(file, 'utf8'), `output differs from tests/report/golden/${name}`);
  }

  /** Queries Prometheus has run, from its own query log. */
  const queriesServed = (): number => readFileSync(queryLog, 'utf8').split('\n').filter((line) => line.includes('"query"')).length;

  before(async () => {
    dir = await makeTempDir('report');
    queryLog = path.join(dir.path, 'queries.log');
    prometheus = await startBackfilledPrometheus({ workDir: dir.path, families: knownGraphFamilies(), routePrefix: '/prometheus', queryLogFile: queryLog });
  });

  after(async () => {
    await prometheus?.stop();
    await dir?.remove();
  });

  test('dependents hub --transitive: 20 tools over 3 hops, requests on the path, the acceptance JSON shape', async () => {
    const expected = [
      ...['a', 'b', 'c', 'd'].map((x, i) => ({ name: `h1-${x}`, hops: 1, requests: 100 - 10 * i })),
      ...['d', 'c', 'b', 'a'].flatMap((x, i) => [3, 2, 1].map((j) => ({ name: `h2-${x}${j}`, hops: 2, requests: 10 * (4 - i) + j }))),
      ...[1, 2, 3, 4].map((n) => ({ name: `h3-${n}`, hops: 3, requests: 5 })),
    ];
    const text = await report(['dependents', 'hub', '--transitive', '--since', '7d', '-o', 'json']);
    assert.deepEqual(JSON.parse(text), { node: 'hub', dependents: expected });
    assert.deepEqual(Object.keys(JSON.parse(text) as object), ['node', 'dependents'], 'exactly the two keys the acceptance check reads');
    golden('dependents-hub-transitive.json', text);
    golden('dependents-hub-transitive.table', await report(['dependents', 'hub', '--transitive']));
    assert.deepEqual(await json(['dependents', 'hub', '--transitive', '--max-hops', '1']), { node: 'hub', dependents: expected.filter((d) => d.hops === 1) });
    assert.deepEqual(await json(['dependents', 'hub']), { node: 'hub', dependents: expected.filter((d) => d.hops === 1) });
  });

  test('dependents of a shared service; the agent copy under service-graph names is not counted twice; --fail-if-any', async () => {
    const text = await report(['dependents', 'wmcs:wiki-replicas', '--transitive', '-o', 'json'], 0);
    assert.deepEqual(JSON.parse(text), {
      node: 'wmcs:wiki-replicas',
      dependents: [
        { name: 'hub', hops: 1, requests: 700 },
        { name: 'py-bot', hops: 1, requests: 120 },
        { name: 'both-tool', hops: 1, requests: 25 },
        ...['a', 'b', 'c', 'd'].map((x, i) => ({ name: `h1-${x}`, hops: 2, requests: 100 - 10 * i })),
        ...['d', 'c', 'b', 'a'].flatMap((x, i) => [3, 2, 1].map((j) => ({ name: `h2-${x}${j}`, hops: 3, requests: 10 * (4 - i) + j }))),
        ...[1, 2, 3, 4].map((n) => ({ name: `h3-${n}`, hops: 4, requests: 5 })),
      ],
    });
    await report(['dependents', 'wmcs:wiki-replicas', '--fail-if-any'], 1);
    assert.deepEqual(await json(['dependents', 'oneshot', '--transitive', '--fail-if-any']), { node: 'oneshot', dependents: [] });
  });

  test('dependencies h3-1 --transitive: what it uses through the hub chain, with hops and requests; a cycle does not list the node itself; exit codes as dependents', async () => {
    const expected = [
      { name: 'h2-a1', hops: 1, requests: 5 },
      { name: 'h1-a', hops: 2, requests: 11 },
      { name: 'hub', hops: 3, requests: 100 },
      { name: 'wmcs:wiki-replicas', hops: 4, requests: 700 },
    ];
    const text = await report(['dependencies', 'h3-1', '--transitive', '-o', 'json']);
    assert.deepEqual(JSON.parse(text), { node: 'h3-1', dependencies: expected });
    assert.deepEqual(Object.keys(JSON.parse(text) as object), ['node', 'dependencies'], 'the same shape as dependents');
    golden('dependencies-h3-1-transitive.json', text);
    golden('dependencies-h3-1-transitive.table', await report(['dependencies', 'h3-1', '--transitive']));
    assert.deepEqual(await json(['dependencies', 'h3-1', '--transitive', '--max-hops', '2']), { node: 'h3-1', dependencies: expected.slice(0, 2) });
    assert.deepEqual(await json(['dependencies', 'h3-1']), { node: 'h3-1', dependencies: expected.slice(0, 1) });
    assert.deepEqual(parse(await report(['dependencies', 'h3-1', '--transitive', '-o', 'yaml'])), { node: 'h3-1', dependencies: expected }, 'yaml is the same document');

    // Around the cycle: cyc-a reaches itself through cyc-c, and is not its own dependency.
    assert.deepEqual(await json(['dependencies', 'cyc-a', '--transitive']), {
      node: 'cyc-a',
      dependencies: [
        { name: 'cyc-b', hops: 1, requests: 60 },
        { name: 'toolforge:toolsdb', hops: 1, requests: 30 },
        { name: 'cyc-c', hops: 2, requests: 80 },
      ],
    });
    // Of a shared service (it calls nothing) and of a tool: --fail-if-any holds only when it uses something.
    assert.deepEqual(await json(['dependencies', 'wmcs:wiki-replicas', '--transitive', '--fail-if-any']), { node: 'wmcs:wiki-replicas', dependencies: [] });
    await report(['dependencies', 'h3-1', '--fail-if-any'], 1);

    const unknown = await cli(['dependencies', 'h3-9', '--prometheus', prometheus.url, '--until', until]);
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /^toolforge-tracing report: no node named "h3-9" has an edge between .*; nearest: h3-1, h3-2, h3-3/);
    const badHops = await cli(['dependencies', 'h3-1', '--max-hops', '2', '--prometheus', prometheus.url, '--until', until]);
    assert.deepEqual([badHops.code, badHops.stderr], [2, 'toolforge-tracing report: --max-hops needs --transitive\n']);
  });

  test('tool: uses per destination and detail with source (preload, agent, both), users, end-user requests; a counter reset is counted', async () => {
    const both = await report(['tool', 'both-tool', '-o', 'json']);
    assert.deepEqual(JSON.parse(both), {
      window,
      tool: 'both-tool',
      kind: 'tool',
      endUserRequests: 700,
      uses: [
        { name: 'toolforge:redis', kind: 'service', requests: 140, failures: 0, source: 'both', details: [{ detail: '', requests: 140, failures: 0 }] },
        { name: 'wmcs:wiki-replicas', kind: 'service', requests: 25, failures: 0, source: 'agent', details: [{ detail: 'dewiki', requests: 25, failures: 0 }] },
      ],
      usedBy: [],
    });
    golden('tool-both-tool.json', both);
    golden('tool-both-tool.table', await report(['tool', 'both-tool']));
    golden('tool-hub.wide', await report(['tool', 'hub', '-o', 'wide']));
    const pyBot = (await json(['tool', 'py-bot'])) as { uses: unknown[] };
    assert.deepEqual(pyBot.uses, [
      { name: 'wmcs:wiki-replicas', kind: 'service', requests: 120, failures: 0, source: 'agent', details: [{ detail: 'enwiki', requests: 120, failures: 0 }] },
      { name: 'toolforge:toolsdb', kind: 'service', requests: 30, failures: 3, source: 'agent', details: [{ detail: 's55555__pybot', requests: 30, failures: 3 }] },
    ]);
    const cycB = (await json(['tool', 'cyc-b'])) as { uses: unknown[]; usedBy: unknown[] };
    const edge = (name: string, requests: number) => ({ name, kind: 'tool', requests, failures: 0, source: 'preload', details: [{ detail: '', requests, failures: 0 }] });
    assert.deepEqual(cycB.uses, [edge('cyc-c', 80)], '50 before the reset + 30 after');
    assert.deepEqual(cycB.usedBy, [edge('cyc-a', 60)]);
    const lonely = (await json(['tool', 'lonely'])) as { endUserRequests: number; usedBy: unknown[] };
    assert.equal(lonely.endUserRequests, 42, "php-tool's calls (seen by the agent, no trace context) are not end users");
    assert.deepEqual(lonely.usedBy, [{ name: 'php-tool', kind: 'tool', requests: 12, failures: 0, source: 'agent', details: [{ detail: '', requests: 12, failures: 0 }] }]);
    const redis = (await json(['consumers', 'toolforge:redis'])) as { consumers: Array<{ tool: string; requests: number }> };
    assert.deepEqual(
      redis.consumers.map((c) => [c.tool, c.requests]),
      [['both-tool', 140], ['newbie', 12], ['oneshot', 4]],
      'series born in the window count their first value; one with a single sample counts it',
    );
    const yamlText = await report(['tool', 'both-tool', '-o', 'yaml']);
    assert.deepEqual(parse(yamlText), JSON.parse(both), 'yaml is the same document');
  });

  test('consumers wmcs:wiki-replicas: per tool and wiki, ranked, with per-wiki totals', async () => {
    const text = await report(['consumers', 'wmcs:wiki-replicas', '-o', 'json']);
    assert.deepEqual(JSON.parse(text), {
      window,
      service: 'wmcs:wiki-replicas',
      consumers: [
        { tool: 'hub', detail: 'enwiki', requests: 500, failures: 2, source: 'preload' },
        { tool: 'hub', detail: 'dewiki', requests: 200, failures: 0, source: 'preload' },
        { tool: 'py-bot', detail: 'enwiki', requests: 120, failures: 0, source: 'agent' },
        { tool: 'both-tool', detail: 'dewiki', requests: 25, failures: 0, source: 'agent' },
      ],
      details: [
        { detail: 'enwiki', tools: 2, requests: 620, failures: 2 },
        { detail: 'dewiki', tools: 2, requests: 225, failures: 0 },
      ],
    });
    golden('consumers-wiki-replicas.json', text);
    golden('consumers-wiki-replicas.table', await report(['consumers', 'wmcs:wiki-replicas']));
  });

  test('groups: the cycle together, the hub cluster as one group, services glue nothing; a split by seeded Louvain is reproducible and keeps the cycle whole', async () => {
    const hubCluster = ['h1-a', 'h1-b', 'h1-c', 'h1-d', ...['a', 'b', 'c', 'd'].flatMap((x) => [1, 2, 3].map((j) => `h2-${x}${j}`)), 'h3-1', 'h3-2', 'h3-3', 'h3-4', 'hub'];
    const text = await report(['groups', '-o', 'json']);
    assert.deepEqual(JSON.parse(text), {
      window,
      maxGroupSize: 50,
      seed: 1,
      groups: [
        { id: 1, tools: hubCluster, cycles: [], split: false, internalRequests: 340 + 324 + 20, crossingRequests: 0, uses: ['wmcs:wiki-replicas'] },
        { id: 2, tools: ['cyc-a', 'cyc-b', 'cyc-c'], cycles: [['cyc-a', 'cyc-b', 'cyc-c']], split: false, internalRequests: 180, crossingRequests: 0, uses: ['toolforge:toolsdb'] },
        { id: 3, tools: ['lonely', 'php-tool'], cycles: [], split: false, internalRequests: 12, crossingRequests: 0, uses: [] },
      ],
      standalone: ['both-tool', 'newbie', 'oneshot', 'py-bot'],
    });
    golden('groups.json', text);
    golden('groups.table', await report(['groups']));

    const split = await report(['groups', '--max-group-size', '3', '--seed', '7', '-o', 'json']);
    assert.equal(await report(['groups', '--max-group-size', '3', '--seed', '7', '-o', 'json']), split, 'same data, same seed: same groups');
    golden('groups-split.table', await report(['groups', '--max-group-size', '3', '--seed', '7', '-o', 'wide']));
    const groups = (JSON.parse(split) as { groups: Array<{ tools: string[]; split: boolean; cycles: string[][] }> }).groups;
    const cycle = groups.find((g) => g.tools.includes('cyc-a'))!;
    assert.deepEqual(cycle.tools, ['cyc-a', 'cyc-b', 'cyc-c'], 'a cycle is never cut, even above the size limit');
    const parts = groups.filter((g) => g.split);
    assert.ok(parts.length > 1, `the 21-tool cluster is split (${parts.length} parts)`);
    assert.deepEqual(parts.flatMap((g) => g.tools).sort(), [...hubCluster].sort(), 'the parts cover the cluster exactly once');
  });

  test('hubs: transitive tool dependents (condensed DAG), direct callers, QUIET where few end users call', async () => {
    const hub = (name: string, transitiveDependents: number, directDependents: number, toolRequests: number, endUserRequests: number, quiet: boolean) => ({
      name,
      transitiveDependents,
      directDependents,
      toolRequests,
      endUserRequests,
      quiet,
    });
    const text = await report(['hubs', '-o', 'json']);
    assert.deepEqual(JSON.parse(text), {
      window,
      quietBelowPerDay: 10,
      hubs: [
        hub('hub', 20, 4, 340, 3, true),
        hub('h1-a', 4, 3, 36, 5000, false),
        hub('h1-b', 4, 3, 66, 0, true),
        hub('h1-c', 4, 3, 96, 0, true),
        hub('h1-d', 4, 3, 126, 0, true),
        hub('cyc-a', 2, 1, 40, 0, true),
        hub('cyc-b', 2, 1, 60, 0, true),
        hub('cyc-c', 2, 1, 80, 0, true),
        hub('h2-a1', 1, 1, 5, 0, true),
        hub('h2-b1', 1, 1, 5, 0, true),
        hub('h2-c1', 1, 1, 5, 0, true),
        hub('h2-d1', 1, 1, 5, 0, true),
        hub('lonely', 1, 1, 12, 42, true),
      ],
    });
    golden('hubs.json', text);
    golden('hubs.table', await report(['hubs']));
    assert.equal(((await json(['hubs', '--top', '1'])) as { hubs: unknown[] }).hubs.length, 1);
  });

  test('unused: retired is unused (daily, quiet for 10 days), the monthly job and a one-day tool are unknown from 7 days; recorded daily counts give the cadence beyond the raw series', async () => {
    const text = await report(['unused', '-o', 'json']);
    const day = (d: string) => `${d}T00:00:00.000Z`;
    assert.deepEqual(JSON.parse(text), {
      window,
      history: { since: new Date((UNTIL - 400 * 86_400) * 1000).toISOString(), until },
      tools: [
        { name: 'retired', status: 'unused', firstSeen: day('2026-10-01'), lastSeen: day('2026-10-21'), activeDays: 21, cadenceDays: 1, reason: 'seen about every 1d until 2026-10-21, nothing in 7d' },
        {
          name: 'monthly-job',
          status: 'unknown',
          firstSeen: day('2026-07-23'),
          lastSeen: day('2026-10-21'),
          activeDays: 4,
          cadenceDays: 30,
          reason: 'seen about every 30d: longer than the 7d window; last 2026-10-21',
        },
        { name: 'once-tool', status: 'unknown', firstSeen: day('2026-09-11'), lastSeen: day('2026-09-11'), activeDays: 1, cadenceDays: null, reason: 'seen on one day only (2026-09-11): no cadence to judge a 7d window by' },
      ],
    });
    golden('unused.json', text);
    golden('unused.table', await report(['unused']));
    await report(['unused', '--fail-if-any'], 1);
    const longer = (await json(['unused', '--since', '30d'])) as { tools: Array<{ name: string }> };
    assert.deepEqual(longer.tools.map((t) => t.name), ['once-tool'], 'with 30 days the monthly job and retired have edges in the window');
  });

  test('queries per report: 4 for the window, 7 with the history; none per tool', async () => {
    for (const [args, expected] of [
      [['dependents', 'hub', '--transitive'], 4],
      [['groups'], 4],
      [['hubs'], 4],
      [['unused'], 7],
    ] as const) {
      const before = queriesServed();
      await report([...args]);
      assert.equal(queriesServed() - before, expected, `${args.join(' ')}: queries`);
    }
  });

  test('figures: query and analysis time on the known graph (printed, not asserted)', async (t) => {
    const client = prometheusClient(prometheus.url);
    let started = performance.now();
    const data = await loadDependencies(client, parseWindow('7d', until));
    t.diagnostic(`4 window queries: ${(performance.now() - started).toFixed(0)} ms; ${data.nodes.length} nodes, ${data.edges.length} edges`);
    started = performance.now();
    const graph = buildGraph(data);
    groupsReport(graph, { maxGroupSize: 50, seed: 1 });
    hubsReport(graph, { quietBelowPerDay: 10, windowDays: 7 });
    t.diagnostic(`buildGraph + groups + hubs: ${(performance.now() - started).toFixed(1)} ms`);
    assert.equal(client.queries, 4);
  });

  test('errors exit 2 with a clear message: unreachable Prometheus, wrong path prefix, empty window, unknown node, no URL', async () => {
    const port = await freePort();
    const unreachable = await cli(['hubs', '--prometheus', `http://127.0.0.1:${port}`]);
    assert.equal(unreachable.code, 2);
    assert.equal(unreachable.stderr, `toolforge-tracing report: cannot reach Prometheus at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n`);
    assert.equal(unreachable.stdout, '');

    const noPrefix = prometheus.url.replace(/\/prometheus$/, '');
    const wrongPath = await cli(['hubs', '--prometheus', noPrefix, '--until', until]);
    assert.equal(wrongPath.code, 2);
    assert.match(wrongPath.stderr, new RegExp(`^toolforge-tracing report: Prometheus at ${noPrefix} answered /api/v1/query with HTTP 404 and no query API JSON \\(wrong URL or path prefix\\?\\)`));

    const empty = await cli(['hubs', '--prometheus', prometheus.url, '--since', '2026-01-01T00:00:00Z', '--until', '2026-01-08T00:00:00Z']);
    assert.equal(empty.code, 2);
    assert.equal(
      empty.stderr,
      `toolforge-tracing report: no dependency counts in ${prometheus.url} between 2026-01-01T00:00:00.000Z and 2026-01-08T00:00:00.000Z: neither the service graph nor the agent recorded a request there (is the window right? does the collector write to this Prometheus?)\n`,
    );

    const unknown = await cli(['dependents', 'hbu', '--prometheus', prometheus.url, '--until', until]);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr, `toolforge-tracing report: no node named "hbu" has an edge between ${window.since} and ${until}; nearest: hub, h1-a, h1-b\n`);

    const noUrl = await cli(['hubs']);
    assert.equal(noUrl.code, 2);
    assert.match(noUrl.stderr, /no Prometheus to read from: give --prometheus URL, set TOOLFORGE_TRACING_PROMETHEUS_URL, or set prometheus.url in .*report\.yaml/);

    const badOption = await cli(['hubs', '--top', 'x']);
    assert.equal(badOption.code, 2, 'a usage error is an error, not a --fail-if result');
  });

  test('the URL from TOOLFORGE_TRACING_PROMETHEUS_URL, and from prometheus.url in the config file', async () => {
    const fromEnv = await cli(['dependents', 'hub', '--until', until, '-o', 'json'], { TOOLFORGE_TRACING_PROMETHEUS_URL: prometheus.url });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.equal((JSON.parse(fromEnv.stdout) as { dependents: unknown[] }).dependents.length, 4);
    const configDir = path.join(dir.path, '.config', 'toolforge-tracing');
    mkdirSync(configDir, { recursive: true });
    writeFileSync(path.join(configDir, 'report.yaml'), `prometheus:\n  url: ${prometheus.url}\n`);
    const fromConfig = await cli(['dependents', 'hub', '--until', until, '-o', 'json']);
    assert.equal(fromConfig.code, 0, fromConfig.stderr);
    assert.equal((JSON.parse(fromConfig.stdout) as { dependents: unknown[] }).dependents.length, 4);
    writeFileSync(path.join(configDir, 'report.yaml'), 'prometheus:\n  ulr: x\n');
    const badConfig = await cli(['hubs']);
    assert.equal(badConfig.code, 2);
    assert.match(badConfig.stderr, /report\.yaml: prometheus: Unrecognized key/);
  });
});
