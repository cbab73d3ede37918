/**
 * Who may reach the webhook's port as rendered: only the API server's source CIDRs
 * (networkPolicy.apiServerSources, per environment) and the metrics scrapers, never
 * every pod; an environment without the CIDRs does not render.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { environments, find, helm, render, templateArgs, valuesFile, type K8sObject } from './helm.js';

interface Peer {
  ipBlock?: { cidr: string };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  podSelector?: unknown;
}
type Policy = K8sObject & { spec: { ingress: Array<{ from?: Peer[]; ports: Array<{ port: number }> }> } };

for (const env of environments) {
  describe(`webhook ingress, environment ${env}`, () => {
    test("only the environment's API server CIDRs and the monitoring namespace reach the webhook port", async () => {
      const objects = await render(env);
      const policy = find(objects, 'NetworkPolicy', '-webhook') as Policy;
      const values = parse(readFileSync(valuesFile(env), 'utf8')) as { networkPolicy: { apiServerSources: string[] } };
      assert.ok(values.networkPolicy.apiServerSources.length > 0, `values-${env}.yaml names the API server's CIDRs`);
      for (const rule of policy.spec.ingress) {
        assert.ok(rule.from !== undefined && rule.from.length > 0, 'every ingress rule names its sources: a rule without "from" admits every pod');
        assert.deepEqual(rule.ports.map((p) => p.port), [8443]);
      }
      assert.deepEqual(policy.spec.ingress[0]!.from, values.networkPolicy.apiServerSources.map((cidr) => ({ ipBlock: { cidr } })));
      assert.deepEqual(policy.spec.ingress[1]!.from, [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: {} }]);
      assert.equal(policy.spec.ingress.length, 2);
    });
  });
}

test('no API server CIDRs: the chart does not render, and says what to set', async () => {
  const result = await helm(templateArgs('tools', ['--set-json', 'networkPolicy.apiServerSources=[]']));
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /networkPolicy\.apiServerSources is empty: list the CIDRs the API server calls the webhook from/);
  const off = await helm(templateArgs('tools', ['--set-json', 'networkPolicy.apiServerSources=[]', '--set', 'networkPolicy.enabled=false']));
  assert.equal(off.code, 0, off.stderr);
});

test('a source that is not a CIDR is refused by the values schema, naming the field', async () => {
  const result = await helm(templateArgs('tools', ['--set-json', 'networkPolicy.apiServerSources=["control-plane"]']));
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /at '\/networkPolicy\/apiServerSources\/0'/);
});
