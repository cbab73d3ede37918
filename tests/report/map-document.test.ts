import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGraph } from '../../report/graph.js';
import { jsonForScriptElement } from '../../report/map/embedding.js';
import { renderMapHtml } from '../../report/map/html.js';
import { computeLayout } from '../../report/map/layout.js';
import { syntheticDependencies } from '../support/synthetic-dependencies.js';

/** The map document's pure parts: the layout, the embedding, the page around them. */

describe('the map document', () => {
  const data = syntheticDependencies({ tools: 150, edges: 600, seed: 3 });

  test('the layout is reproducible and has a finite position for every node of the graph', () => {
    const first = computeLayout(data);
    assert.deepEqual(computeLayout(data), first, 'same data, same positions');
    assert.equal(first.positions.length, buildGraph(data).order * 2);
    assert.ok(first.positions.every(Number.isFinite));
    const xs = first.positions.filter((_, i) => i % 2 === 0);
    assert.ok(new Set(xs).size > xs.length * 0.9, 'nodes are spread out, not stacked');
  });

  test('embedded JSON holds no "<" at all, and reads back as the same value', () => {
    const value = { detail: '</script><script>alert(1)</script><!-- -->', nested: ['<', '</SCRIPT >'] };
    const text = jsonForScriptElement(value);
    assert.ok(!text.includes('<'), text);
    assert.deepEqual(JSON.parse(text), value);
  });

  test('the page: a CSP that allows no fetch, an inline icon, no URL outside its scripts, three script elements', () => {
    const html = renderMapHtml(data, computeLayout(data), 'console.log("</script>")');
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'none';/);
    assert.match(html, /<link rel="icon" href="data:image\/svg\+xml,/);
    assert.equal(html.match(/<\/script>/g)?.length, 3, 'only the three closing tags: the script text was escaped');
    assert.ok(html.includes('console.log("<\\/script>")'));
    const markup = html.replace(/<script[^>]*>[\s\S]*?<\/script>/g, '');
    assert.deepEqual(markup.match(/(?:src|href)="(?!data:|#)[^"]*"/g), null, 'no attribute loads anything');
    // (The inline icon's SVG names its XML namespace with an http URL: a name, never fetched.)
    assert.equal(markup.replace(/href="data:[^"]*"/g, '').match(/https?:\/\//g), null, 'no URL in the markup or style');
  });
});
