/**
 * The real webhook process over real HTTPS, answering AdmissionReviews for every
 * pod shape Toolforge produces. Patches are applied with fast-json-patch and the
 * result validated with kubernetes-models' Pod schema.
 */
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { describe, test } from 'node:test';
import type { V1Container, V1EnvVar, V1Pod } from '@kubernetes/client-node';
import { Pod } from 'kubernetes-models/v1';
import { version } from '../../contract/version.js';
import { deployment, jobPod, review, webservicePod, windowsPod, withEnvvar, withVolumeAdmission, uidOf } from './fixtures/pods.js';
import { applyPatch, call, mutate as mutateWith, patchOf, postReview, webhookForFile } from './helpers.js';

const running = webhookForFile();
const mutate = (pod: unknown, options: Parameters<typeof review>[1] = {}) => mutateWith(running(), pod, options);

/** Mutates and returns the patched pod, which must be a valid Pod. */
async function inject(pod: V1Pod, options: Parameters<typeof review>[1] = {}): Promise<V1Pod> {
  const { ops } = await mutate(pod, options);
  assert.ok(ops.length > 0, 'expected a patch');
  const patched = applyPatch(pod, ops);
  new Pod(patched as ConstructorParameters<typeof Pod>[0]).validate();
  return patched;
}

const env = (c: V1Container, name: string) => c.env?.filter((e) => e.name === name) ?? [];
const envValue = (c: V1Container, name: string) => {
  const found = env(c, name);
  assert.equal(found.length, 1, `${c.name}: exactly one ${name}`);
  return found[0]!.value;
};
/** Ours is appended, so it is the last init container. */
const ours = (p: V1Pod) => p.spec!.initContainers!.at(-1)!;

function assertInjected(p: V1Pod, containerName: string, tool: string, kind: string | undefined) {
  assert.equal(p.metadata!.annotations!['tracing.toolforge.org/injected'], version);
  const init = ours(p);
  assert.equal(init.image, `docker-registry.svc.toolforge.org/toolforge-tracing-preload:${version}`);
  assert.deepEqual(init.command, ['cp', '-R', '/opt/toolforge-tracing/preload/.', '/toolforge-tracing/']);
  assert.deepEqual(init.securityContext, {
    runAsNonRoot: true,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  });
  assert.deepEqual(init.resources, { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } });
  const volume = p.spec!.volumes!.find((v) => v.name === init.volumeMounts![0]!.name)!;
  assert.deepEqual(volume.emptyDir, { sizeLimit: '64Mi' });
  assert.ok(p.spec!.volumes!.filter((v) => v.hostPath !== undefined).every((v) => !v.name.startsWith('toolforge-tracing')));
  const c = p.spec!.containers.find((x) => x.name === containerName)!;
  const mount = c.volumeMounts!.find((m) => m.name === volume.name)!;
  assert.equal(mount.readOnly, true);
  assert.equal(envValue(c, 'NODE_OPTIONS')!.split(' ').slice(0, 2).join(' '), `--require ${mount.mountPath}/preload.cjs`);
  assert.equal(envValue(c, 'OTEL_SERVICE_NAME'), tool);
  const attrs = Object.fromEntries(envValue(c, 'OTEL_RESOURCE_ATTRIBUTES')!.split(',').map((kv) => kv.split('=') as [string, string]));
  assert.equal(attrs['toolforge.tool'], tool);
  assert.equal(attrs['k8s.namespace.name'], `tool-${tool}`);
  assert.equal(attrs['k8s.container.name'], containerName);
  assert.equal(attrs['k8s.pod.name'], '$(TOOLFORGE_TRACING_POD_NAME)');
  assert.equal(attrs['k8s.node.name'], '$(TOOLFORGE_TRACING_NODE_NAME)');
  assert.equal(attrs['toolforge.workload.kind'], kind);
  assert.equal(envValue(c, 'OTEL_EXPORTER_OTLP_ENDPOINT'), 'http://$(TOOLFORGE_TRACING_HOST_IP):4318');
  assert.equal(envValue(c, 'OTEL_EXPORTER_OTLP_PROTOCOL'), 'http/protobuf');
  assert.equal(envValue(c, 'OTEL_TRACES_SAMPLER'), 'parentbased_traceidratio');
  assert.equal(envValue(c, 'OTEL_TRACES_SAMPLER_ARG'), '0.1');
  assert.equal(envValue(c, 'OTEL_PROPAGATORS'), 'tracecontext,baggage');
  assert.equal(envValue(c, 'TOOLFORGE_TRACING_PROFILE'), 'toolforge');
  const names = c.env!.map((e) => e.name);
  const fieldRefs: [string, string][] = [
    ['TOOLFORGE_TRACING_POD_NAME', 'metadata.name'],
    ['TOOLFORGE_TRACING_NODE_NAME', 'spec.nodeName'],
    ['TOOLFORGE_TRACING_HOST_IP', 'status.hostIP'],
  ];
  for (const [name, fieldPath] of fieldRefs) {
    assert.equal(env(c, name)[0]!.valueFrom!.fieldRef!.fieldPath, fieldPath);
    // Kubernetes expands $(VAR) only from variables defined earlier in the list.
    assert.ok(names.indexOf(name) < names.indexOf('OTEL_RESOURCE_ATTRIBUTES'));
  }
  assert.ok(names.indexOf('TOOLFORGE_TRACING_HOST_IP') < names.indexOf('OTEL_EXPORTER_OTLP_ENDPOINT'));
}

describe('jobs-api pods', () => {
  test('one-off job from a build-service image keeps launcher, NO_HOME and the pod uid', async () => {
    const pod = jobPod({ tool: 'mytool', kind: 'jobs', buildService: true });
    const p = await inject(pod);
    assertInjected(p, 'job', 'mytool', 'job');
    const c = p.spec!.containers[0]!;
    assert.deepEqual(c.command, ['launcher', 'update-cache']);
    assert.equal(envValue(c, 'NO_HOME'), 'a buildservice pod does not need a home env');
    assert.equal(ours(p).securityContext!.runAsUser, undefined, 'inherits the tool uid from the pod');
    assert.equal(p.spec!.securityContext!.runAsUser, uidOf('mytool'));
    assert.equal(p.metadata!.name, undefined);
  });
  test('cron job', async () => {
    assertInjected(await inject(jobPod({ tool: 'cron-tool', kind: 'cronjobs' })), 'job', 'cron-tool', 'cronjob');
  });
  test('continuous job with a port keeps PORT', async () => {
    const p = await inject(jobPod({ tool: 'bot', kind: 'deployments', port: 8080, buildService: true }));
    assertInjected(p, 'job', 'bot', 'continuous');
    assert.equal(envValue(p.spec!.containers[0]!, 'PORT'), '8080');
  });
});

describe('webservice pods', () => {
  test('container webservice, workload kind web', async () => {
    assertInjected(await inject(webservicePod('wikibugs')), 'webservice', 'wikibugs', 'web');
  });
  test('literal NODE_OPTIONS keeps the tool flags after ours', async () => {
    const p = await inject(webservicePod('heavy', '--max-old-space-size=512 --enable-source-maps'));
    assert.equal(
      envValue(p.spec!.containers[0]!, 'NODE_OPTIONS'),
      '--require /toolforge-tracing/preload.cjs --max-old-space-size=512 --enable-source-maps',
    );
  });
  test('NODE_OPTIONS from a Secret: container left alone, reason recorded', async () => {
    const pod = withEnvvar(webservicePod('secretive'), 'NODE_OPTIONS');
    const { ops } = await mutate(pod);
    const p = applyPatch(pod, ops);
    assert.deepEqual(ops, [
      { op: 'add', path: '/metadata/annotations', value: { 'tracing.toolforge.org/skipped-containers': 'webservice=node-options-from-ref' } },
    ]);
    assert.deepEqual(p.spec, pod.spec);
    const again = await mutate(p);
    assert.deepEqual(again.ops, [], 'second pass adds nothing');
  });
});

describe('other shapes', () => {
  test('multi-container pod: each app container injected, a disabled one skipped', async () => {
    const pod = webservicePod('multi');
    pod.spec!.containers.push(
      { name: 'worker', image: 'docker-registry.tools.wmflabs.org/toolforge-node18-sssd-base:latest' },
      { name: 'quiet', image: 'docker-registry.tools.wmflabs.org/toolforge-python311-sssd-base:latest', env: [{ name: 'TOOLFORGE_TRACING_DISABLED', value: 'true' }] },
    );
    const p = await inject(pod);
    assertInjected(p, 'webservice', 'multi', 'web');
    assertInjected(p, 'worker', 'multi', 'web');
    const quiet = p.spec!.containers[2]!;
    assert.deepEqual(quiet, pod.spec!.containers[2]);
    assert.equal(p.metadata!.annotations!['tracing.toolforge.org/skipped-containers'], 'quiet=tracing-disabled');
  });
  test('every container disabled (toolforge envvars): pod untouched', async () => {
    const pod = webservicePod('optedout');
    pod.spec!.containers[0]!.env = [{ name: 'TOOLFORGE_TRACING_DISABLED', value: 'true' }];
    assert.deepEqual((await mutate(pod)).ops, []);
  });
  test('existing init containers and hostPath volumes from volume-admission are kept; ours are appended', async () => {
    const pod = withVolumeAdmission(jobPod({ tool: 'nfsuser' }), 'nfsuser');
    pod.spec!.initContainers = [{ name: 'setup', image: 'docker-registry.tools.wmflabs.org/toolforge-bookworm-sssd:latest', command: ['true'] }];
    const p = await inject(pod);
    assertInjected(p, 'job', 'nfsuser', 'job');
    assert.deepEqual(p.spec!.initContainers!.map((c) => c.name), ['setup', 'toolforge-tracing-preload']);
    assert.deepEqual(p.spec!.volumes!.map((v) => v.name), ['home', 'dumps', 'toolforge-tracing-preload']);
    assert.deepEqual(p.spec!.containers[0]!.volumeMounts!.map((m) => m.mountPath), ['/data/project/nfsuser', '/public/dumps', '/toolforge-tracing']);
    assert.equal(envValue(p.spec!.containers[0]!, 'TOOL_DATA_DIR'), '/data/project/nfsuser');
  });
  test('names we use already taken: suffixed, pod stays valid, our env vars appear once', async () => {
    const pod = webservicePod('clash');
    pod.spec!.volumes = [{ name: 'toolforge-tracing-preload', configMap: { name: 'x' } }];
    pod.spec!.initContainers = [{ name: 'toolforge-tracing-preload', image: 'docker-registry.tools.wmflabs.org/x:1' }];
    const c = pod.spec!.containers[0]!;
    c.volumeMounts = [{ name: 'toolforge-tracing-preload', mountPath: '/toolforge-tracing' }];
    c.env = [
      { name: 'OTEL_SERVICE_NAME', value: 'somebody-else' },
      { name: 'OTEL_RESOURCE_ATTRIBUTES', value: 'team=bots,toolforge.tool=spoof' },
      { name: 'OTEL_PROPAGATORS', value: 'b3' },
      { name: 'TOOLFORGE_TRACING_HOST_IP', value: '10.0.0.1' },
    ];
    const p = await inject(pod);
    assert.equal(ours(p).name, 'toolforge-tracing-preload-2');
    assert.equal(ours(p).volumeMounts![0]!.name, 'toolforge-tracing-preload-2');
    const pc = p.spec!.containers[0]!;
    assert.deepEqual(pc.volumeMounts!.map((m) => m.mountPath), ['/toolforge-tracing', '/toolforge-tracing-2']);
    assert.equal(envValue(pc, 'NODE_OPTIONS'), '--require /toolforge-tracing-2/preload.cjs');
    assert.equal(envValue(pc, 'OTEL_SERVICE_NAME'), 'clash');
    assert.match(envValue(pc, 'OTEL_RESOURCE_ATTRIBUTES')!, /^toolforge\.tool=clash,.*,team=bots$/);
    assert.equal(envValue(pc, 'OTEL_PROPAGATORS'), 'b3', "the tool's propagators are kept");
    assert.equal(env(pc, 'TOOLFORGE_TRACING_HOST_IP')[0]!.valueFrom!.fieldRef!.fieldPath, 'status.hostIP');
  });
  test('a Windows pod (spec.os.name: windows): untouched, skipped as windows-pod', async () => {
    assert.deepEqual((await mutate(windowsPod('win'))).ops, []);
  });
  test('a pod placed on Windows nodes only (node selector, or every required affinity term): untouched; a term that also admits Linux: injected', async () => {
    const bySelector = webservicePod('winsel');
    bySelector.spec!.nodeSelector = { 'kubernetes.io/os': 'windows' };
    assert.deepEqual((await mutate(bySelector)).ops, []);
    const term = (values: string[]) => ({ matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values }] });
    const byAffinity = webservicePod('winaff');
    byAffinity.spec!.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term(['windows']), term(['windows'])] } } };
    assert.deepEqual((await mutate(byAffinity)).ops, []);
    const either = webservicePod('winor');
    either.spec!.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term(['windows']), term(['linux'])] } } };
    assert.notDeepEqual((await mutate(either)).ops, []);
    const linux = webservicePod('linsel');
    linux.spec!.nodeSelector = { 'kubernetes.io/os': 'linux' };
    assert.notDeepEqual((await mutate(linux)).ops, []);
  });
  test('a mount of the tool at /toolforge-tracing/ (trailing slash) or //toolforge-tracing takes our path: ours is suffixed', async () => {
    for (const taken of ['/toolforge-tracing/', '//toolforge-tracing', '/toolforge-tracing/.']) {
      const pod = webservicePod('slash');
      pod.spec!.volumes = [{ name: 'own', emptyDir: {} }];
      pod.spec!.containers[0]!.volumeMounts = [{ name: 'own', mountPath: taken }];
      const c = (await inject(pod)).spec!.containers[0]!;
      assert.deepEqual(c.volumeMounts!.map((m) => m.mountPath), [taken, '/toolforge-tracing-2'], taken);
      assert.equal(envValue(c, 'NODE_OPTIONS'), '--require /toolforge-tracing-2/preload.cjs', taken);
    }
  });
  test("the tool's env that refers to ours ($(OTEL_SERVICE_NAME)) comes after ours, ours after what our attributes refer to, so the kubelet expands both; $$( is no reference", async () => {
    const withEnv = async (own: V1EnvVar[]) => {
      const pod = webservicePod('refs');
      pod.spec!.containers[0]!.env = own;
      const env = (await inject(pod)).spec!.containers[0]!.env!;
      assert.match(env.find((e) => e.name === 'OTEL_RESOURCE_ATTRIBUTES')!.value!, /^toolforge\.tool=refs,/);
      return env.map((e) => e.name);
    };
    const oursInOrder = [
      'TOOLFORGE_TRACING_POD_NAME',
      'TOOLFORGE_TRACING_NODE_NAME',
      'TOOLFORGE_TRACING_HOST_IP',
      'OTEL_SERVICE_NAME',
      'OTEL_RESOURCE_ATTRIBUTES',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'OTEL_EXPORTER_OTLP_PROTOCOL',
      'TOOLFORGE_TRACING_PROFILE',
      'OTEL_TRACES_SAMPLER',
      'OTEL_TRACES_SAMPLER_ARG',
      'OTEL_PROPAGATORS',
    ];
    assert.deepEqual(
      await withEnv([
        { name: 'PLAIN', value: 'x' },
        { name: 'APP_NAME', value: 'name=$(OTEL_SERVICE_NAME)' },
        { name: 'COLLECTOR', value: '$(TOOLFORGE_TRACING_HOST_IP):4318' },
      ]),
      ['PLAIN', ...oursInOrder, 'APP_NAME', 'COLLECTOR', 'NODE_OPTIONS'],
    );
    // The tool's attributes refer to its TEAM, defined after APP_NAME: ours go before APP_NAME,
    // our OTEL_RESOURCE_ATTRIBUTES (which keeps team=$(TEAM)) after TEAM.
    const withTeam = await withEnv([
      { name: 'APP_NAME', value: 'name=$(OTEL_SERVICE_NAME)' },
      { name: 'TEAM', value: 'bots' },
      { name: 'OTEL_RESOURCE_ATTRIBUTES', value: 'team=$(TEAM)' },
    ]);
    assert.deepEqual(withTeam, [...oursInOrder.filter((n) => n !== 'OTEL_RESOURCE_ATTRIBUTES'), 'APP_NAME', 'TEAM', 'OTEL_RESOURCE_ATTRIBUTES', 'NODE_OPTIONS']);
    // Escaped ($$) and unclosed references expand to nothing: ours stay last.
    assert.deepEqual(
      await withEnv([
        { name: 'ESCAPED', value: '$$(OTEL_SERVICE_NAME)' },
        { name: 'UNCLOSED', value: '$(OTEL_SERVICE_NAME' },
        { name: 'OTHER', value: '$(PLAIN)' },
      ]),
      ['ESCAPED', 'UNCLOSED', 'OTHER', 'NODE_OPTIONS', ...oursInOrder],
    );
  });
  test("a tool's own sampler settings keep their meaning: an arg alone gets the configured ratio sampler, not the configured ratio", async () => {
    const withEnv = async (tool: string, own: V1EnvVar[]) => {
      const pod = webservicePod(tool);
      pod.spec!.containers[0]!.env = own;
      return (await inject(pod)).spec!.containers[0]!;
    };
    const argOnly = await withEnv('arg-only', [{ name: 'OTEL_TRACES_SAMPLER_ARG', value: '0.5' }]);
    assert.equal(envValue(argOnly, 'OTEL_TRACES_SAMPLER'), 'parentbased_traceidratio');
    assert.equal(envValue(argOnly, 'OTEL_TRACES_SAMPLER_ARG'), '0.5');
    const samplerOnly = await withEnv('sampler-only', [{ name: 'OTEL_TRACES_SAMPLER', value: 'always_on' }]);
    assert.equal(envValue(samplerOnly, 'OTEL_TRACES_SAMPLER'), 'always_on');
    assert.deepEqual(env(samplerOnly, 'OTEL_TRACES_SAMPLER_ARG'), []);
  });
  test('a pod without a uid gets a non-root init container user', async () => {
    const pod = jobPod({ tool: 'nouid' });
    delete pod.spec!.securityContext;
    const p = await inject(pod);
    assert.equal(ours(p).securityContext!.runAsUser, 65534);
  });
  test('generateName pod: pod and node names come from the downward API', async () => {
    const pod = jobPod({ tool: 'gen' });
    assert.equal(pod.metadata!.name, undefined);
    const p = await inject(pod);
    const e = env(p.spec!.containers[0]!, 'TOOLFORGE_TRACING_POD_NAME')[0] as V1EnvVar;
    assert.deepEqual(e.valueFrom, { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } });
  });
  test('the URL the API server really calls (?timeout=) with its headers', async () => {
    const r = review(webservicePod('apiserver'));
    const res = await call(`${running().url}/mutate?timeout=5s`, running().ca, {
      method: 'POST',
      body: JSON.stringify(r),
      headers: { 'content-type': 'application/json', accept: 'application/json, */*', 'user-agent': 'kube-apiserver-admission' },
    });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(res.json().response.uid, r.request.uid);
    assert.ok(patchOf(res.json()).length > 0);
  });
  test('already injected pod (reinvocation) is returned unchanged', async () => {
    const p = await inject(webservicePod('twice'));
    assert.deepEqual((await mutate(p)).ops, []);
  });
  test('reinvoked after another webhook replaced our NODE_OPTIONS with a Secret reference: only the skipped-containers annotation is added', async () => {
    const p = await inject(webservicePod('late-envvars'));
    const c = p.spec!.containers[0]!;
    c.env = c.env!.map((e) => (e.name === 'NODE_OPTIONS' ? { name: 'NODE_OPTIONS', valueFrom: { secretKeyRef: { name: 'toolforge-envvars', key: 'NODE_OPTIONS' } } } : e));
    const { ops } = await mutate(p);
    assert.deepEqual(ops, [{ op: 'add', path: '/metadata/annotations/tracing.toolforge.org~1skipped-containers', value: 'webservice=node-options-from-ref' }]);
    assert.deepEqual((await mutate(applyPatch(p, ops))).ops, [], 'and nothing more when called once again');
  });
  test('opted-out pod: annotation or label', async () => {
    const a = webservicePod('shy');
    a.metadata!.annotations = { 'tracing.toolforge.org/inject': 'false' };
    assert.deepEqual((await mutate(a)).ops, []);
    const l = webservicePod('shy');
    l.metadata!.labels!['tracing.toolforge.org/inject'] = 'false';
    assert.deepEqual((await mutate(l)).ops, []);
  });
  test('dry-run review gets the same patch as a real one', async () => {
    const pod = jobPod({ tool: 'dry' });
    const real = await mutate(pod);
    const dry = await mutate(pod, { dryRun: true });
    assert.ok(real.ops.length > 0);
    assert.deepEqual(dry.ops, real.ops);
  });
  test('UPDATE of a pod: allowed, untouched', async () => {
    assert.deepEqual((await mutate(webservicePod('upd'), { operation: 'UPDATE' })).ops, []);
  });
  test('a Deployment: allowed, untouched', async () => {
    const d = deployment('bot');
    const { ops, body } = await mutate(d, { kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, resource: { group: 'apps', version: 'v1', resource: 'deployments' } });
    assert.deepEqual(ops, []);
    assert.equal(body.response.patch, undefined);
  });
  test('system, own and non-tool namespaces: untouched', async () => {
    for (const namespace of ['kube-system', 'toolforge-tracing', 'default', 'tool-', 'tool-UPPER']) {
      const pod = webservicePod('x');
      pod.metadata!.namespace = namespace;
      assert.deepEqual((await mutate(pod, { namespace })).ops, [], namespace);
    }
  });
});

describe('bad input', () => {
  const raw = (body: string | Buffer, contentType = 'application/json') =>
    call(`${running().url}/mutate`, running().ca, { method: 'POST', body, headers: { 'content-type': contentType } });

  test('malformed JSON: 400 with the parser message', async () => {
    const res = await raw('{"apiVersion": "admission.k8s.io/v1", ');
    assert.equal(res.status, 400);
    assert.match(res.json().error, /^body is not valid JSON: /);
  });
  test('wrong apiVersion, kind, missing uid: 400 naming the field', async () => {
    const v1beta1 = { ...review(webservicePod()), apiVersion: 'admission.k8s.io/v1beta1' };
    let res = await postReview(running(), v1beta1);
    assert.equal(res.status, 400);
    assert.match(res.json().error, /apiVersion is "admission.k8s.io\/v1beta1"; this webhook speaks admission.k8s.io\/v1 only/);
    res = await postReview(running(), { ...review(webservicePod()), kind: 'ConversionReview' });
    assert.equal(res.status, 400);
    assert.match(res.json().error, /kind is "ConversionReview", expected "AdmissionReview"/);
    const noUid = review(webservicePod()) as { request: { uid?: string } };
    delete noUid.request.uid;
    res = await postReview(running(), noUid);
    assert.equal(res.status, 400);
    assert.equal(res.json().error, 'request.uid is missing or not a non-empty string');
    res = await postReview(running(), [1, 2]);
    assert.equal(res.status, 400);
  });
  test('oversized body: 400 naming the limit, decided from content-length before the body is read', async () => {
    // Headers only: the answer must come without the 7 MiB ever being sent.
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpsRequest(`${running().url}/mutate`, {
        method: 'POST',
        ca: running().ca,
        servername: 'localhost',
        headers: { 'content-type': 'application/json', 'content-length': String(7 * 1024 * 1024) },
      });
      req.on('response', (r) => {
        let text = '';
        r.on('data', (d) => (text += d));
        r.on('end', () => {
          resolve({ status: r.statusCode ?? 0, text });
          req.destroy();
        });
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.text).error, 'body is larger than the limit of 3211264 bytes (server.maxBodyBytes)');
  });
  test('wrong content type: 400', async () => {
    const res = await raw(JSON.stringify(review(webservicePod())), 'text/plain');
    assert.equal(res.status, 400);
    assert.match(res.json().error, /^content-type must be application\/json/);
  });
  test('a Pod review whose object is not a usable pod: allowed, no patch', async () => {
    for (const object of [null, 'pod', { kind: 'Pod', spec: { containers: 'no' } }, { kind: 'Pod', spec: { containers: [{ name: 'a', env: [{ name: 'X', value: 3 }] }] } }, { kind: 'Secret' }]) {
      assert.deepEqual((await mutate(object, { namespace: 'tool-x' })).ops, [], JSON.stringify(object));
    }
  });
  test('the process is still serving', async () => {
    assert.equal((await call(`${running().url}/healthz`, running().ca)).status, 200);
  });
});

describe('operational endpoints', () => {
  test('/readyz reports the namespace watch state', async () => {
    const res = await call(`${running().url}/readyz`, running().ca);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { ready: true, namespaceCache: 'off' });
  });
  test('/metrics counts outcomes, skip reasons and latency', async () => {
    const res = await call(`${running().url}/metrics`, running().ca);
    assert.equal(res.status, 200);
    const value = (series: string) => {
      const line = res.text.split('\n').find((l) => l.startsWith(`${series} `));
      assert.ok(line, `series ${series} missing`);
      return Number(line.split(' ')[1]);
    };
    assert.ok(value('toolforge_tracing_webhook_admissions_total{outcome="injected"}') >= 10);
    assert.ok(value('toolforge_tracing_webhook_admissions_total{outcome="bad-request"}') >= 6);
    assert.ok(value('toolforge_tracing_webhook_skips_total{reason="pod-opt-out"}') >= 2);
    assert.ok(value('toolforge_tracing_webhook_skips_total{reason="not-pod"}') >= 1);
    assert.ok(value('toolforge_tracing_webhook_skips_total{reason="malformed-pod"}') >= 4);
    assert.ok(value('toolforge_tracing_webhook_skips_total{reason="no-eligible-container"}') >= 1);
    // spec.os.name, the node selector and the affinity case of the tests above.
    assert.equal(value('toolforge_tracing_webhook_skips_total{reason="windows-pod"}'), 3);
    assert.ok(value('toolforge_tracing_webhook_skipped_containers_total{reason="node-options-from-ref"}') >= 1);
    assert.equal(value('toolforge_tracing_webhook_admissions_total{outcome="error"}'), 0);
    assert.ok(value('toolforge_tracing_webhook_admission_duration_seconds_count{outcome="injected"}') >= 10);
  });
});
