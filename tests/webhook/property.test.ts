/**
 * Property-based: thousands of generated pods and reviews through admit(), and a
 * share of them through the running server over HTTPS. Every patch must apply with
 * fast-json-patch, yield a pod valid under kubernetes-models' Pod schema, be a no-op
 * the second time, and keep Toolforge's admission rules.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Container, V1EnvVar, V1Pod, V1Volume } from '@kubernetes/client-node';
import fc from 'fast-check';
import { Pod } from 'kubernetes-models/v1';
import { version } from '../../contract/version.js';
import { admit } from '../../webhook/admit.js';
import { parseConfig } from '../../webhook/config.js';
import type { PatchOp } from '../../webhook/patch.js';
import type { AdmissionReviewResponse } from '../../webhook/review.js';
import { review } from './fixtures/pods.js';
import { applyPatch, patchOf, postReview, webhookForFile } from './helpers.js';

const config = parseConfig({});
const deps = { config, version, namespaceInfo: () => undefined };
const toolforgeRegistries = ['docker-registry.svc.toolforge.org/', 'docker-registry.tools.wmflabs.org/', 'tools-harbor.wmcloud.org/'];

const dnsLabel = fc.stringMatching(/^[a-z]([a-z0-9-]{0,10}[a-z0-9])?$/);
const ourNames = ['toolforge-tracing-preload', 'toolforge-tracing-preload-2'];
const objectName = fc.oneof(dnsLabel, fc.constantFrom(...ourNames, 'job', 'webservice'));
const mountPaths = fc.constantFrom('/toolforge-tracing', '/toolforge-tracing-2', '/data/project/x', '/public/dumps', '/tmp/cache');

const envVar: fc.Arbitrary<V1EnvVar> = fc.oneof(
  fc.record({
    name: fc.constantFrom(
      'NODE_OPTIONS',
      'OTEL_SERVICE_NAME',
      'OTEL_RESOURCE_ATTRIBUTES',
      'OTEL_PROPAGATORS',
      'OTEL_TRACES_SAMPLER',
      'TOOLFORGE_TRACING_DISABLED',
      'TOOLFORGE_TRACING_HOST_IP',
      'TOOLFORGE_TRACING_POD_NAME',
      'NO_HOME',
      'PORT',
      'TOOL_DATA_DIR',
    ),
    value: fc.oneof(fc.constantFrom('true', 'false', '--max-old-space-size=256', 'team=bots,x=y', ''), fc.string({ maxLength: 20 })),
  }),
  fc.record({
    name: fc.constantFrom('NODE_OPTIONS', 'TOOL_REDIS_URI', 'TOOLFORGE_TRACING_DISABLED', 'OTEL_RESOURCE_ATTRIBUTES'),
    valueFrom: fc.constant({ secretKeyRef: { name: 'toolforge-envvars', key: 'k' } }),
  }),
);

interface Shape {
  names: string[];
  initCount: number;
  volumes: { name: string; hostPath: boolean }[];
  containers: { env: V1EnvVar[] | undefined; envFrom: boolean; mounts: string[] }[];
}

const shape: fc.Arbitrary<Shape> = fc
  .record({
    names: fc.uniqueArray(objectName, { minLength: 1, maxLength: 5 }),
    initCount: fc.nat(2),
    volumes: fc.uniqueArray(fc.record({ name: objectName, hostPath: fc.boolean() }), { maxLength: 3, selector: (v) => v.name }),
    containers: fc.array(
      fc.record({
        env: fc.option(fc.array(envVar, { maxLength: 5 }), { nil: undefined }),
        envFrom: fc.constantFrom(false, false, false, false, true),
        mounts: fc.uniqueArray(mountPaths, { maxLength: 3 }),
      }),
      { minLength: 5, maxLength: 5 },
    ),
  })
  .filter((s) => s.names.length > s.initCount);

const podArb = fc
  .record({
    tool: dnsLabel,
    named: fc.boolean(),
    component: fc.constantFrom('web', 'jobs', 'cronjobs', 'deployments', undefined),
    annotations: fc.option(fc.dictionary(fc.constantFrom('tracing.toolforge.org/inject', 'example.org/a', 'tracing.toolforge.org/x'), fc.constantFrom('false', 'true', 'FALSE', 'x')), { nil: undefined }),
    runAsUser: fc.option(fc.constantFrom(0, 1000, 52503), { nil: undefined }),
    /** As if the tool ran `toolforge envvars create TOOLFORGE_TRACING_DISABLED true`. */
    disabledByEnvvar: fc.constantFrom(false, false, false, false, false, false, false, true),
    shape,
  })
  .map(({ tool, named, component, annotations, runAsUser, disabledByEnvvar, shape: s }): V1Pod => {
    const volumes: V1Volume[] = s.volumes.map((v) =>
      v.hostPath ? { name: v.name, hostPath: { path: '/data/project/x' } } : { name: v.name, emptyDir: {} },
    );
    const container = (name: string, i: number): V1Container => {
      const c = s.containers[i]!;
      const out: V1Container = { name, image: 'docker-registry.tools.wmflabs.org/toolforge-node18-sssd-base:latest' };
      if (c.env !== undefined) out.env = c.env;
      if (disabledByEnvvar) out.env = [...(out.env ?? []).filter((e) => e.name !== 'TOOLFORGE_TRACING_DISABLED'), { name: 'TOOLFORGE_TRACING_DISABLED', value: 'true' }];
      if (c.envFrom) out.envFrom = [{ secretRef: { name: 'env' } }];
      if (volumes.length > 0 && c.mounts.length > 0) out.volumeMounts = c.mounts.map((mountPath, j) => ({ name: volumes[j % volumes.length]!.name, mountPath }));
      return out;
    };
    const inits = s.names.slice(0, s.initCount).map(container);
    const apps = s.names.slice(s.initCount).map((n, i) => container(n, i + s.initCount));
    const pod: V1Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...(named ? { name: `${tool}-abc` } : { generateName: `${tool}-` }),
        namespace: `tool-${tool}`,
        labels: component === undefined ? { toolforge: 'tool' } : { toolforge: 'tool', 'app.kubernetes.io/component': component },
        ...(annotations === undefined ? {} : { annotations }),
      },
      spec: { containers: apps },
    };
    if (inits.length > 0) pod.spec!.initContainers = inits;
    if (volumes.length > 0) pod.spec!.volumes = volumes;
    if (runAsUser !== undefined) pod.spec!.securityContext = { runAsUser, runAsNonRoot: runAsUser > 0 };
    // As the API server sends it: plain JSON (fast-check builds null-prototype records).
    return JSON.parse(JSON.stringify(pod)) as V1Pod;
  });

const reviewArb = fc.record({
  pod: podArb,
  operation: fc.oneof({ arbitrary: fc.constant('CREATE'), weight: 9 }, { arbitrary: fc.constant('UPDATE'), weight: 1 }),
  dryRun: fc.boolean(),
  namespace: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 12 },
    { arbitrary: fc.constantFrom('kube-system', 'toolforge-tracing', 'default'), weight: 1 },
  ),
});

function check(pod: V1Pod, response: AdmissionReviewResponse, uid: string): V1Pod {
  assert.equal(response.response.uid, uid);
  assert.equal(response.response.allowed, true);
  const ops = patchOf(response);
  // patch-json.ts writes the text itself: it must be exactly what JSON.stringify writes.
  if (response.response.patch !== undefined) assert.equal(Buffer.from(response.response.patch, 'base64').toString('utf8'), JSON.stringify(ops));
  const patched = applyPatch(pod, ops);
  new Pod(patched as ConstructorParameters<typeof Pod>[0]).validate();
  const spec = patched.spec!;
  const before = new Set((pod.spec!.volumes ?? []).map((v) => v.name));
  for (const v of spec.volumes ?? []) if (!before.has(v.name)) assert.equal(v.hostPath, undefined, 'no hostPath is ever injected');
  const allNames = [...(spec.initContainers ?? []), ...spec.containers].map((c) => c.name);
  assert.equal(new Set(allNames).size, allNames.length, 'container names unique');
  assert.equal(new Set((spec.volumes ?? []).map((v) => v.name)).size, (spec.volumes ?? []).length, 'volume names unique');
  for (const c of spec.containers) {
    const paths = (c.volumeMounts ?? []).map((m) => m.mountPath);
    assert.equal(new Set(paths).size, paths.length, `${c.name}: mount paths unique`);
  }
  const added = (spec.initContainers ?? []).slice((pod.spec!.initContainers ?? []).length);
  for (const init of added) {
    assert.ok(toolforgeRegistries.some((r) => init.image!.startsWith(r)), 'image from a Toolforge registry');
    const sc = init.securityContext!;
    assert.deepEqual(sc.capabilities, { drop: ['ALL'] });
    assert.equal(sc.allowPrivilegeEscalation, false);
    assert.equal(sc.privileged, false);
    assert.equal(sc.runAsNonRoot, true);
    assert.equal(sc.readOnlyRootFilesystem, true);
    assert.deepEqual(sc.seccompProfile, { type: 'RuntimeDefault' });
    const user = sc.runAsUser ?? spec.securityContext?.runAsUser;
    assert.ok(typeof user === 'number' && user > 0, `init container runs as non-root (uid ${user})`);
  }
  if (patched.metadata?.annotations?.['tracing.toolforge.org/injected'] !== undefined && ops.length > 0) {
    assert.equal(added.length, 1);
    const volume = added[0]!.volumeMounts![0]!.name;
    for (const [i, c] of spec.containers.entries()) {
      const mount = c.volumeMounts?.find((m) => m.name === volume);
      if (mount === undefined) {
        assert.deepEqual(c, pod.spec!.containers[i], 'a container not injected is untouched');
        continue;
      }
      assert.equal(mount.readOnly, true);
      const nodeOptions = c.env!.filter((e) => e.name === 'NODE_OPTIONS').at(-1)!;
      assert.ok(nodeOptions.value!.startsWith(`--require ${mount.mountPath}/preload.cjs`), nodeOptions.value);
      for (const name of ['OTEL_SERVICE_NAME', 'OTEL_RESOURCE_ATTRIBUTES', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'TOOLFORGE_TRACING_HOST_IP']) {
        assert.equal(c.env!.filter((e) => e.name === name).length, 1, `${c.name}: one ${name}`);
      }
    }
  } else {
    assert.deepEqual(patched.spec, pod.spec, 'not injected: spec untouched');
  }
  return patched;
}

test('admit(): patches apply, validate, are idempotent and keep Toolforge rules (3000 reviews)', () => {
  const seen = new Map<string, number>();
  fc.assert(
    fc.property(reviewArb, ({ pod, operation, dryRun, namespace }) => {
      const r = review(pod, { operation: operation as 'CREATE', dryRun, ...(namespace === undefined ? {} : { namespace }) });
      const first = admit(r, deps);
      const key = first.reason ?? first.outcome;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      assert.equal(first.status, 200);
      assert.notEqual(first.outcome, 'error', first.detail);
      const patched = check(pod, first.body as AdmissionReviewResponse, r.request.uid);
      const r2 = review(patched, { operation: operation as 'CREATE', dryRun, ...(namespace === undefined ? {} : { namespace }) });
      const second = admit(r2, deps);
      assert.deepEqual(patchOf(second.body as AdmissionReviewResponse), [] as PatchOp[], 'second pass changes nothing');
    }),
    { numRuns: 3000, includeErrorInReport: true },
  );
  // The generator must reach every interesting branch, not just the easy skips.
  for (const outcome of ['injected', 'no-eligible-container', 'tracing-disabled', 'not-create', 'excluded-namespace', 'pod-opt-out']) {
    assert.ok((seen.get(outcome) ?? 0) >= 10, `only ${seen.get(outcome) ?? 0} reviews ended ${outcome}: ${JSON.stringify([...seen])}`);
  }
  assert.ok(seen.get('injected')! >= 1000, JSON.stringify([...seen]));
});

const running = webhookForFile();

test('the running server over HTTPS agrees (300 reviews)', async () => {
  await fc.assert(
    fc.asyncProperty(reviewArb, async ({ pod, operation }) => {
      const r = review(pod, { operation: operation as 'CREATE' });
      const res = await postReview(running(), r);
      assert.equal(res.status, 200, res.text);
      const body = res.json() as AdmissionReviewResponse;
      check(pod, body, r.request.uid);
      assert.deepEqual(body, admit(r, deps).body, 'same answer as in-process');
    }),
    { numRuns: 300, includeErrorInReport: true },
  );
});
