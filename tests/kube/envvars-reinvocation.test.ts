/**
 * Two mutating webhooks on the same pods, as on Toolforge: the chart's (reinvocationPolicy
 * IfNeeded) and one that adds the tool's envvars from Secrets like envvars-admission
 * (fixtures/envvars-webhook.ts), also IfNeeded. The API server calls webhooks in the order
 * of their configurations' names, so the envvars one is registered once before ours
 * (`a-envvars-admission`) and once after (`zz-envvars-admission`). Whatever the order the
 * stored pod must be injected once, with the tool's envvars, and the tool-owner opt-out
 * through `toolforge envvars` must work as docs/tool-owners.md says.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AdmissionregistrationV1Api, CoreV1Api, type V1Container, type V1MutatingWebhookConfiguration, type V1Pod } from '@kubernetes/client-node';
import { version } from '../../contract/version.js';
import { startKubeControlPlane, type KubeControlPlane } from '../support/kube-control-plane.js';
import { jobPod } from '../webhook/fixtures/pods.js';
import { closeAgents } from '../webhook/helpers.js';
import { eventually, startChartWebhook, toolNamespaceLabels, webhookMetric, type ChartWebhook } from './chart-webhook.js';
import { envvarSecret, startEnvvarsWebhook, type EnvvarsWebhook } from './fixtures/envvars-webhook.js';

let cp: KubeControlPlane;
let chart: ChartWebhook;
let envvars: EnvvarsWebhook;
let core: CoreV1Api;
let admission: AdmissionregistrationV1Api;

before(async () => {
  cp = await startKubeControlPlane();
  chart = await startChartWebhook(cp);
  core = cp.admin.makeApiClient(CoreV1Api);
  admission = cp.admin.makeApiClient(AdmissionregistrationV1Api);
  envvars = await startEnvvarsWebhook(cp.admin, await cp.issueServingCertificate('envvars', { ips: ['127.0.0.1'] }));
});
after(async () => {
  closeAgents();
  await envvars?.stop();
  await chart?.stop();
  await cp?.stop();
});

const envvarsConfiguration = (name: string): V1MutatingWebhookConfiguration => ({
  metadata: { name },
  webhooks: [
    {
      name: 'envvars.toolforge.org',
      admissionReviewVersions: ['v1'],
      clientConfig: { url: envvars.url, caBundle: Buffer.from(cp.ca).toString('base64') },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
      failurePolicy: 'Ignore',
      sideEffects: 'None',
      timeoutSeconds: 5,
      reinvocationPolicy: 'IfNeeded',
      namespaceSelector: { matchLabels: { tenancy: 'tool' } },
    },
  ],
});

let tools = 0;
/** A tool namespace with envvars (as `toolforge envvars create` leaves them). */
async function toolWithEnvvars(vars: Record<string, string>): Promise<string> {
  const tool = `envtool${++tools}`;
  const namespace = `tool-${tool}`;
  await cp.createNamespace(namespace, toolNamespaceLabels(namespace));
  for (const [name, value] of Object.entries(vars)) await core.createNamespacedSecret({ namespace, body: envvarSecret(name, value) });
  return tool;
}

const create = async (tool: string): Promise<V1Pod> => {
  const namespace = `tool-${tool}`;
  const made = await core.createNamespacedPod({ namespace, body: jobPod({ tool }) });
  return core.readNamespacedPod({ namespace, name: made.metadata!.name! });
};

const names = (c: V1Container) => (c.env ?? []).map((e) => e.name);
const fromSecret = (c: V1Container, name: string) => (c.env ?? []).filter((e) => e.name === name).map((e) => e.valueFrom?.secretKeyRef?.key);
const literal = (c: V1Container, name: string) => (c.env ?? []).filter((e) => e.name === name).map((e) => e.value);

function assertInjectedOnce(p: V1Pod) {
  assert.equal(p.metadata!.annotations?.['tracing.toolforge.org/injected'], version);
  assert.deepEqual(p.spec!.initContainers!.map((c) => c.name), ['toolforge-tracing-preload']);
  assert.equal(p.spec!.volumes!.filter((v) => v.name.startsWith('toolforge-tracing')).length, 1);
  const c = p.spec!.containers[0]!;
  for (const name of new Set(names(c))) assert.equal(names(c).filter((n) => n === name).length, 1, `one ${name}`);
  assert.equal(c.volumeMounts!.filter((m) => m.name === 'toolforge-tracing-preload').length, 1);
}

for (const order of ['envvars first', 'ours first'] as const) {
  describe(`envvars-admission-like webhook ${order === 'envvars first' ? 'before' : 'after'} ours`, () => {
    const name = order === 'envvars first' ? 'a-envvars-admission' : 'zz-envvars-admission';
    before(async () => {
      await admission.createMutatingWebhookConfiguration({ body: envvarsConfiguration(name) });
      const probe = await toolWithEnvvars({ PROBE: '1' });
      await eventually('the envvars webhook is in the chain', async () => {
        const p = await core.createNamespacedPod({ namespace: `tool-${probe}`, body: jobPod({ tool: probe }), dryRun: 'All' });
        return fromSecret(p.spec!.containers[0]!, 'PROBE').length === 1;
      });
    });
    after(async () => {
      await admission.deleteMutatingWebhookConfiguration({ name });
    });

    test('a tool with envvars: its envvars from the Secrets, injected once', async () => {
      const tool = await toolWithEnvvars({ MY_API_KEY: 's3cret', TOOL_REDIS_URI: 'redis://redis.svc.tools.eqiad1.wikimedia.cloud:6379' });
      const again0 = await webhookMetric(chart.webhook, 'toolforge_tracing_webhook_skips_total{reason="already-injected"}');
      const p = await create(tool);
      assertInjectedOnce(p);
      const c = p.spec!.containers[0]!;
      assert.deepEqual(fromSecret(c, 'MY_API_KEY'), ['MY_API_KEY']);
      assert.deepEqual(fromSecret(c, 'TOOL_REDIS_URI'), ['TOOL_REDIS_URI']);
      assert.deepEqual(literal(c, 'NODE_OPTIONS'), ['--require /toolforge-tracing/preload.cjs']);
      assert.deepEqual(literal(c, 'OTEL_SERVICE_NAME'), [tool]);
      // Ours first: envvars changed the pod after us, so ours was called again and found its
      // own marker. (How often the API server calls each webhook is its business: it also
      // reinvokes and retries in the other order; only the stored pod counts.)
      if (order === 'ours first') assert.ok((await webhookMetric(chart.webhook, 'toolforge_tracing_webhook_skips_total{reason="already-injected"}')) > again0);
    });

    test('`toolforge envvars create TOOLFORGE_TRACING_DISABLED true`: the value comes from a Secret, so the pod is injected (init container idle) and the preload gets the variable', async () => {
      const tool = await toolWithEnvvars({ TOOLFORGE_TRACING_DISABLED: 'true' });
      const p = await create(tool);
      assertInjectedOnce(p);
      assert.deepEqual(fromSecret(p.spec!.containers[0]!, 'TOOLFORGE_TRACING_DISABLED'), ['TOOLFORGE_TRACING_DISABLED']);
    });

    test('NODE_OPTIONS as an envvar (from a Secret)', async () => {
      const tool = await toolWithEnvvars({ NODE_OPTIONS: '--max-old-space-size=256' });
      const p = await create(tool);
      const c = p.spec!.containers[0]!;
      assert.deepEqual(fromSecret(c, 'NODE_OPTIONS'), ['NODE_OPTIONS'], 'the tool\'s NODE_OPTIONS, from its Secret, is what the container gets');
      assert.equal(names(c).filter((n) => n === 'NODE_OPTIONS').length, 1);
      if (order === 'envvars first') {
        // We saw the reference and left the container alone, saying why.
        assert.equal(p.metadata!.annotations?.['tracing.toolforge.org/skipped-containers'], 'job=node-options-from-ref');
        assert.equal(p.metadata!.annotations?.['tracing.toolforge.org/injected'], undefined);
        assert.equal(p.spec!.initContainers, undefined);
      } else {
        // Injected first, then envvars replaced our NODE_OPTIONS with its reference: the
        // preload is not loaded in that container, and on reinvocation ours says so.
        assert.equal(p.metadata!.annotations?.['tracing.toolforge.org/skipped-containers'], 'job=node-options-from-ref');
        assert.equal(p.metadata!.annotations?.['tracing.toolforge.org/injected'], version);
        assert.deepEqual(p.spec!.initContainers!.map((x) => x.name), ['toolforge-tracing-preload']);
        assert.deepEqual(literal(c, 'NODE_OPTIONS'), [undefined]);
      }
    });
  });
}
