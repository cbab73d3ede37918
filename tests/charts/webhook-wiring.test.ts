/**
 * The admission wiring as rendered: the MutatingWebhookConfiguration's invariants (fail
 * open, no side effects, short timeout, reinvocation, tool namespaces only, pod CREATE
 * only), and that its Service, the cert-manager Certificate, the Secret the pods mount
 * and the CA annotation all point at each other.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { environments, find, helm, releaseNamespace, render, templateArgs, type K8sObject } from './helm.js';

interface Webhook {
  name: string;
  failurePolicy: string;
  sideEffects: string;
  timeoutSeconds: number;
  reinvocationPolicy: string;
  matchPolicy: string;
  admissionReviewVersions: string[];
  clientConfig: { service: { name: string; namespace: string; path: string; port: number } };
  rules: Array<{ operations: string[]; apiGroups: string[]; apiVersions: string[]; resources: string[]; scope: string }>;
  namespaceSelector: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
  objectSelector?: { matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
}

const webhooksOf = (objects: K8sObject[]) => (find(objects, 'MutatingWebhookConfiguration', '-webhook') as K8sObject & { webhooks: Webhook[] }).webhooks;

for (const env of environments) {
  describe(`webhook wiring, environment ${env}`, () => {
    test('fails open, has no side effects, answers within 5 s, is reinvoked after other webhooks', async () => {
      const webhooks = webhooksOf(await render(env));
      assert.equal(webhooks.length, 1);
      for (const w of webhooks) {
        assert.equal(w.failurePolicy, 'Ignore');
        assert.equal(w.sideEffects, 'None');
        assert.ok(w.timeoutSeconds >= 1 && w.timeoutSeconds <= 5, `timeoutSeconds ${w.timeoutSeconds}`);
        assert.equal(w.reinvocationPolicy, 'IfNeeded');
        assert.equal(w.matchPolicy, 'Equivalent');
        assert.deepEqual(w.admissionReviewVersions, ['v1']);
      }
    });

    test('only CREATE of pods, only in tool namespaces, never its own, with the operator opt-out label honoured', async () => {
      const [w] = webhooksOf(await render(env));
      assert.deepEqual(w!.rules, [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }]);
      assert.deepEqual(w!.namespaceSelector.matchLabels, { tenancy: 'tool' });
      const expressions = w!.namespaceSelector.matchExpressions ?? [];
      assert.deepEqual(expressions.find((e) => e.key === 'tracing.toolforge.org/inject'), {
        key: 'tracing.toolforge.org/inject',
        operator: 'NotIn',
        values: ['false'],
      });
      const byName = expressions.find((e) => e.key === 'kubernetes.io/metadata.name');
      assert.equal(byName?.operator, 'NotIn');
      assert.ok(byName?.values?.includes(releaseNamespace), 'the webhook namespace is excluded');
      assert.deepEqual(w!.objectSelector?.matchExpressions, [{ key: 'tracing.toolforge.org/inject', operator: 'NotIn', values: ['false'] }]);
    });

    test('the API server reaches the webhook pods through the Service, over TLS cert-manager issues and injects', async () => {
      const objects = await render(env);
      const [w] = webhooksOf(objects);
      const configuration = find(objects, 'MutatingWebhookConfiguration', '-webhook');
      const service = find(objects, 'Service', '-webhook') as K8sObject & { spec: { selector: Record<string, string>; ports: Array<{ port: number; targetPort: string }> } };
      const deployment = find(objects, 'Deployment', '-webhook') as K8sObject & { spec: { template: { metadata: { labels: Record<string, string> }; spec: any } } };
      const certificate = find(objects, 'Certificate', '-webhook') as K8sObject & {
        spec: { secretName: string; dnsNames: string[]; issuerRef: { name: string; kind: string } };
      };
      const issuer = find(objects, 'Issuer', '-selfsigned') as K8sObject & { spec: Record<string, unknown> };

      assert.equal(w!.clientConfig.service.name, service.metadata.name);
      assert.equal(w!.clientConfig.service.namespace, releaseNamespace);
      assert.equal(w!.clientConfig.service.path, '/mutate');
      const port = service.spec.ports.find((p) => p.port === w!.clientConfig.service.port);
      assert.ok(port, 'the Service has the port the webhook configuration calls');
      const container = deployment.spec.template.spec.containers[0];
      assert.ok(container.ports.some((p: { name: string }) => p.name === port.targetPort), 'the Service targets a named container port');
      for (const [k, v] of Object.entries(service.spec.selector)) assert.equal(deployment.spec.template.metadata.labels[k], v);

      assert.equal(configuration.metadata.annotations?.['cert-manager.io/inject-ca-from'], `${releaseNamespace}/${certificate.metadata.name}`);
      assert.ok(certificate.spec.dnsNames.includes(`${service.metadata.name}.${releaseNamespace}.svc`), 'the certificate names the Service as the API server dials it');
      assert.deepEqual(certificate.spec.issuerRef, { name: issuer.metadata.name, kind: 'Issuer', group: 'cert-manager.io' });
      assert.deepEqual(issuer.spec, { selfSigned: {} });

      const tlsVolume = deployment.spec.template.spec.volumes.find((v: { secret?: { secretName: string } }) => v.secret !== undefined);
      assert.equal(tlsVolume.secret.secretName, certificate.spec.secretName);
      const mount = container.volumeMounts.find((m: { name: string }) => m.name === tlsVolume.name);
      assert.equal(mount.subPath, undefined, 'a subPath mount would never see cert-manager renewals');
      assert.ok(container.args.includes(`--tls-cert=${mount.mountPath}/tls.crt`));
      assert.ok(container.args.includes(`--tls-key=${mount.mountPath}/tls.key`));
      assert.ok(container.args.includes('--host=0.0.0.0'), 'the CLI listens on loopback unless told otherwise');
    });

    test('probes use /healthz and /readyz over HTTPS on the serving port', async () => {
      const deployment = find(await render(env), 'Deployment', '-webhook') as K8sObject & { spec: { template: { spec: any } } };
      const c = deployment.spec.template.spec.containers[0];
      assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: 'https', scheme: 'HTTPS' });
      assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'https', scheme: 'HTTPS' });
    });

    test('a stopping webhook pod drains (--drain-seconds) within its grace period, so rollouts admit no pod untraced', async () => {
      const deployment = find(await render(env), 'Deployment', '-webhook') as K8sObject & { spec: { template: { spec: any } } };
      const pod = deployment.spec.template.spec;
      const drain = pod.containers[0].args.filter((a: string) => a.startsWith('--drain-seconds='));
      assert.deepEqual(drain, ['--drain-seconds=5']);
      assert.equal(pod.terminationGracePeriodSeconds, 15, 'the drain plus 10 s to close');
    });

    test('RBAC: the webhook may only list and watch namespaces; the node collector only pods', async () => {
      const objects = await render(env);
      const webhookRole = find(objects, 'ClusterRole', '-webhook') as K8sObject & { rules: unknown };
      assert.deepEqual(webhookRole.rules, [{ apiGroups: [''], resources: ['namespaces'], verbs: ['list', 'watch'] }]);
      const collectorRole = find(objects, 'ClusterRole', '-node-collector') as K8sObject & { rules: unknown };
      assert.deepEqual(collectorRole.rules, [{ apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] }]);
      const roles = objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role');
      assert.equal(roles.length, 2, 'no other roles');
      for (const binding of objects.filter((o) => o.kind === 'ClusterRoleBinding') as Array<K8sObject & { roleRef: { name: string }; subjects: Array<{ name: string }> }>) {
        assert.equal(binding.roleRef.name, binding.subjects[0]!.name, 'each service account is bound to its own role only');
      }
    });

    test('NetworkPolicies: the webhook may only reach the API server', async () => {
      const policy = find(await render(env), 'NetworkPolicy', '-webhook') as K8sObject & { spec: { policyTypes: string[]; egress: Array<{ to?: unknown; ports: Array<{ port: number }> }> } };
      assert.deepEqual(policy.spec.policyTypes, ['Ingress', 'Egress']);
      assert.deepEqual(policy.spec.egress.flatMap((e) => e.ports.map((p) => p.port)).sort(), [443, 6443]);
    });
  });
}

test('the emergency switch removes the MutatingWebhookConfiguration and keeps the webhook running', async () => {
  const objects = await render('tools', ['--set', 'webhook.admission.enabled=false']);
  assert.equal(objects.filter((o) => o.kind === 'MutatingWebhookConfiguration').length, 0);
  assert.ok(find(objects, 'Deployment', '-webhook'));
});

test('webhook.drainSeconds sets both the flag and the grace period', async () => {
  const pod = (find(await render('tools', ['--set', 'webhook.drainSeconds=20']), 'Deployment', '-webhook') as K8sObject & { spec: { template: { spec: any } } }).spec.template.spec;
  assert.ok(pod.containers[0].args.includes('--drain-seconds=20'));
  assert.equal(pod.terminationGracePeriodSeconds, 30);
  const result = await helm(templateArgs('tools', ['--set', 'webhook.drainSeconds=301']));
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /at '\/webhook\/drainSeconds': maximum: got 301, want 300/);
});

test('a timeout above 5 s is refused by the values schema, naming the field', async () => {
  const result = await helm(templateArgs('tools', ['--set', 'webhook.timeoutSeconds=10']));
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /at '\/webhook\/timeoutSeconds': maximum: got 10, want 5/);
});
