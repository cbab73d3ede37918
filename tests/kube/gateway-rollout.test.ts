/**
 * The gateway's series label is its pod name (collector-config/gateway.yaml), so it must
 * survive a rollout. The chart's StatefulSet (Helm, `local` with 2 replicas) in a real
 * kube-apiserver with the real kube-controller-manager: the pods are `<name>-0` and
 * `<name>-1`, and a rollout (a new pod template) replaces a pod by one of the same name.
 * No kubelet runs, so pods stay Pending and the rollout stops after its first pod, which
 * is all the names need.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { find, releaseNamespace, render, type K8sObject } from '../charts/helm.js';
import { startKubeControlPlane, type KubeControlPlane } from '../support/kube-control-plane.js';
import { applyServerSide, eventually } from './chart-webhook.js';

let cp: KubeControlPlane;
before(async () => {
  cp = await startKubeControlPlane({ controllerManager: true });
  await cp.createNamespace(releaseNamespace);
});
after(async () => {
  await cp?.stop();
});

const gatewayObjects = async (extra: string[]) => {
  const objects = await render('local', ['--set', 'gateway.replicas=2', ...extra]);
  return [find(objects, 'ConfigMap', '-gateway'), find(objects, 'Service', '-gateway-headless'), find(objects, 'StatefulSet', '-gateway')];
};

test('a rollout keeps the gateway pod names, so their series keep their label', async () => {
  const core = cp.admin.makeApiClient(CoreV1Api);
  const pods = async () =>
    (await core.listNamespacedPod({ namespace: releaseNamespace, labelSelector: 'app.kubernetes.io/component=gateway' })).items.map((p) => ({
      name: p.metadata!.name!,
      revision: p.metadata!.labels!['controller-revision-hash']!,
    }));
  const first = await gatewayObjects([]);
  const name = (first[2] as K8sObject).metadata.name;
  await applyServerSide(cp.admin, first);
  await eventually('two gateway pods', async () => (await pods()).length === 2, 60_000, 250);
  const before = (await pods()).sort((a, b) => a.name.localeCompare(b.name));
  assert.deepEqual(before.map((p) => p.name), [`${name}-0`, `${name}-1`]);

  // A rollout: a changed pod template (an extra env var, as a config change would be).
  await applyServerSide(cp.admin, await gatewayObjects(['--set', 'gateway.env.ROLLOUT_MARK=1']));
  await eventually('a gateway pod of the new revision', async () => (await pods()).some((p) => p.revision !== before[0]!.revision), 60_000, 250);
  await eventually('two gateway pods again', async () => (await pods()).length === 2, 60_000, 250);
  const afterRollout = (await pods()).sort((a, b) => a.name.localeCompare(b.name));
  assert.deepEqual(afterRollout.map((p) => p.name), [`${name}-0`, `${name}-1`], 'the replaced pod has the old name');
  assert.ok(afterRollout.some((p) => p.revision !== before[0]!.revision), 'a pod was really replaced');
});
