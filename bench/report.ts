// The reports and the HTML map at Toolforge's size: a synthetic 3,000-tool, 20,000-edge graph
// (tests/support/synthetic-dependencies.ts), written as the series the pipeline stores and
// backfilled with promtool into a real Prometheus, then:
//   - PromQL queries per report, counted by Prometheus itself (target <= 10, none per tool);
//     the CLI's wall time per report;
//   - analysis time of `groups` and `hubs` on the loaded graph (target <= 2 s each), with
//     buildGraph on the same data as the same-run baseline;
//   - the map's HTML size (target <= 5 MB) and its layout time;
//   - time until the map is drawn in headless Chromium (target <= 3 s): until the GPU
//     (SwiftShader, on the CPU) has executed the first frame, not only until sigma queued it;
//     first page of a fresh browser (shaders compiled) and later pages, each against a
//     one-node map in the same browser as the baseline (WebGL and shader set-up that does
//     not depend on the graph), with where the time went; then until edge hover works.
// Needs prometheus + promtool and chromium (Debian). Run: node --import tsx bench/report.ts
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { groupsReport } from '../report/analysis/groups.js';
import { hubsReport } from '../report/analysis/hubs.js';
import { buildGraph } from '../report/graph.js';
import { loadDependencies } from '../report/load.js';
import { mapDocument } from '../report/map/document.js';
import { computeLayout } from '../report/map/layout.js';
import type { DependencyData } from '../report/model.js';
import { prometheusClient } from '../report/prometheus.js';
import { parseWindow } from '../report/window.js';
import { launchChromium, openOffline } from '../tests/support/chromium.js';
import { dependencyFamilies } from '../tests/support/dependency-series.js';
import { buildMapScript } from '../tests/support/map-script.js';
import { repoRoot } from '../tests/support/preload-bundle.js';
import { runToExit } from '../tests/support/processes.js';
import { startBackfilledPrometheus } from '../tests/support/prometheus-backfill.js';
import { syntheticDependencies } from '../tests/support/synthetic-dependencies.js';
import { makeTempDir } from '../tests/support/temp-dir.js';

const TOOLS = 3000;
const EDGES = 20_000;
const TARGET = { queries: 10, analysisMs: 2000, htmlBytes: 5 * 1024 * 1024, drawMs: 3000 };
// Three hours ending at a fixed instant, sampled every 15 minutes: the reports' query count
// and the graph do not depend on the window's length, promtool's work does.
const UNTIL = Date.parse('2026-11-30T12:00:00Z') / 1000;
const SINCE = UNTIL - 3 * 3600;

const ms = (start: number) => performance.now() - start;
const fmt = (n: number, digits = 0) => n.toFixed(digits);
const line = (what: string, value: string, ratio?: number) => console.log(`${what.padEnd(46)} ${value.padStart(14)}${ratio === undefined ? '' : `   ${fmt(ratio, 2)} of target`}`);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface DrawTimes {
  /** The page's own clock, from its navigation start to the first frame executed by the GPU. */
  readyAtMs: number;
  /** The same clock, until edges answer the pointer too (the frame after, with picking). */
  edgeHoverReadyAtMs: number;
  /** The page's start-up marks (main.ts): script start, data parsed, graph built, sigma built, frame queued. */
  marks: Record<string, number>;
  /**
   * From asking for the navigation (the 3.9 MB answer goes through playwright's route
   * handler, which a browser opening a file does not have) to that same first frame.
   */
  wallMs: number;
}

async function drawTimes(browser: Browser, html: string): Promise<DrawTimes> {
  const { page, requests, errors, navigationRequestedAt } = await openOffline(browser, html);
  type Hook = { __map?: { ready: boolean; readyAtMs: number; edgeHoverReadyAtMs: number | null } };
  await page.waitForFunction(() => (window as unknown as Hook).__map?.edgeHoverReadyAtMs != null, null, { timeout: 300_000 });
  const { readyAtMs, edgeHoverReadyAtMs, marks, timeOrigin } = await page.evaluate(() => ({
    readyAtMs: (window as unknown as Hook).__map!.readyAtMs,
    edgeHoverReadyAtMs: (window as unknown as Hook).__map!.edgeHoverReadyAtMs!,
    marks: Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name.replace('map:', ''), m.startTime])),
    timeOrigin: performance.timeOrigin,
  }));
  const wallMs = timeOrigin + readyAtMs - navigationRequestedAt;
  if (requests.length !== 1 || errors.length > 0) throw new Error(`the map was not self-contained or logged errors: ${JSON.stringify({ requests, errors })}`);
  await page.close();
  return { readyAtMs, edgeHoverReadyAtMs, marks, wallMs };
}

/** Where the first frame's time went, from the page's marks: each step's share of readyAtMs. */
function breakdown(t: DrawTimes): string {
  const m = t.marks;
  const steps: Array<[string, number]> = [
    ['to script start (HTML, parse, compile)', m.script!],
    ['embedded JSON parsed', m.parsed! - m.script!],
    ['graph built', m.graph! - m.parsed!],
    ['sigma built, first frame', m.sigma! - m.graph!],
    ['panel, second frame queued', m.queued! - m.sigma!],
    ['GPU executing it (SwiftShader)', t.readyAtMs - m.queued!],
  ];
  return steps.map(([what, ms]) => `      ${what.padEnd(40)} ${fmt(ms).padStart(6)} ms`).join('\n');
}

const dir = await makeTempDir('bench-report');
console.log(`load average at the start: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2 cores, shared)`);
try {
  let t = performance.now();
  const synthetic = syntheticDependencies({ tools: TOOLS, edges: EDGES, window: { since: new Date(SINCE * 1000).toISOString(), until: new Date(UNTIL * 1000).toISOString() } });
  const families = dependencyFamilies(synthetic, { from: SINCE - 900, to: UNTIL, stepSeconds: 900 });
  const seriesCount = families.reduce((n, f) => n + f.series.length, 0);
  console.log(`synthetic graph: ${synthetic.nodes.length} nodes, ${synthetic.edges.length} edges, ${seriesCount} series (${fmt(ms(t))} ms)`);
  t = performance.now();
  const prometheus = await startBackfilledPrometheus({ workDir: dir.path, families });
  console.log(`backfilled with promtool and started Prometheus in ${fmt(ms(t) / 1000, 1)} s\n`);
  try {
    // Prometheus's own count of instant queries served, read from its /metrics page (not by a
    // query: this Prometheus does not scrape itself, and that would count too).
    const servedQueries = async (): Promise<number> => {
      const text = await (await fetch(`${prometheus.url}/metrics`)).text();
      return text
        .split('\n')
        .filter((l) => l.startsWith('prometheus_http_requests_total{') && l.includes('handler="/api/v1/query"'))
        .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    };
    const until = new Date(UNTIL * 1000).toISOString();
    const hub = [...synthetic.edges].reduce((counts, e) => counts.set(e.server, (counts.get(e.server) ?? 0) + 1), new Map<string, number>());
    const topTool = [...hub].filter(([n]) => !n.includes(':')).sort((a, b) => b[1] - a[1])[0]![0];
    const mapFile = path.join(dir.path, 'map.html');
    const reports: Array<[string, string[]]> = [
      ['tool', ['tool', topTool]],
      ['dependents --transitive', ['dependents', topTool, '--transitive']],
      ['consumers wmcs:wiki-replicas', ['consumers', 'wmcs:wiki-replicas']],
      ['groups', ['groups']],
      ['hubs', ['hubs']],
      ['unused', ['unused', '--history', '30d']],
      ['map -o html', ['map', '--out', mapFile]],
    ];
    console.log('PromQL queries per report (counted by Prometheus), the built CLI end to end:');
    let worst = 0;
    for (const [name, args] of reports) {
      const before = await servedQueries();
      const start = performance.now();
      const all = ['report', ...args, '--prometheus', prometheus.url, '--since', '3h', '--until', until, ...(name.startsWith('map') ? [] : ['-o', 'json'])];
      const result = await runToExit({ name: `toolforge-tracing ${all.join(' ')}`, command: path.join(repoRoot, 'bin', 'toolforge-tracing'), args: all, env: { PATH: process.env.PATH, HOME: dir.path } }, 600_000);
      const wall = ms(start);
      if (result.code !== 0) throw new Error(`report ${name} exited ${result.code}: ${result.stderr}`);
      const queries = (await servedQueries()) - before;
      worst = Math.max(worst, queries);
      line(`  report ${name}`, `${queries} queries`, queries / TARGET.queries);
      line(`    wall time (CLI start to exit)`, `${fmt(wall)} ms`);
    }
    line('  most queries in one report', `${worst}`, worst / TARGET.queries);

    console.log('\nanalysis on the graph loaded from Prometheus (in process, median of 5):');
    const client = prometheusClient(prometheus.url);
    const data: DependencyData = await loadDependencies(client, parseWindow('3h', until));
    console.log(`  loaded ${data.nodes.length} nodes, ${data.edges.length} edges with ${client.queries} queries`);
    const timeIt = (fn: () => unknown) => median(Array.from({ length: 5 }, () => ((t = performance.now()), fn(), ms(t))));
    const baseline = timeIt(() => buildGraph(data));
    const graph = buildGraph(data);
    const groups = timeIt(() => groupsReport(graph, { maxGroupSize: 50, seed: 1 }));
    const hubs = timeIt(() => hubsReport(graph, { quietBelowPerDay: 10, windowDays: 3 / 24 }));
    line('  baseline: buildGraph(data)', `${fmt(baseline, 1)} ms`);
    line('  groups', `${fmt(groups, 1)} ms`, groups / TARGET.analysisMs);
    line('    groups / baseline', `${fmt(groups / baseline, 1)}x`);
    line('  hubs', `${fmt(hubs, 1)} ms`, hubs / TARGET.analysisMs);
    line('    hubs / baseline', `${fmt(hubs / baseline, 1)}x`);

    console.log('\nthe map:');
    const htmlBytes = statSync(mapFile).size;
    line('  HTML size (report map --out)', `${fmt(htmlBytes / 1024 / 1024, 2)} MB`, htmlBytes / TARGET.htmlBytes);
    const layoutMs = timeIt(() => computeLayout(data));
    line('  layout in Node (ForceAtlas2, median of 5)', `${fmt(layoutMs)} ms`);

    await buildMapScript();
    const html = mapDocument(data, 'html');
    const tiny = mapDocument({ window: data.window, nodes: [{ name: 'only-tool', kind: 'tool' }], edges: [] }, 'html');
    const browser = await launchChromium();
    try {
      // Cold: the first page of a fresh browser compiles sigma's shaders (SwiftShader, on the CPU).
      const cold = await drawTimes(browser, html);
      const warm = [await drawTimes(browser, html), await drawTimes(browser, html), await drawTimes(browser, html)];
      const warmReady = median(warm.map((w) => w.readyAtMs));
      const coldBrowser = await launchChromium();
      const tinyCold = await drawTimes(coldBrowser, tiny);
      await coldBrowser.close();
      const tinyWarm = median([await drawTimes(browser, tiny), await drawTimes(browser, tiny), await drawTimes(browser, tiny)].map((w) => w.readyAtMs));
      line('  drawn, first page of a fresh browser', `${fmt(cold.readyAtMs)} ms`, cold.readyAtMs / TARGET.drawMs);
      line('    baseline: one-node map, fresh browser', `${fmt(tinyCold.readyAtMs)} ms`);
      line('    ratio to baseline', `${fmt(cold.readyAtMs / tinyCold.readyAtMs, 2)}x`);
      line('  drawn, later pages (median of 3)', `${fmt(warmReady)} ms`, warmReady / TARGET.drawMs);
      line('    baseline: one-node map, later pages', `${fmt(tinyWarm)} ms`);
      line('    ratio to baseline', `${fmt(warmReady / tinyWarm, 2)}x`);
      const middle = [...warm].sort((a, b) => a.readyAtMs - b.readyAtMs)[1]!;
      console.log(`    where it went (the median later page):\n${breakdown(middle)}`);
      line('  edge hover ready, first page', `${fmt(cold.edgeHoverReadyAtMs)} ms`);
      line('  edge hover ready, later pages (median of 3)', `${fmt(median(warm.map((w) => w.edgeHoverReadyAtMs)))} ms`);
      line('  wall, navigation asked -> drawn, first page', `${fmt(cold.wallMs)} ms`);
      line('  wall, navigation asked -> drawn, later pages', `${fmt(median(warm.map((w) => w.wallMs)))} ms`);
      console.log(`\nload average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2 cores, shared)`);
    } finally {
      await browser.close();
    }
    const out = process.env.BENCH_MAP_OUT;
    if (out !== undefined) {
      mkdirSync(path.dirname(out), { recursive: true });
      writeFileSync(out, html);
    }
  } finally {
    await prometheus.stop();
  }
} finally {
  await dir.remove();
}
