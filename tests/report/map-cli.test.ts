import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
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
type Direction = 'dependents' | 'dependencies';
type Reached = { name: string; hops: number; requests: number };
/** `report dependents|dependencies -o json`: `{node, dependents}` or `{node, dependencies}`. */
type ReachJson = { node: string } & Partial<Record<Direction, Reached[]>>;
/** A reached list as the panel's table shows it. */
const asRows = (reached: Reached[]) => reached.map((d) => [d.name, String(d.hops), d.requests.toLocaleString('en')]);

describe('report map from a real Prometheus, opened offline', { timeout: 600_000 }, () => {
  let dir: TempDir;
  let prometheus: TestPrometheus;
  let browser: Browser;

  /** What the CLI prints for NODE in `direction` (the list under that key, which must be there). */
  async function printed(direction: Direction, node: string, args: readonly string[]): Promise<Reached[]> {
    const json = JSON.parse(await cli([direction, node, ...args, '-o', 'json'])) as ReachJson;
    assert.equal(json.node, node);
    return json[direction]!;
  }

  /** The panel's table after searching `node` with `direction` selected. */
  async function panelRows(page: Page, direction: Direction, node: string): Promise<(string | null)[][]> {
    await page.selectOption('#direction', direction);
    await page.fill('#search', node);
    await page.click('#search-form button[type=submit]');
    return page.locator('#dependents tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent)));
  }

  /** The map's hook focuses each case as the search does and must list what the CLI prints. */
  async function hookMatchesCli(page: Page, direction: Direction, cases: readonly (readonly [string, number | undefined, readonly string[]])[]): Promise<void> {
    for (const [node, hops, args] of cases) {
      const expected = await printed(direction, node, args);
      if (direction === 'dependencies') assert.ok(expected.length > 0, `${node} uses something`);
      const shown = await page.evaluate(([n, h, d]) => (window as unknown as MapWindow).__map.focus(n, h ?? undefined, d), [node, hops ?? null, direction] as const);
      assert.deepEqual(shown, expected, `${direction} ${node} ${args.join(' ')}`);
    }
  }

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
    const transitive = await printed('dependents', 'hub', ['--transitive']);
    assert.equal(transitive.length, 20);
    assert.deepEqual(await panelRows(page, 'dependents', 'hub'), asRows(transitive));
    await page.waitForTimeout(600);
    writeFileSync(`${process.env.MAP_SCREENSHOT_DIR ?? '/tmp'}/toolforge-tracing-map-known-graph.png`, await page.screenshot());

    // The hook gives the same lists for a hop limit, a direct-only focus and a shared service.
    await hookMatchesCli(page, 'dependents', [
      ['hub', 2, ['--transitive', '--max-hops', '2']],
      ['hub', 1, []],
      ['wmcs:wiki-replicas', undefined, ['--transitive']],
      ['cyc-a', undefined, ['--transitive']],
    ]);

    // Focus on dependencies: what `report dependencies` prints, through the panel and the hook.
    const uses = await printed('dependencies', 'h3-1', ['--transitive']);
    assert.equal(uses.length, 4);
    assert.deepEqual(await panelRows(page, 'dependencies', 'h3-1'), asRows(uses));
    await hookMatchesCli(page, 'dependencies', [
      ['h3-1', 2, ['--transitive', '--max-hops', '2']],
      ['h3-1', 1, []],
      ['cyc-a', undefined, ['--transitive']],
      ['both-tool', undefined, ['--transitive']],
    ]);

    assert.deepEqual(errors, [], 'no console error');
    assert.deepEqual(requests, [OFFLINE_PAGE_URL], 'no request but the page itself');
    await page.close();
  });
});
