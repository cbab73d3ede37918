/**
 * The gateway's service-graph series carry `toolforge_tracing_gateway` = the pod's name
 * (collector-config/gateway.yaml's external_labels). As a Deployment, every rollout gave
 * the pods new random names and so started a fresh copy of every series; as a StatefulSet
 * the names are `<name>-0` … `<name>-(replicas-1)`, the same before and after a rollout,
 * and never held by two running pods at once (no surge), so no series has two writers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { environments, find, render, repoRoot, type K8sObject } from './helm.js';

type Gateway = K8sObject & {
  spec: {
    replicas: number;
    serviceName: string;
    updateStrategy: { type: string; rollingUpdate?: unknown };
    template: { metadata: { annotations: Record<string, string> }; spec: { containers: Array<{ env: Array<{ name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }> }> } };
  };
};

/** The label the gateway config puts on every series it remote-writes, and the env var it comes from. */
function seriesLabelSource(): { label: string; envVar: string } {
  const config = parse(readFileSync(path.join(repoRoot, 'collector-config/gateway.yaml'), 'utf8')) as {
    exporters: { prometheus_remote_write: { external_labels: Record<string, string> } };
  };
  const labels = Object.entries(config.exporters.prometheus_remote_write.external_labels);
  assert.equal(labels.length, 1, 'one per-gateway label');
  const [label, value] = labels[0]!;
  const envVar = /^\$\{env:([A-Z0-9_]+)\}$/.exec(value)?.[1];
  assert.ok(envVar, `external label ${label}: ${value} is not one env var`);
  return { label, envVar };
}

/** The pod names a StatefulSet controller gives its replicas. */
const podNames = (g: Gateway) => Array.from({ length: g.spec.replicas }, (_, i) => `${g.metadata.name}-${i}`);

for (const env of environments) {
  describe(`gateway series identity, environment ${env}`, () => {
    test('the per-gateway label is the pod name of a StatefulSet: the same names before and after a rollout', async () => {
      const { label, envVar } = seriesLabelSource();
      assert.equal(label, 'toolforge_tracing_gateway');
      const before = find(await render(env), 'StatefulSet', '-gateway') as Gateway;
      const source = before.spec.template.spec.containers[0]!.env.find((e) => e.name === envVar);
      assert.deepEqual(source?.valueFrom, { fieldRef: { fieldPath: 'metadata.name' } });
      // A rollout: a config change, which changes the pod template's checksum.
      const after = find(await render(env, ['--set', 'gateway.env.ROLLOUT_MARK=1']), 'StatefulSet', '-gateway') as Gateway;
      assert.notEqual(
        JSON.stringify(after.spec.template),
        JSON.stringify(before.spec.template),
        'the second render must be a new pod template (a rollout)',
      );
      assert.deepEqual(podNames(after), podNames(before));
      assert.deepEqual(podNames(before), Array.from({ length: before.spec.replicas }, (_, i) => `toolforge-tracing-gateway-${i}`));
    });

    test('one pod per name at a time (rolling update without surge), governed by the headless Service the node collectors resolve', async () => {
      const objects = await render(env);
      const gateway = find(objects, 'StatefulSet', '-gateway') as Gateway;
      assert.deepEqual(gateway.spec.updateStrategy, { type: 'RollingUpdate' });
      const headless = find(objects, 'Service', '-gateway-headless') as K8sObject & { spec: { clusterIP: string } };
      assert.equal(gateway.spec.serviceName, headless.metadata.name);
      assert.equal(headless.spec.clusterIP, 'None');
      assert.equal(objects.filter((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-gateway')).length, 0);
    });
  });
}
