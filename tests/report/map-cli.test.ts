import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { DependencyData } from '../../report/model.js';
import { launchChromium, OFFLINE_PAGE_URL, openOffline } from '../support/chromium.js';
import { startBackfilledPrometheus } from '../support/prometheus-backfill.js';
import type { TestPrometheus } from '../support/prometheus.js';
import { repoRoot } from '../support/preload-bundle.js';
import { runToExit } from '../support/processes.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { knownGraphFamilies, UNTIL } from './known-graph.js';

/**
 * `report map` as operators run it (./bin/toolforge-tracing, built CLI) against a real
 * Prometheus holding the known graph (known-graph.ts): the file it writes, opened offline in
 * Chromium, shows for a focused node exactly what `report dependents` and
 * `report dependencies` print.
 */

const CLI = path.join(repoRoot, 'bin', 'toolforge-tracing');
const until = new Date(UNTIL * 1000).toISOString();

type MapWindow = Window & { __map: import('../../report/map/browser/readiness-hook.js').MapHook };
interface DependentsJson {
  node: string;
  dependents: Array<{ name: string; hops: number; requests: number }>;
}
interface DependenciesJson {
  node: string;
  dependencies: Array<{ name: string; hops: number; requests: number }>;
}

describe('report map from a real Prometheus, opened offline', { timeout: 600_000 }, () => {
  let dir: TempDir;
  let prometheus: TestPrometheus;
  let browser: Browser;

  async function cli(args: string[]): Promise<string> {
    const all = ['report', ...args, '--prometheus', prometheus.url, '--since', '7d', '--until', until];
    const result = await runToExit({ name: `toolforge-tracing ${all.join(' ')}`, command: CLI, args: all, env: { PATH: process.env.PATH, HOME: dir.path } }, 180_000);
    assert.equal(result.code, 0, `exit code of ${args.join(' ')}; stderr: ${result.stderr}`);
    assert.equal(result.stderr, '', 'nothing on stderr');
    return result.stdout;
  }

  before(async () => {
    dir = await makeTempDir('report-map');
    prometheus = await startBackfilledPrometheus({ workDir: dir.path, families: knownGraphFamilies() });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await prometheus?.stop();
    await dir?.remove();
  });

  test('the map of the window shows every node and, focused, the dependents `report dependents` prints and the dependencies `report dependencies` prints', async () => {
    const file = path.join(dir.path, 'map.html');
    assert.equal(await cli(['map', '--out', file]), '', '--out: nothing on stdout');
    const html = readFileSync(file, 'utf8');
    const data = JSON.parse(await cli(['map', '-o', 'json'])) as DependencyData;
    assert.ok(data.nodes.some((n) => n.name === 'hub') && data.edges.length > 20, 'the known graph is in the window');
    assert.equal(await cli(['map']), html, 'stdout by default, the same document as --out');

    const { page, requests, errors } = await openOffline(browser, html);
    await page.waitForFunction(() => (window as unknown as MapWindow).__map?.ready === true, null, { timeout: 120_000 });
    assert.deepEqual(
      await page.evaluate(() => ({ nodes: (window as unknown as MapWindow).__map.nodeCount, drawn: (window as unknown as MapWindow).__map.drawnNodeCount() })),
      { nodes: data.nodes.length, drawn: data.nodes.length },
    );

    // Through the panel, as an operator would: find "hub", all hops.
    const transitive = JSON.parse(await cli(['dependents', 'hub', '--transitive', '-o', 'json'])) as DependentsJson;
    assert.equal(transitive.dependents.length, 20);
    await page.fill('#search', 'hub');
    await page.click('#search-form button[type=submit]');
    const rows = await page.locator('#dependents tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent)));
    assert.deepEqual(rows, transitive.dependents.map((d) => [d.name, String(d.hops), d.requests.toLocaleString('en')]));
    await page.waitForTimeout(600);
    writeFileSync(`${process.env.MAP_SCREENSHOT_DIR ?? '/tmp'}/toolforge-tracing-map-known-graph.png`, await page.screenshot());

    // The hook gives the same lists for a hop limit, a direct-only focus and a shared service.
    for (const [node, hops, args] of [
      ['hub', 2, ['--transitive', '--max-hops', '2']],
      ['hub', 1, []],
      ['wmcs:wiki-replicas', undefined, ['--transitive']],
      ['cyc-a', undefined, ['--transitive']],
    ] as const) {
      const printed = JSON.parse(await cli(['dependents', node, ...args, '-o', 'json'])) as DependentsJson;
      const shown = await page.evaluate(([n, h]) => (window as unknown as MapWindow).__map.focus(n, h ?? undefined), [node, hops ?? null] as const);
      assert.deepEqual(shown, printed.dependents, `${node} ${args.join(' ')}`);
    }

    // Focus on dependencies: what `report dependencies` prints, through the panel and the hook.
    const uses = JSON.parse(await cli(['dependencies', 'h3-1', '--transitive', '-o', 'json'])) as DependenciesJson;
    assert.equal(uses.dependencies.length, 4);
    await page.selectOption('#direction', 'dependencies');
    await page.fill('#search', 'h3-1');
    await page.click('#search-form button[type=submit]');
    const usesRows = await page.locator('#dependents tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent)));
    assert.deepEqual(usesRows, uses.dependencies.map((d) => [d.name, String(d.hops), d.requests.toLocaleString('en')]));
    for (const [node, hops, args] of [
      ['h3-1', 2, ['--transitive', '--max-hops', '2']],
      ['h3-1', 1, []],
      ['cyc-a', undefined, ['--transitive']],
      ['both-tool', undefined, ['--transitive']],
    ] as const) {
      const printed = JSON.parse(await cli(['dependencies', node, ...args, '-o', 'json'])) as DependenciesJson;
      assert.ok(printed.dependencies.length > 0, `${node} uses something`);
      const shown = await page.evaluate(([n, h]) => (window as unknown as MapWindow).__map.focus(n, h ?? undefined, 'dependencies'), [node, hops ?? null] as const);
      assert.deepEqual(shown, printed.dependencies, `dependencies ${node} ${args.join(' ')}`);
    }

    assert.deepEqual(errors, [], 'no console error');
    assert.deepEqual(requests, [OFFLINE_PAGE_URL], 'no request but the page itself');
    await page.close();
  });
});
