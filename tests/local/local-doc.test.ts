import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_LISTEN } from '../../local/command.js';
import { FLEET, QUIET_HUB } from '../../local/demo/fleet.js';
import { ATTACH_TIMEOUT_SECONDS } from '../../local/services/agent.js';
import { RUN_MARK_ENV } from '../../local/supervisor.js';
import { repoRoot } from '../support/preload-bundle.js';

/** docs/operators/local.md and the README state facts local/ decides: they must agree. */
const doc = readFileSync(path.join(repoRoot, 'docs', 'operators', 'local.md'), 'utf8');
const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

const RUNTIME_WORDS: Record<string, RegExp> = { node: /^Node/, python: /^Python/, php: /^PHP/, shell: /^shell/ };

test("the doc's fleet table is the fleet: every tool, its runtime, who sees it, end users or not", () => {
  const rows = [...doc.matchAll(/^\| `([a-z0-9-]+)` \| ([^|]+) \| ([^|]+) \|/gm)].map((m) => ({ name: m[1]!, runtime: m[2]!.trim(), seenBy: m[3]!.trim() }));
  assert.deepEqual(rows.map((r) => r.name), FLEET.map((t) => t.name));
  for (const tool of FLEET) {
    const row = rows.find((r) => r.name === tool.name)!;
    assert.match(row.runtime, RUNTIME_WORDS[tool.runtime]!, `${tool.name} runtime`);
    assert.equal(row.seenBy, tool.runtime === 'node' ? 'the preload' : 'the agent', `${tool.name} is seen by`);
    assert.equal(/no end user/.test(row.runtime), !tool.endUsers && tool.web, `${tool.name}: end users`);
  }
  assert.match(doc, new RegExp(`\`${QUIET_HUB}\` is the point of the demo`));
});

test('the default UI address, the run mark and the agent\'s attach timeout are the ones the docs give', () => {
  const url = `http://${DEFAULT_LISTEN.host}:${DEFAULT_LISTEN.port}/`;
  assert.ok(readme.includes(url), `README names ${url}`);
  assert.ok(doc.includes(RUN_MARK_ENV), `the doc names ${RUN_MARK_ENV}`);
  assert.match(doc, new RegExp(`had not attached its probes within ${ATTACH_TIMEOUT_SECONDS} s`), 'the doc gives the attach timeout');
});
