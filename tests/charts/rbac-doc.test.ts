/**
 * What the docs say each ServiceAccount may do is what the chart's ClusterRoles grant
 * (tests/kube/chart-apply.test.ts checks the grants themselves against a real API server):
 * deploy.md's component table, webhook.md's RBAC paragraph and collector-config/README.md.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { find, render, repoRoot, type K8sObject } from './helm.js';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

let objects: K8sObject[];
before(async () => {
  objects = await render('local');
});

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');

/** `resource: verb, verb` for each rule of the component's ClusterRole. */
function grants(component: string): string[] {
  const role = find(objects, 'ClusterRole', `-${component}`) as K8sObject & { rules: Rule[] };
  return role.rules.flatMap((r) => r.resources.map((resource) => `${resource}: ${r.verbs.join(', ')}`));
}

/** The `ClusterRole (...)` of a row of deploy.md's "What the chart deploys" table. */
function deployTable(row: string): string[] {
  const line = read('docs/operators/deploy.md').split('\n').find((l) => l.startsWith(`| ${row} |`));
  assert.ok(line, `deploy.md has a row "${row}"`);
  return [/ClusterRole \(([^)]*)\)/.exec(line)?.[1] ?? '(no ClusterRole)'];
}

/** "`list` and `watch` on `namespaces`" / "`list`, `watch` on `pods`" after `lead` in `file`. */
function prose(file: string, lead: string): string[] {
  const match = new RegExp(`${lead} ((?:\`[a-z]+\`(?:, | and )?)+) on \`([a-z]+)\``).exec(read(file));
  assert.ok(match, `${file} says "${lead} ... on ..."`);
  return [`${match[2]}: ${[...match[1]!.matchAll(/`([a-z]+)`/g)].map((m) => m[1]).join(', ')}`];
}

test('the webhook: deploy.md and webhook.md say what its ClusterRole grants', () => {
  assert.deepEqual(grants('webhook'), ['namespaces: list, watch']);
  assert.deepEqual(deployTable('admission webhook'), grants('webhook'));
  assert.deepEqual(prose('docs/operators/webhook.md', 'The webhook needs RBAC'), grants('webhook'));
});

test('the node collector: deploy.md and collector-config/README.md say what its ClusterRole grants (no replicasets, no namespaces)', () => {
  assert.deepEqual(grants('node-collector'), ['pods: list, watch']);
  assert.deepEqual(deployTable('node collector'), grants('node-collector'));
  assert.deepEqual(prose('collector-config/README.md', '- RBAC:'), grants('node-collector'));
});
