/**
 * Real Helm on the chart, for each environment: `helm lint --strict` passes, `helm
 * template` renders, every object is valid against the Kubernetes (and cert-manager)
 * schemas, and each environment gets the parts it should.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { chartDir, describe as name, environments, helm, helmBinary, releaseNamespace, render, repoRoot, valuesFile, type K8sObject } from './helm.js';
import { builtInModelName, schemaErrors, unknownFields } from './kubernetes-schemas.js';

const components = (objects: K8sObject[], kind: string) =>
  objects
    .filter((o) => o.kind === kind)
    .map((o) => o.metadata.labels?.['app.kubernetes.io/component'])
    .sort();

for (const env of environments) {
  describe(`chart, environment ${env}`, () => {
    test('helm lint --strict passes', async () => {
      const result = await helm(['lint', '--strict', chartDir, '--namespace', releaseNamespace, '-f', valuesFile(env)]);
      assert.equal(result.code, 0, `helm lint failed:\n${result.stdout}\n${result.stderr}`);
      assert.match(result.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    });

    test('every rendered object is valid against its Kubernetes schema (with the agent slot on, too)', async () => {
      const objects = [...(await render(env)), ...(await render(env, ['--set', 'agent.enabled=true']))];
      assert.ok(objects.length >= 20, `only ${objects.length} objects rendered`);
      const invalid = objects.map((o) => [name(o), schemaErrors(o)] as const).filter(([, errors]) => errors !== '');
      assert.deepEqual(invalid, []);
    });

    test('no built-in object carries a field its API does not define (the API server would drop it silently)', async () => {
      const objects = [...(await render(env)), ...(await render(env, ['--set', 'agent.enabled=true']))];
      const builtIn = objects.filter((o) => builtInModelName(o) !== undefined);
      // Only cert-manager's Issuer and Certificate are CRDs; the wiring test checks their fields.
      assert.deepEqual([...new Set(objects.filter((o) => !builtIn.includes(o)).map((o) => o.kind))].sort(), ['Certificate', 'Issuer']);
      assert.deepEqual(builtIn.flatMap((o) => unknownFields(o).map((f) => `${name(o)}: ${f}`)), []);
    });

    test('every object has a name, and namespaced ones are in the release namespace (Grafana provisioning aside; with the agent on, too)', async () => {
      const clusterScoped = new Set(['ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration', 'PriorityClass']);
      for (const o of [...(await render(env)), ...(await render(env, ['--set', 'agent.enabled=true']))]) {
        assert.match(o.metadata.name, /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, `${name(o)}: bad name`);
        assert.ok(o.metadata.name.length <= 63, `${name(o)}: name longer than 63`);
        if (clusterScoped.has(o.kind)) assert.equal(o.metadata.namespace, undefined, `${name(o)} is cluster-scoped`);
        else if (o.metadata.labels?.['app.kubernetes.io/component'] !== 'grafana') assert.equal(o.metadata.namespace, releaseNamespace, name(o));
      }
    });

    test('it deploys the webhook, both collectors, and no agent unless asked', async () => {
      const objects = await render(env);
      const expectedDeployments = env === 'local' ? ['tempo', 'webhook'] : ['webhook'];
      assert.deepEqual(components(objects, 'Deployment'), expectedDeployments);
      assert.deepEqual(components(objects, 'StatefulSet'), ['gateway']);
      assert.deepEqual(components(objects, 'DaemonSet'), ['node-collector']);
      assert.deepEqual(components(objects, 'PodDisruptionBudget'), ['gateway', 'webhook']);
      assert.equal(objects.filter((o) => o.kind === 'MutatingWebhookConfiguration').length, 1);
      const withAgent = await render(env, ['--set', 'agent.enabled=true']);
      assert.deepEqual(components(withAgent, 'DaemonSet'), ['agent', 'node-collector']);
    });

    test('replica counts follow the environment', async () => {
      const values = parse(readFileSync(valuesFile(env), 'utf8')) as { webhook?: { replicas?: number } };
      const webhook = (await render(env)).find((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] === 'webhook')!;
      assert.equal((webhook.spec as { replicas: number }).replicas, values.webhook?.replicas ?? 2);
      if (env !== 'local') assert.ok((webhook.spec as { replicas: number }).replicas >= 2, 'toolsbeta and tools run 2 webhooks at least');
    });
  });
}

test('no helm is a failure that says how to get one', () => {
  assert.throws(() => helmBinary({ PATH: '/nonexistent' }), /helm is not installed: run scripts\/setup --test \(ensure_helm builds it/);
});

test("the chart's appVersion is the package version (image tags default to it)", () => {
  const chart = parse(readFileSync(`${chartDir}/Chart.yaml`, 'utf8')) as { appVersion: string };
  const pkg = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as { version: string };
  assert.equal(chart.appVersion, pkg.version);
});

test('the schema check is not vacuous: a broken object is reported', async () => {
  const objects = await render('tools');
  const deployment = structuredClone(objects.find((o) => o.kind === 'Deployment')!) as K8sObject & { spec: { replicas: unknown } };
  deployment.spec.replicas = 'two';
  assert.match(schemaErrors(deployment), /replicas must be integer/);
  const certificate = structuredClone(objects.find((o) => o.kind === 'Certificate')!) as K8sObject & { spec: { privateKey: { algorithm: string } } };
  certificate.spec.privateKey.algorithm = 'EC';
  assert.match(schemaErrors(certificate), /algorithm must be equal to one of the allowed values/);
  const typo = structuredClone(objects.find((o) => o.kind === 'DaemonSet')!) as K8sObject & { spec: { template: { spec: { containers: Array<Record<string, unknown>> } } } };
  typo.spec.template.spec.containers[0]!.readinesProbe = { httpGet: { path: '/' } };
  assert.deepEqual(unknownFields(typo), ['DaemonSet.spec.template.spec.containers[0].readinesProbe']);
  assert.match(schemaErrors({ apiVersion: 'example.org/v1', kind: 'Widget', metadata: { name: 'w' } }), /no schema for apiVersion example.org\/v1 kind Widget/);
});
