/**
 * The chart and the webhook agree: the ConfigMap the chart renders is accepted by the
 * webhook's own loader (webhook/config.ts), and the real webhook, started with it,
 * answers the chart's probe paths and injects the preload image and collector port the
 * chart names.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { parseConfigYaml } from '../../webhook/config.js';
import { review, webservicePod } from '../webhook/fixtures/pods.js';
import { call, closeAgents, patchOf, postReview, startWebhook } from '../webhook/helpers.js';
import { environments, find, releaseNamespace, render, type K8sObject } from './helm.js';

const configText = (objects: K8sObject[]) => (find(objects, 'ConfigMap', '-webhook').data as { 'config.yaml': string })['config.yaml'];
const expectedProfile = { local: 'lima-kilo', toolsbeta: 'toolsbeta', tools: 'toolforge' } as const;

after(closeAgents);

for (const env of environments) {
  describe(`webhook config, environment ${env}`, () => {
    test("the rendered config passes the webhook's own loader and says what the chart means", async () => {
      const objects = await render(env);
      const config = parseConfigYaml(configText(objects), `chart ConfigMap (${env})`);
      assert.equal(config.profile, expectedProfile[env]);
      assert.equal(config.namespaces.webhook, releaseNamespace);
      assert.deepEqual(config.namespaces.toolLabels, { tenancy: 'tool' });
      assert.match(config.injection.image, /^docker-registry\.svc\.toolforge\.org\/toolforge-tracing-preload:\d+\.\d+\.\d+/);
      const collector = find(objects, 'DaemonSet', '-node-collector') as K8sObject & { spec: { template: { spec: any } } };
      const hostPort = collector.spec.template.spec.containers[0].ports.find((p: { hostPort?: number }) => p.hostPort !== undefined).hostPort;
      assert.equal(config.otel.collectorPort, hostPort);
      const mwc = find(objects, 'MutatingWebhookConfiguration', '-webhook') as K8sObject & { webhooks: Array<{ namespaceSelector: { matchLabels: unknown } }> };
      assert.deepEqual(config.namespaces.toolLabels, mwc.webhooks[0]!.namespaceSelector.matchLabels, 'the webhook and the API server agree on tool namespaces');
    });
  });
}

test('a setting the webhook does not know is caught by its loader with the path named (the schema of record)', async () => {
  const text = `${configText(await render('tools'))}\nserver:\n  logLevel: loud\n`;
  assert.throws(() => parseConfigYaml(text, 'chart ConfigMap'), /server\.logLevel/);
});

test('the real webhook runs with the chart config: probes answer, and a tool pod gets the chart\'s preload image and collector port', async () => {
  const objects = await render('tools', ['--set', 'preload.image.tag=9.9.9-chart-test', '--set', 'nodeCollector.otlpHttpPort=14318']);
  // Out of a cluster the namespace watch has nothing to watch; the webhook then decides
  // from namespace names, which is what this test exercises.
  const webhook = await startWebhook({ config: configText(objects) });
  try {
    const deployment = find(objects, 'Deployment', '-webhook') as K8sObject & { spec: { template: { spec: any } } };
    const container = deployment.spec.template.spec.containers[0];
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      const response = await call(`${webhook.url}${probe.httpGet.path}`, webhook.ca);
      assert.equal(response.status, 200, `${probe.httpGet.path}: ${response.status} ${response.text}`);
    }
    const answer = await postReview(webhook, review(webservicePod('mytool'), { namespace: 'tool-mytool' }));
    assert.equal(answer.status, 200);
    const ops = patchOf(answer.json());
    const serialized = JSON.stringify(ops);
    assert.ok(serialized.includes('docker-registry.svc.toolforge.org/toolforge-tracing-preload:9.9.9-chart-test'), `preload image not injected: ${serialized}`);
    assert.ok(serialized.includes(':14318'), `collector port not in the exporter endpoint: ${serialized}`);
  } finally {
    await webhook.stop();
  }
});
