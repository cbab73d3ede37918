/**
 * docs/operators/reports.md shows real output: every block marked `<!-- golden: NAME -->`
 * is the command line and then exactly tests/report/golden/NAME, which reports.test.ts
 * checks against the real CLI and a real Prometheus.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/preload-bundle.js';

test('every golden-marked block of docs/operators/reports.md is its golden file', () => {
  const doc = readFileSync(path.join(repoRoot, 'docs', 'operators', 'reports.md'), 'utf8');
  const blocks = [...doc.matchAll(/<!-- golden: ([\w.-]+) -->\n```console\n\$ [^\n]+\n([\s\S]*?)```\n/g)];
  assert.ok(blocks.length >= 6, `golden-marked blocks found: ${blocks.length}`);
  assert.equal(blocks.length, [...doc.matchAll(/<!-- golden:/g)].length, 'every marker is followed by a console block');
  for (const [, name, body] of blocks) {
    assert.equal(body, readFileSync(path.join(repoRoot, 'tests', 'report', 'golden', name!), 'utf8'), `docs block for ${name}`);
  }
});
