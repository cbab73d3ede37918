/**
 * The real admission chain: etcd + kube-apiserver + kube-controller-manager on loopback,
 * the chart's MutatingWebhookConfiguration (Helm, environment `local`) registered and
 * pointing at the running webhook. Pods are created through the API (directly, or by the
 * Deployment, Job and CronJob controllers) and read back as the API server stored them,
 * after its own validation and Pod Security "restricted" (enforced on every tool namespace
 * here). No scheduler or kubelet: pods stay Pending.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AppsV1Api, BatchV1Api, CoreV1Api, type V1Container, type V1Pod, type V1PodTemplateSpec } from '@kubernetes/client-node';
import { version } from '../../contract/version.js';
import { startKubeControlPlane, type KubeControlPlane } from '../support/kube-control-plane.js';
import { closeAgents } from '../webhook/helpers.js';
import { jobPod, uidOf, webservicePod, windowsPod, type JobKind } from '../webhook/fixtures/pods.js';
import { eventually, startChartWebhook, toolNamespaceLabels, webhookMetric, type ChartWebhook } from './chart-webhook.js';

let cp: KubeControlPlane;
let chart: ChartWebhook;
let core: CoreV1Api;

before(async () => {
  cp = await startKubeControlPlane({ controllerManager: true });
  chart = await startChartWebhook(cp);
  core = cp.admin.makeApiClient(CoreV1Api);
});
after(async () => {
  closeAgents();
  await chart?.stop();
  await cp?.stop();
});

const injectedAnnotation = 'tracing.toolforge.org/injected';
const preloadImage = `docker-registry.svc.toolforge.org/toolforge-tracing-preload:${version}`;

async function toolNamespace(tool: string, extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}): Promise<string> {
  const namespace = `tool-${tool}`;
  await cp.createNamespace(namespace, { ...toolNamespaceLabels(namespace), ...extra.labels }, extra.annotations);
  return namespace;
}

/** The client's model objects as the plain JSON the API server sent. */
const plain = <T>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

/** Creates the pod through the API and returns what the API server stored. */
async function create(pod: V1Pod, namespace = pod.metadata!.namespace!): Promise<V1Pod> {
  const created = await core.createNamespacedPod({ namespace, body: { ...pod, metadata: { ...pod.metadata, namespace } } });
  return plain(await core.readNamespacedPod({ name: created.metadata!.name!, namespace }));
}

const envOf = (c: V1Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));

/** What the chart's `local` config makes the webhook add to container `container` of a `tool` pod. */
function expectedEnv(tool: string, container: string, kind: string | undefined, nodeOptions = '--require /toolforge-tracing/preload.cjs') {
  return {
    NODE_OPTIONS: nodeOptions,
    TOOLFORGE_TRACING_POD_NAME: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } },
    TOOLFORGE_TRACING_NODE_NAME: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } },
    TOOLFORGE_TRACING_HOST_IP: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.hostIP' } },
    OTEL_SERVICE_NAME: tool,
    OTEL_RESOURCE_ATTRIBUTES:
      `toolforge.tool=${tool},k8s.namespace.name=tool-${tool},k8s.pod.name=$(TOOLFORGE_TRACING_POD_NAME),k8s.container.name=${container},k8s.node.name=$(TOOLFORGE_TRACING_NODE_NAME)` +
      (kind === undefined ? '' : `,toolforge.workload.kind=${kind}`),
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://$(TOOLFORGE_TRACING_HOST_IP):4318',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    TOOLFORGE_TRACING_PROFILE: 'lima-kilo',
    OTEL_TRACES_SAMPLER: 'parentbased_always_on',
    OTEL_PROPAGATORS: 'tracecontext,baggage',
  };
}

/** The stored pod carries exactly one injection, as the chart's config makes it. */
function assertInjected(p: V1Pod, o: { tool: string; container: string; kind: string | undefined; keptEnv?: Record<string, unknown>; nodeOptions?: string }) {
  assert.equal(p.metadata!.annotations?.[injectedAnnotation], version);
  const inits = p.spec!.initContainers ?? [];
  assert.deepEqual(inits.map((c) => c.name), ['toolforge-tracing-preload']);
  const init = inits[0]!;
  assert.equal(init.image, preloadImage);
  assert.deepEqual(init.command, ['cp', '-R', '/opt/toolforge-tracing/preload/.', '/toolforge-tracing/']);
  // The ServiceAccount admission plugin, run again after the webhooks, also mounts the
  // pod's token into our init container, as into every container of the pod.
  assert.deepEqual(
    init.volumeMounts?.map((m) => (m.name.startsWith('kube-api-access-') ? { ...m, name: 'kube-api-access-*' } : m)),
    [
      { name: 'toolforge-tracing-preload', mountPath: '/toolforge-tracing' },
      { name: 'kube-api-access-*', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    ],
  );
  assert.deepEqual(init.securityContext, {
    runAsNonRoot: true,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  });
  const ours = (p.spec!.volumes ?? []).filter((v) => v.name === 'toolforge-tracing-preload');
  assert.deepEqual(ours, [{ name: 'toolforge-tracing-preload', emptyDir: { sizeLimit: '64Mi' } }]);
  const c = p.spec!.containers.find((x) => x.name === o.container)!;
  assert.deepEqual(
    c.volumeMounts?.filter((m) => m.name === 'toolforge-tracing-preload'),
    [{ name: 'toolforge-tracing-preload', mountPath: '/toolforge-tracing', readOnly: true }],
  );
  assert.deepEqual(envOf(c), { ...o.keptEnv, ...expectedEnv(o.tool, o.container, o.kind, o.nodeOptions) });
}

function assertUntouched(p: V1Pod) {
  assert.equal(p.metadata!.annotations?.[injectedAnnotation], undefined);
  assert.equal(p.spec!.initContainers, undefined);
  assert.ok(!(p.spec!.volumes ?? []).some((v) => v.name === 'toolforge-tracing-preload'));
  for (const c of p.spec!.containers) assert.ok(!(c.env ?? []).some((e) => e.name.startsWith('OTEL_') || e.name === 'NODE_OPTIONS'), `${c.name} has no OTEL_*/NODE_OPTIONS`);
}

describe('pods created through the API server', () => {
  test('jobs-api one-off job (build-service image): injected, the Toolforge securityContext kept, admitted under Pod Security restricted', async () => {
    const namespace = await toolNamespace('alpha');
    const p = await create(jobPod({ tool: 'alpha', kind: 'jobs', buildService: true }));
    assertInjected(p, { tool: 'alpha', container: 'job', kind: 'job', keptEnv: { NO_HOME: 'a buildservice pod does not need a home env' } });
    assert.equal(p.metadata!.namespace, namespace);
    assert.equal(p.status!.phase, 'Pending');
    assert.deepEqual(p.spec!.containers[0]!.command, ['launcher', 'update-cache']);
    assert.equal(p.spec!.securityContext!.runAsUser, uidOf('alpha'));
    // The init container runs as the pod's (the tool's) uid: no user of its own.
    assert.equal(p.spec!.initContainers![0]!.securityContext!.runAsUser, undefined);
  });

  test('jobs-api cronjob and continuous job pods; a webservice pod with NODE_OPTIONS of its own', async () => {
    await toolNamespace('beta');
    assertInjected(await create(jobPod({ tool: 'beta', kind: 'cronjobs' })), { tool: 'beta', container: 'job', kind: 'cronjob' });
    assertInjected(await create(jobPod({ tool: 'beta', kind: 'deployments', port: 8080 })), { tool: 'beta', container: 'job', kind: 'continuous', keptEnv: { PORT: '8080' } });
    assertInjected(await create(webservicePod('beta', '--max-old-space-size=512')), {
      tool: 'beta',
      container: 'webservice',
      kind: 'web',
      nodeOptions: '--require /toolforge-tracing/preload.cjs --max-old-space-size=512',
    });
  });

  test('pods outside tool namespaces are not touched: no tenancy label, kube-system, the webhook namespace', async () => {
    await cp.createNamespace('tool-unlabelled');
    await cp.createNamespace('monitoring', { tenancy: 'infra' });
    const before = await webhookMetric(chart.webhook, 'toolforge_tracing_webhook_admissions_total{outcome="skipped"}');
    for (const namespace of ['tool-unlabelled', 'monitoring', 'kube-system', 'toolforge-tracing']) {
      if (namespace === 'kube-system' || namespace === 'toolforge-tracing') {
        await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'default' } } }).catch(() => undefined);
      }
      assertUntouched(await create(jobPod({ tool: 'gamma' }), namespace));
    }
    // The namespaceSelector kept them from the webhook altogether.
    assert.equal(await webhookMetric(chart.webhook, 'toolforge_tracing_webhook_admissions_total{outcome="skipped"}'), before);
  });

  test('opt-out: pod annotation (the webhook skips it), pod label (never sent), namespace annotation and label', async () => {
    await toolNamespace('delta');
    const skips = () => webhookMetric(chart.webhook, 'toolforge_tracing_webhook_skips_total{reason="pod-opt-out"}');
    const admissions = () => webhookMetric(chart.webhook, 'toolforge_tracing_webhook_admissions_total{outcome="skipped"}');
    const s0 = await skips();
    const annotated = jobPod({ tool: 'delta' });
    annotated.metadata!.annotations = { 'tracing.toolforge.org/inject': 'false' };
    assertUntouched(await create(annotated));
    assert.equal(await skips(), s0 + 1);

    const a0 = await admissions();
    const labelled = jobPod({ tool: 'delta' });
    labelled.metadata!.labels!['tracing.toolforge.org/inject'] = 'false';
    assertUntouched(await create(labelled));
    assert.equal(await admissions(), a0, 'the objectSelector kept the labelled pod from the webhook');

    await toolNamespace('epsilon', { annotations: { 'tracing.toolforge.org/inject': 'false' } });
    await eventually('the webhook has seen tool-epsilon', async () => {
      const p = await core.createNamespacedPod({ namespace: 'tool-epsilon', body: jobPod({ tool: 'epsilon' }), dryRun: 'All' });
      return (await webhookMetric(chart.webhook, 'toolforge_tracing_webhook_skips_total{reason="namespace-opt-out"}')) > 0 && p.spec!.initContainers === undefined;
    });
    assertUntouched(await create(jobPod({ tool: 'epsilon' })));
    await toolNamespace('zeta', { labels: { 'tracing.toolforge.org/inject': 'false' } });
    assertUntouched(await create(jobPod({ tool: 'zeta' })));
  });

  test('a Windows pod: admitted by the API server as sent (our Linux-only securityContext fields would be refused)', async () => {
    await toolNamespace('windows');
    const skips = () => webhookMetric(chart.webhook, 'toolforge_tracing_webhook_skips_total{reason="windows-pod"}');
    const before = await skips();
    const p = await create(windowsPod('windows'));
    assertUntouched(p);
    assert.equal(p.spec!.os!.name, 'windows');
    assert.equal(await skips(), before + 1);
  });

  test('a mount of the tool at /toolforge-tracing/: ours goes to /toolforge-tracing-2, the API server admits the pod', async () => {
    await toolNamespace('slash');
    const pod = webservicePod('slash');
    pod.spec!.volumes = [{ name: 'own', emptyDir: {} }];
    pod.spec!.containers[0]!.volumeMounts = [{ name: 'own', mountPath: '/toolforge-tracing/' }];
    const p = await create(pod);
    const c = p.spec!.containers[0]!;
    assert.deepEqual(c.volumeMounts!.filter((m) => !m.name.startsWith('kube-api-access-')).map((m) => m.mountPath), ['/toolforge-tracing/', '/toolforge-tracing-2']);
    assert.equal(envOf(c).NODE_OPTIONS, '--require /toolforge-tracing-2/preload.cjs');
  });

  test('dryRun=All: the answer is injected, nothing is stored', async () => {
    const namespace = await toolNamespace('eta');
    const answer = plain(await core.createNamespacedPod({ namespace, body: jobPod({ tool: 'eta' }), dryRun: 'All' }));
    assertInjected(answer, { tool: 'eta', container: 'job', kind: 'job' });
    assert.deepEqual((await core.listNamespacedPod({ namespace })).items, []);
  });
});

/** A pod template as jobs-api writes it, with the opt-out annotation when `optOut`. */
function template(tool: string, job: string, kind: JobKind, optOut: boolean): V1PodTemplateSpec {
  const pod = jobPod({ tool, job, kind });
  return {
    metadata: { labels: pod.metadata!.labels, annotations: optOut ? { 'tracing.toolforge.org/inject': 'false' } : undefined },
    spec: pod.spec,
  };
}

async function podsOf(namespace: string, job: string, count: number): Promise<V1Pod[]> {
  let pods: V1Pod[] = [];
  await eventually(`${count} pod(s) of ${namespace}/${job} made by the controllers`, async () => {
    pods = plain((await core.listNamespacedPod({ namespace, labelSelector: `app.kubernetes.io/name=${job}` })).items);
    return pods.length >= count;
  }, 90_000, 250);
  return pods;
}

describe('Deployments, Jobs and CronJobs expanded into pods by the real controllers', () => {
  const apps = () => cp.admin.makeApiClient(AppsV1Api);
  const batch = () => cp.admin.makeApiClient(BatchV1Api);
  let namespace: string;
  before(async () => {
    namespace = await toolNamespace('workloads');
    // Made first: the CronJob controller starts its job at the next full minute.
    for (const optOut of [false, true]) {
      const job = optOut ? 'cron-out' : 'cron-in';
      await batch().createNamespacedCronJob({
        namespace,
        body: {
          metadata: { name: job },
          spec: { schedule: '* * * * *', jobTemplate: { spec: { backoffLimit: 0, template: template('workloads', job, 'cronjobs', optOut) } } },
        },
      });
    }
  });

  test('Deployment (continuous job): injected; with the opt-out annotation in its template: untouched', async () => {
    for (const optOut of [false, true]) {
      const job = optOut ? 'bot-out' : 'bot-in';
      await apps().createNamespacedDeployment({
        namespace,
        body: { metadata: { name: job }, spec: { replicas: 2, selector: { matchLabels: { 'app.kubernetes.io/name': job } }, template: template('workloads', job, 'deployments', optOut) } },
      });
      const pods = await podsOf(namespace, job, 2);
      assert.equal(pods.length, 2);
      for (const p of pods) {
        assert.equal(p.metadata!.ownerReferences![0]!.kind, 'ReplicaSet');
        if (optOut) assertUntouched(p);
        else assertInjected(p, { tool: 'workloads', container: 'job', kind: 'continuous' });
      }
    }
  });

  test('Job (one-off): injected; opted out: untouched', async () => {
    for (const optOut of [false, true]) {
      const job = optOut ? 'once-out' : 'once-in';
      await batch().createNamespacedJob({ namespace, body: { metadata: { name: job }, spec: { backoffLimit: 0, template: template('workloads', job, 'jobs', optOut) } } });
      const [p] = await podsOf(namespace, job, 1);
      assert.equal(p!.metadata!.ownerReferences![0]!.kind, 'Job');
      if (optOut) assertUntouched(p!);
      else assertInjected(p!, { tool: 'workloads', container: 'job', kind: 'job' });
    }
  });

  test('CronJob: its scheduled Job\'s pod is injected; opted out: untouched', async () => {
    for (const optOut of [false, true]) {
      const job = optOut ? 'cron-out' : 'cron-in';
      const [p] = await podsOf(namespace, job, 1);
      assert.equal(p!.metadata!.ownerReferences![0]!.kind, 'Job');
      if (optOut) assertUntouched(p!);
      else assertInjected(p!, { tool: 'workloads', container: 'job', kind: 'cronjob' });
    }
  });
});

describe('the webhook unavailable (failurePolicy: Ignore)', () => {
  test('slower than timeoutSeconds (the process stopped with SIGSTOP): the pod is created untraced after the timeout', async () => {
    const namespace = await toolNamespace('slow');
    const timeoutSeconds = chart.configuration.webhooks![0]!.timeoutSeconds!;
    chart.webhook.child.kill('SIGSTOP');
    try {
      const started = Date.now();
      const p = await create(jobPod({ tool: 'slow' }), namespace);
      const took = Date.now() - started;
      assertUntouched(p);
      assert.ok(took >= timeoutSeconds * 1000, `the API server waited ${took} ms, at least timeoutSeconds=${timeoutSeconds}`);
    } finally {
      chart.webhook.child.kill('SIGCONT');
    }
    // And it is back in the chain once it answers again.
    await eventually('injection again after SIGCONT', async () => (await create(jobPod({ tool: 'slow' }), namespace)).spec!.initContainers !== undefined);
  });

  test('down (the process gone, its port closed): pods are created untraced', async () => {
    const namespace = await toolNamespace('down');
    await chart.webhook.stop();
    const p = await create(jobPod({ tool: 'down' }), namespace);
    assertUntouched(p);
    assert.equal(p.status!.phase, 'Pending');
  });
});
