/**
 * docs/operators/deploy.md's cost table says what the chart really requests: each
 * environment's column is compared with the rendered pods.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { environments, render, repoRoot } from './helm.js';
import { podSpecOf } from './toolforge-rules.js';

const docRows: Record<string, string> = { webhook: 'webhook', 'node-collector': 'node collector', gateway: 'gateway', agent: 'eBPF agent (when enabled)' };

/** The cost table's cells: row label -> [pods, local, toolsbeta, tools]. */
function costTable(): Map<string, string[]> {
  const doc = readFileSync(path.join(repoRoot, 'docs/operators/deploy.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## What it costs'));
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length === 7) rows.set(cells[1]!, cells.slice(2, 6));
  }
  return rows;
}

test('the cost table in deploy.md matches the requests and limits the chart renders', async () => {
  const table = costTable();
  for (const [column, env] of environments.entries()) {
    const objects = await render(env, ['--set', 'agent.enabled=true']);
    for (const [component, row] of Object.entries(docRows)) {
      const workload = objects.find((o) => podSpecOf(o) !== undefined && o.metadata.labels?.['app.kubernetes.io/component'] === component)!;
      const { requests, limits } = podSpecOf(workload)!.containers![0]!.resources ?? {};
      const expected = `${requests?.cpu}/${requests?.memory} · ${limits?.cpu}/${limits?.memory}`;
      assert.equal(table.get(row)?.[column + 1], expected, `deploy.md, row "${row}", column ${env}`);
    }
  }
});
