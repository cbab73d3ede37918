/**
 * The chart (Helm, environment `local`) against a real kube-apiserver: every object it
 * renders is accepted by server-side apply with dryRun=All (the API server's own
 * defaulting, validation and admission), and each ServiceAccount it creates, holding a
 * TokenRequest token, can do exactly what its component needs and no more.
 *
 * cert-manager's CRDs (from its Go module, fetched by scripts/setup --test) are installed
 * first, so the chart's Certificate and Issuer are validated by the API server too: against
 * the CRDs' OpenAPI schemas, which reject unknown fields and wrong types.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthorizationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { describe as describeObject, find, releaseNamespace, render, type K8sObject } from '../charts/helm.js';
import { kubeRequest, startKubeControlPlane, type KubeControlPlane } from '../support/kube-control-plane.js';
import { installCertManagerCrds } from '../support/cert-manager-crds.js';
import { applyServerSide } from './chart-webhook.js';

let cp: KubeControlPlane;
let objects: K8sObject[];

before(async () => {
  cp = await startKubeControlPlane();
  objects = await render('local');
  assert.deepEqual(await installCertManagerCrds(cp.admin), [
    'certificaterequests.cert-manager.io',
    'certificates.cert-manager.io',
    'challenges.acme.cert-manager.io',
    'clusterissuers.cert-manager.io',
    'issuers.cert-manager.io',
    'orders.acme.cert-manager.io',
  ]);
  const namespaces = [...new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => n !== undefined))];
  await applyServerSide(cp.admin, namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })));
});
after(async () => {
  await cp?.stop();
});

describe('server-side apply with dryRun=All', () => {
  test('the API server accepts every object the chart renders for `local`, the cert-manager kinds included', async () => {
    assert.deepEqual(
      objects.filter((o) => o.apiVersion === 'cert-manager.io/v1').map(describeObject).sort(),
      ['Certificate/toolforge-tracing-webhook', 'Issuer/toolforge-tracing-webhook-selfsigned'],
    );
    const applied = await applyServerSide(cp.admin, objects, { dryRun: true });
    assert.equal(applied.length, objects.length);
    // Dry run: nothing was stored.
    const core = cp.admin.makeApiClient(CoreV1Api);
    assert.deepEqual((await core.listNamespacedConfigMap({ namespace: releaseNamespace, labelSelector: 'app.kubernetes.io/part-of=toolforge-tracing' })).items, []);
    assert.deepEqual((await core.listNamespacedServiceAccount({ namespace: releaseNamespace, labelSelector: 'app.kubernetes.io/part-of=toolforge-tracing' })).items, []);
  });

  test("cert-manager's schemas are enforced: the chart's Certificate with a misspelt field or a wrong type is refused", async () => {
    const certificate = find(objects, 'Certificate', '-webhook');
    const spec = certificate.spec as Record<string, unknown>;
    await assert.rejects(applyServerSide(cp.admin, [{ ...certificate, spec: { ...spec, dnsName: spec.dnsNames } }], { dryRun: true }), /dnsName/);
    await assert.rejects(applyServerSide(cp.admin, [{ ...certificate, spec: { ...spec, isCA: 'yes' } }], { dryRun: true }), /isCA/);
  });
});

/** Whether `kc`'s user may do `verb` on `resource` (SelfSubjectAccessReview, cluster-wide unless `namespace`). */
async function may(kc: KubeConfig, verb: string, resource: string, o: { group?: string; namespace?: string; subresource?: string } = {}): Promise<boolean> {
  const review = await kc.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({
    body: { spec: { resourceAttributes: { verb, resource, group: o.group ?? '', namespace: o.namespace, subresource: o.subresource } } },
  });
  return review.status!.allowed;
}

describe('RBAC of each ServiceAccount the chart creates (TokenRequest tokens)', () => {
  let webhook: KubeConfig;
  let collector: KubeConfig;
  before(async () => {
    const rbac = objects.filter((o) => ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind));
    assert.deepEqual(rbac.filter((o) => o.kind === 'ServiceAccount').map(describeObject).sort(), [
      'ServiceAccount/toolforge-tracing-node-collector',
      'ServiceAccount/toolforge-tracing-webhook',
    ]);
    await applyServerSide(cp.admin, rbac);
    const sa = (suffix: string) => find(objects, 'ServiceAccount', suffix).metadata.name;
    webhook = cp.kubeConfigForToken(await cp.serviceAccountToken(releaseNamespace, sa('-webhook')));
    collector = cp.kubeConfigForToken(await cp.serviceAccountToken(releaseNamespace, sa('-node-collector')));
  });

  test('webhook: lists and watches namespaces; nothing else', async () => {
    assert.equal(await may(webhook, 'list', 'namespaces'), true);
    assert.equal(await may(webhook, 'watch', 'namespaces'), true);
    for (const [verb, resource] of [
      ['get', 'namespaces'],
      ['patch', 'namespaces'],
      ['create', 'namespaces'],
      ['list', 'pods'],
      ['create', 'pods'],
      ['list', 'secrets'],
      ['get', 'configmaps'],
      ['list', 'nodes'],
    ] as const) {
      assert.equal(await may(webhook, verb, resource), false, `webhook may not ${verb} ${resource}`);
    }
    // Real calls, as the namespace watch makes them.
    assert.equal((await kubeRequest(webhook, '/api/v1/namespaces?limit=1')).status, 200);
    assert.equal((await kubeRequest(webhook, '/api/v1/pods?limit=1')).status, 403);
    assert.equal((await kubeRequest(webhook, `/api/v1/namespaces/${releaseNamespace}/secrets`)).status, 403);
  });

  test('node collector: lists and watches pods (all k8s_attributes reads); nothing else', async () => {
    for (const verb of ['list', 'watch']) assert.equal(await may(collector, verb, 'pods'), true, `${verb} pods`);
    for (const [verb, resource, group] of [
      ['get', 'pods', ''],
      ['create', 'pods', ''],
      ['patch', 'pods', ''],
      ['delete', 'pods', ''],
      ['list', 'namespaces', ''],
      ['list', 'replicasets', 'apps'],
      ['list', 'secrets', ''],
      ['get', 'secrets', ''],
      ['list', 'nodes', ''],
      ['list', 'deployments', 'apps'],
      ['create', 'namespaces', ''],
    ] as const) {
      assert.equal(await may(collector, verb, resource, { group }), false, `node collector may not ${verb} ${resource}`);
    }
    assert.equal(await may(collector, 'update', 'pods', { subresource: 'status' }), false);
    assert.equal((await kubeRequest(collector, '/api/v1/pods?limit=1')).status, 200);
    assert.equal((await kubeRequest(collector, `/api/v1/namespaces/${releaseNamespace}/secrets`)).status, 403);
    assert.equal((await kubeRequest(collector, '/api/v1/nodes')).status, 403);
  });
});
