/**
 * The webhook's namespace watch against a real kube-apiserver (etcd behind it), with the
 * chart's ServiceAccount and RBAC: changes to namespaces take effect; the API server
 * stopped, hung (SIGSTOP) or not yet up: admissions go on (from memory, unknown
 * namespaces by name), and the watch recovers. AdmissionReviews are posted to the
 * webhook directly, so admissions can be asked while the API server is away.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { find, releaseNamespace, render, type K8sObject } from '../charts/helm.js';
import { startKubeControlPlane, type KubeControlPlane } from '../support/kube-control-plane.js';
import { jobPod, review } from '../webhook/fixtures/pods.js';
import { call, closeAgents, patchOf, postReview, startWebhook, type RunningWebhook } from '../webhook/helpers.js';
import { applyServerSide, eventually, serviceAccountKubeconfig, webhookMetric } from './chart-webhook.js';

let cp: KubeControlPlane;
let core: CoreV1Api;
let objects: K8sObject[];
let kubeconfig: string;

before(async () => {
  cp = await startKubeControlPlane();
  core = cp.admin.makeApiClient(CoreV1Api);
  objects = await render('local');
  await applyServerSide(cp.admin, [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: releaseNamespace } },
    find(objects, 'ServiceAccount', '-webhook'),
    find(objects, 'ClusterRole', '-webhook'),
    find(objects, 'ClusterRoleBinding', '-webhook'),
  ]);
  kubeconfig = await serviceAccountKubeconfig(cp, releaseNamespace, find(objects, 'ServiceAccount', '-webhook').metadata.name, join(cp.dir, 'webhook.kubeconfig'));
  const tool = { tenancy: 'tool' };
  await core.createNamespace({ body: { metadata: { name: 'tool-optout', labels: tool, annotations: { 'tracing.toolforge.org/inject': 'false' } } } });
  await core.createNamespace({ body: { metadata: { name: 'tool-plain', labels: tool } } });
  await core.createNamespace({ body: { metadata: { name: 'tool-nolabel' } } });
});
after(async () => {
  closeAgents();
  await cp?.stop();
});

const startWatchingWebhook = (file = kubeconfig) => startWebhook({ config: `kubernetes:\n  kubeconfig: ${file}\n` });

const injected = async (w: RunningWebhook, namespace: string) => {
  const res = await postReview(w, review(jobPod({ tool: namespace.replace(/^tool-/, '') }), { namespace }));
  assert.equal(res.status, 200, res.text);
  return patchOf(res.json()).length > 0;
};
const cacheState = async (w: RunningWebhook) => (await call(`${w.url}/readyz`, w.ca)).json().namespaceCache as string;

/** A merge patch of a namespace's metadata through the API. */
const patchNamespace = (name: string, metadata: object) =>
  core.patchNamespace({ name, body: { metadata } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));

describe('with the API server up', () => {
  let webhook: RunningWebhook;
  before(async () => {
    webhook = await startWatchingWebhook();
    await eventually('namespace cache synced', async () => (await cacheState(webhook)) === 'synced');
  });
  after(async () => {
    assert.equal(await webhook.stop(), 0);
  });

  test('namespace annotation opts out; missing tool label excludes; unknown namespace decided by name; the cache holds every namespace', async () => {
    assert.equal(await injected(webhook, 'tool-optout'), false);
    assert.equal(await injected(webhook, 'tool-nolabel'), false);
    assert.equal(await injected(webhook, 'tool-plain'), true);
    assert.equal(await injected(webhook, 'tool-notyetseen'), true);
    assert.equal(await webhookMetric(webhook, 'toolforge_tracing_webhook_namespace_cache_synced'), 1);
    const all = (await core.listNamespace()).items.length;
    assert.equal(await webhookMetric(webhook, 'toolforge_tracing_webhook_namespace_cache_size'), all);
  });

  test('changes through the API take effect: label opt-out added, annotation removed, namespace created and deleted', async () => {
    await patchNamespace('tool-plain', { labels: { 'tracing.toolforge.org/inject': 'false' } });
    await eventually('tool-plain opted out by label', async () => !(await injected(webhook, 'tool-plain')));
    await patchNamespace('tool-optout', { annotations: { 'tracing.toolforge.org/inject': null } });
    await eventually('tool-optout opted back in', () => injected(webhook, 'tool-optout'));
    await patchNamespace('tool-nolabel', { labels: { tenancy: 'tool' } });
    await eventually('tool-nolabel is a tool namespace once labelled', () => injected(webhook, 'tool-nolabel'));
    await core.createNamespace({ body: { metadata: { name: 'tool-newcomer', labels: { tenancy: 'tool' }, annotations: { 'tracing.toolforge.org/inject': 'false' } } } });
    await eventually('tool-newcomer opted out', async () => !(await injected(webhook, 'tool-newcomer')));
    // Namespace deletion finalizes through the namespace controller (not running here): finish it by hand.
    await core.deleteNamespace({ name: 'tool-newcomer' });
    await core.replaceNamespaceFinalize({ name: 'tool-newcomer', body: { metadata: { name: 'tool-newcomer' }, spec: { finalizers: [] } } });
    await eventually('deleted namespace forgotten: decided by its name again', () => injected(webhook, 'tool-newcomer'));
    await patchNamespace('tool-plain', { labels: { 'tracing.toolforge.org/inject': null } });
    await eventually('tool-plain back in', () => injected(webhook, 'tool-plain'));
  });

  test('the API server stopped: admissions go on from memory; restarted: the watch recovers and sees what changed meanwhile', async () => {
    await patchNamespace('tool-plain', { annotations: { 'tracing.toolforge.org/inject': 'false' } });
    await eventually('tool-plain opted out', async () => !(await injected(webhook, 'tool-plain')));
    const errors = await webhookMetric(webhook, 'toolforge_tracing_webhook_namespace_watch_errors_total');
    await cp.stopApiServer();
    await eventually('the watch noticed', async () => (await cacheState(webhook)) === 'unsynced', 30_000);
    assert.ok((await webhookMetric(webhook, 'toolforge_tracing_webhook_namespace_watch_errors_total')) > errors);
    assert.equal(await webhookMetric(webhook, 'toolforge_tracing_webhook_namespace_cache_synced'), 0);
    // Known namespaces keep their last state; unknown ones go by name.
    assert.equal(await injected(webhook, 'tool-plain'), false);
    assert.equal(await injected(webhook, 'tool-optout'), true);
    assert.equal(await injected(webhook, 'tool-during-outage'), true);
    assert.equal(await injected(webhook, 'kube-system'), false);
    assert.match(webhook.stderr(), /namespace watch failed; deciding from namespace names until it recovers/);

    await cp.startApiServer();
    await eventually('synced again', async () => (await cacheState(webhook)) === 'synced', 60_000, 250);
    await patchNamespace('tool-plain', { annotations: { 'tracing.toolforge.org/inject': null } });
    await core.createNamespace({ body: { metadata: { name: 'tool-after-restart', labels: { tenancy: 'tool' }, annotations: { 'tracing.toolforge.org/inject': 'false' } } } });
    await eventually('changes after the restart take effect', async () => (await injected(webhook, 'tool-plain')) && !(await injected(webhook, 'tool-after-restart')), 30_000);
  });
});

describe('with the API server away when the webhook starts', () => {
  test('not yet up: admissions by namespace name; once it is up the watch syncs', async () => {
    await cp.stopApiServer();
    const webhook = await startWatchingWebhook();
    try {
      assert.equal(await injected(webhook, 'tool-after-restart'), true, 'not known yet: decided by its name');
      assert.equal(await injected(webhook, 'kube-system'), false);
      await eventually('watch error counted', async () => (await webhookMetric(webhook, 'toolforge_tracing_webhook_namespace_watch_errors_total')) >= 1);
      assert.equal(await cacheState(webhook), 'unsynced');
      await cp.startApiServer();
      await eventually('synced once the API server is up', async () => (await cacheState(webhook)) === 'synced', 60_000, 250);
      assert.equal(await injected(webhook, 'tool-after-restart'), false, 'its opt-out annotation now counts');
    } finally {
      assert.equal(await webhook.stop(), 0);
    }
  });

  test('hung (SIGSTOP: connections accepted, nothing answered): admissions are answered; the webhook stops cleanly', async () => {
    const apiserver = cp.apiServerPid();
    assert.ok(apiserver !== undefined, 'kube-apiserver is running');
    process.kill(apiserver, 'SIGSTOP');
    let webhook: RunningWebhook | undefined;
    try {
      webhook = await startWatchingWebhook();
      for (let i = 0; i < 20; i++) assert.equal(await injected(webhook, `tool-busy${i}`), true);
      assert.equal(await cacheState(webhook), 'unsynced');
      assert.equal(await webhook.stop(), 0, 'stops cleanly with the list request hanging');
    } finally {
      process.kill(apiserver, 'SIGCONT');
      await webhook?.stop();
    }
  });

  test('a ServiceAccount without the chart\'s RBAC: the watch is refused (403) and admissions go on by name', async () => {
    await core.createNamespacedServiceAccount({ namespace: releaseNamespace, body: { metadata: { name: 'no-rbac' } } });
    const file = await serviceAccountKubeconfig(cp, releaseNamespace, 'no-rbac', join(cp.dir, 'no-rbac.kubeconfig'));
    const webhook = await startWatchingWebhook(file);
    try {
      await eventually('watch error counted', async () => (await webhookMetric(webhook, 'toolforge_tracing_webhook_namespace_watch_errors_total')) >= 1);
      assert.equal(await cacheState(webhook), 'unsynced');
      assert.equal(await injected(webhook, 'tool-optout'), true);
      assert.match(webhook.stderr(), /namespace watch failed/);
      assert.match(webhook.stderr(), /403|[Ff]orbidden/);
    } finally {
      assert.equal(await webhook.stop(), 0);
    }
  });
});
