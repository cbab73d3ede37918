import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { dependenciesOf, dependentsOf } from '../../report/analysis/reach.js';
import { buildGraph } from '../../report/graph.js';
import { mapDocument } from '../../report/map/document.js';
import type { DependencyData } from '../../report/model.js';
import { launchChromium, OFFLINE_PAGE_URL, openOffline, pixelStats } from '../support/chromium.js';
import { buildMapScript } from '../support/map-script.js';
import { syntheticDependencies } from '../support/synthetic-dependencies.js';

/**
 * The HTML map in Debian's Chromium with every request but the page itself blocked: it must
 * draw, answer and look right with nothing but what is in the file.
 */

const TOOL_BLUE = '#3b6fd8';
const SERVICE_ORANGE = '#e08a00';

type MapWindow = Window & { __map: import('../../report/map/browser/readiness-hook.js').MapHook; __injected?: boolean };

async function waitReady(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as unknown as MapWindow).__map?.ready === true, null, { timeout: 120_000 });
}

const screenshotPath = (name: string) => `${process.env.MAP_SCREENSHOT_DIR ?? '/tmp'}/toolforge-tracing-${name}.png`;

describe('the dependency map in headless Chromium, offline', { timeout: 600_000 }, () => {
  let browser: Browser;

  before(async () => {
    await buildMapScript();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  test('3,000 tools x 20,000 edges: self-contained, every node drawn, no console error, not blank, dependents as dependentsOf, dependencies as dependenciesOf', async () => {
    const data = syntheticDependencies({ tools: 3000, edges: 20_000 });
    const html = mapDocument(data, 'html');
    const { page, requests, errors } = await openOffline(browser, html);
    await waitReady(page);

    const counts = await page.evaluate(() => {
      const map = (window as unknown as MapWindow).__map;
      return { nodeCount: map.nodeCount, edgeCount: map.edgeCount, drawn: map.drawnNodeCount() };
    });
    assert.deepEqual(counts, { nodeCount: data.nodes.length, edgeCount: data.edges.length, drawn: data.nodes.length });

    const png = await page.locator('#map').screenshot();
    writeFileSync(screenshotPath('map-3000'), png);
    const stats = await pixelStats(browser, png, [TOOL_BLUE, SERVICE_ORANGE]);
    assert.ok(stats.luminanceStdDev > 8, `the map is not blank (luminance std dev ${stats.luminanceStdDev.toFixed(1)})`);
    assert.ok(stats.near[TOOL_BLUE]! > 1000, `tools are drawn in their colour (${stats.near[TOOL_BLUE]} px)`);
    assert.ok(stats.near[SERVICE_ORANGE]! > 100, `shared services are drawn in theirs (${stats.near[SERVICE_ORANGE]} px)`);

    // The most depended-on tool, and a shared service (whose dependents are most of the graph).
    const graph = buildGraph(data);
    const hub = data.nodes.filter((n) => n.kind === 'tool').map((n) => n.name).sort((a, b) => graph.inDegree(b) - graph.inDegree(a))[0]!;
    for (const [node, hops] of [[hub, undefined], [hub, 2], ['toolforge:toolsdb', 1]] as const) {
      const shown = await page.evaluate(([n, h]) => (window as unknown as MapWindow).__map.focus(n, h ?? undefined), [node, hops ?? null] as const);
      const expected = dependentsOf(graph, node, hops === undefined ? { transitive: true } : { transitive: hops > 1, maxHops: hops });
      assert.ok(expected.length > 0, `${node} has dependents`);
      assert.deepEqual(shown, expected, `dependents of ${node} (max hops ${hops ?? 'all'})`);
    }
    // The busiest caller: what it uses, all hops and direct only.
    const caller = data.nodes.filter((n) => n.kind === 'tool').map((n) => n.name).sort((a, b) => graph.outDegree(b) - graph.outDegree(a))[0]!;
    for (const hops of [undefined, 1] as const) {
      const shown = await page.evaluate(([n, h]) => (window as unknown as MapWindow).__map.focus(n, h ?? undefined, 'dependencies'), [caller, hops ?? null] as const);
      const expected = dependenciesOf(graph, caller, hops === undefined ? { transitive: true } : { transitive: false });
      assert.ok(expected.length > 1, `${caller} uses several nodes`);
      assert.deepEqual(shown, expected, `dependencies of ${caller} (max hops ${hops ?? 'all'})`);
    }
    await page.waitForTimeout(600);
    writeFileSync(screenshotPath('map-3000-focus'), await page.screenshot());

    assert.deepEqual(errors, [], 'no console error');
    assert.deepEqual(requests, [OFFLINE_PAGE_URL], 'no request but the page itself');
    await page.close();
  });

  test('the panel: search focuses with the chosen hops, the list is what dependentsOf gives, kind filters hide nodes, hover shows the detail (of a node, of an edge)', async () => {
    const data = syntheticDependencies({ tools: 120, edges: 500, seed: 7 });
    const graph = buildGraph(data);
    const { page, requests, errors } = await openOffline(browser, mapDocument(data, 'html'));
    await waitReady(page);

    const hub = data.nodes.filter((n) => n.kind === 'tool').map((n) => n.name).sort((a, b) => graph.inDegree(b) - graph.inDegree(a))[0]!;
    await page.selectOption('#hops', '2');
    await page.fill('#search', hub.slice(0, hub.length));
    await page.click('#search-form button[type=submit]');
    const rows = await page.locator('#dependents tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent)));
    const expected = dependentsOf(graph, hub, { transitive: true, maxHops: 2 });
    assert.deepEqual(
      rows,
      expected.map((d) => [d.name, String(d.hops), d.requests.toLocaleString('en')]),
      'the table lists dependentsOf(hub, max 2 hops) in its order',
    );
    assert.equal(await page.locator('#focus-result h2').textContent(), hub);
    assert.deepEqual(await page.evaluate(() => (window as unknown as MapWindow).__map.dependents()), expected);

    // Clicking a dependent in the list focuses it.
    const first = expected[0]!.name;
    await page.click(`#dependents a[data-node="${first}"]`);
    assert.equal(await page.locator('#focus-result h2').textContent(), first);

    // An unknown name says so and keeps the focus.
    await page.fill('#search', 'no-such-tool-zzz');
    await page.click('#search-form button[type=submit]');
    assert.match((await page.locator('#search-note').textContent()) ?? '', /no node matches/);

    await page.click('#clear');
    const services = data.nodes.filter((n) => n.kind === 'service').length;
    // Sigma applies state changes on its next frame.
    const drawnBecomes = (n: number) => page.waitForFunction((expected) => (window as unknown as MapWindow).__map.drawnNodeCount() === expected, n, { timeout: 10_000 });
    await page.uncheck('#kind-service');
    await drawnBecomes(data.nodes.length - services);
    await page.check('#kind-service');
    await drawnBecomes(data.nodes.length);

    // Hover the Wiki Replicas: the card lists the wikis, summed over every client.
    const replicas = 'wmcs:wiki-replicas';
    const perWiki = new Map<string, number>();
    for (const e of data.edges) if (e.server === replicas) for (const d of e.details) perWiki.set(d.detail, (perWiki.get(d.detail) ?? 0) + d.requests);
    const [topWiki, topRequests] = [...perWiki].sort((a, b) => b[1] - a[1])[0]!;
    const at = await page.evaluate((n) => (window as unknown as MapWindow).__map.viewportPosition(n), replicas);
    const box = (await page.locator('#map').boundingBox())!;
    await page.mouse.move(box.x + at.x, box.y + at.y);
    await page.waitForSelector('#card:not([hidden])', { timeout: 10_000 });
    const card = (await page.locator('#card').textContent()) ?? '';
    assert.ok(card.includes(replicas), card);
    assert.ok(card.includes(`${topWiki}${topRequests.toLocaleString('en')}`), `the card shows ${topWiki} with ${topRequests} requests: ${card}`);
    writeFileSync(screenshotPath('map-hover'), await page.screenshot());

    // Hover the middle of the longest edge once edges answer the pointer: an edge's card.
    await page.mouse.move(box.x + 2, box.y + 2);
    await page.waitForSelector('#card[hidden]', { state: 'attached', timeout: 10_000 });
    await page.waitForFunction(() => (window as unknown as MapWindow).__map.edgeHoverReadyAtMs !== null, null, { timeout: 120_000 });
    const ends = await page.evaluate((edges) => edges.map(([c, s]) => [(window as unknown as MapWindow).__map.viewportPosition(c), (window as unknown as MapWindow).__map.viewportPosition(s)] as const), data.edges.map((e) => [e.client, e.server] as [string, string]));
    const longest = ends.map(([a, b], i) => ({ i, length: Math.hypot(a.x - b.x, a.y - b.y), mid: { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 } })).sort((a, b) => b.length - a.length)[0]!;
    await page.mouse.move(box.x + longest.mid.x, box.y + longest.mid.y);
    await page.waitForSelector('#card:not([hidden])', { timeout: 10_000 });
    const title = (await page.locator('#card .card-title').textContent()) ?? '';
    assert.ok(data.edges.some((e) => title === `${e.client} → ${e.server}`), `the card is an edge's: ${title}`);

    assert.deepEqual(errors, []);
    assert.deepEqual(requests, [OFFLINE_PAGE_URL]);
    await page.close();
  });

  test('a small graph (22 nodes) draws nodes at their pixel sizes: no service square larger than 30 px', async () => {
    const data = syntheticDependencies({ tools: 10, edges: 24, seed: 5 });
    const { page, errors } = await openOffline(browser, mapDocument(data, 'html'));
    await waitReady(page);
    const png = await page.locator('#map').screenshot();
    writeFileSync(screenshotPath('map-small'), png);
    const stats = await pixelStats(browser, png, [SERVICE_ORANGE]);
    // 10 services of at most 2 x 14 px a side (appearance.ts) cover at most 10 x 28 x 28 px;
    // drawn at sigma's default 'positions' scale their squares were up to 110 px (~35,000 px).
    assert.ok(stats.near[SERVICE_ORANGE]! > 500 && stats.near[SERVICE_ORANGE]! < 10 * 28 * 28, `service squares at their size (${stats.near[SERVICE_ORANGE]} px)`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('data that looks like markup stays data: "</script>" and "<!--" in a detail neither end the script nor run', async () => {
    const data: DependencyData = {
      window: { since: '2026-11-24T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z' },
      nodes: [
        { name: 'caller', kind: 'tool' },
        { name: 'external:internet', kind: 'external' },
      ],
      edges: [
        {
          client: 'caller',
          server: 'external:internet',
          requests: 3,
          failures: 1,
          source: 'agent',
          details: [{ detail: '</script><script>window.__injected=true</script><!--', requests: 3, failures: 1 }],
        },
      ],
    };
    const { page, requests, errors } = await openOffline(browser, mapDocument(data, 'html'));
    await waitReady(page);
    const read = await page.evaluate(() => JSON.parse(document.getElementById('dependency-data')!.textContent!));
    assert.deepEqual(read, data, 'the page holds exactly the data');
    assert.equal(await page.evaluate(() => (window as unknown as MapWindow).__injected), undefined, 'nothing from the data ran');
    assert.equal(await page.evaluate(() => (window as unknown as MapWindow).__map.drawnNodeCount()), 2);
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, [OFFLINE_PAGE_URL]);
    await page.close();
  });
});
