/**
 * charts/helmfile.yaml.gotmpl (the example docs/operators/deploy.md shows) stays true to
 * the chart: its environments are Toolforge's, and for each the release it declares
 * renders with real Helm. (helmfile itself is not built here; its template is expanded
 * the way helmfile does for the one expression the file uses.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { environments, helm, parseManifests, repoRoot } from './helm.js';

const helmfilePath = path.join(repoRoot, 'charts', 'helmfile.yaml.gotmpl');

interface Release {
  name: string;
  namespace: string;
  chart: string;
  values: string[];
}

function expand(env: string): { environments: Record<string, unknown>; releases: Release[] } {
  const text = readFileSync(helmfilePath, 'utf8');
  const expressions = [...text.matchAll(/\{\{[^}]*\}\}/g)].map((m) => m[0]);
  assert.deepEqual([...new Set(expressions)], ['{{ .Environment.Name }}'], 'the example uses a template expression this test does not expand');
  const docs = parseAllDocuments(text.replaceAll('{{ .Environment.Name }}', env)).map((d) => d.toJS() as Record<string, unknown>);
  return Object.assign({}, ...docs) as { environments: Record<string, unknown>; releases: Release[] };
}

test("the helmfile example's environments are local, toolsbeta and tools", () => {
  assert.deepEqual(Object.keys(expand('tools').environments), [...environments]);
});

for (const env of environments) {
  test(`helmfile example, ${env}: its release renders with real Helm`, async () => {
    const [release, ...more] = expand(env).releases;
    assert.ok(release);
    assert.equal(more.length, 0);
    const base = path.dirname(helmfilePath);
    const args = ['template', release.name, path.resolve(base, release.chart), '--namespace', release.namespace];
    for (const values of release.values) args.push('-f', path.resolve(base, values));
    const result = await helm(args);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(parseManifests(result.stdout).some((o) => o.kind === 'MutatingWebhookConfiguration'));
  });
}
