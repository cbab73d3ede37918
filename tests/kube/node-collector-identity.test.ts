/**
 * A tool cannot pose as another tool: the real collector runs collector-config/node-agent.yaml
 * unchanged (only its listen addresses and the gateway's port moved to free loopback
 * ports), as a pod would: in a private mount namespace whose in-cluster service-account
 * files hold a TokenRequest token of the chart's node-collector ServiceAccount (with the
 * chart's RBAC) for a real kube-apiserver. Pods are registered with loopback addresses as
 * status.podIP (through the status subresource). Node tools with the preload send from
 * those addresses (tests/kube/fixtures/pod-source-address.cjs) while claiming to be
 * another tool in every identity attribute; spans go on through the production
 * gateway.yaml to a real Prometheus (service graph) and to a Tempo stand-in (receiver).
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { version } from '../../contract/version.js';
import { find, releaseNamespace, render } from '../charts/helm.js';
import { COLLECTOR_CONFIG_DIR, otelcolBinary, startCollector, type RunningCollector } from '../support/collector.js';
import { inCluster } from '../support/in-cluster.js';
import { startKubeControlPlane, type KubeControlPlane } from '../support/kube-control-plane.js';
import { DEFAULT_NODE, nodeBinary } from '../support/node-runtimes.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { freePort } from '../support/ports.js';
import { preloadPath, repoRoot } from '../support/preload-bundle.js';
import { startProcess, type ManagedProcess } from '../support/processes.js';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { applyServerSide, eventually } from './chart-webhook.js';

const NODE = 'tools-k8s-worker-nfs-1';
const GATEWAY_HOST = 'toolforge-tracing-gateway-headless.toolforge-tracing.svc.cluster.local';
const SOURCE_SHIM = join(repoRoot, 'tests', 'kube', 'fixtures', 'pod-source-address.cjs');
const TOOL_APP = join(repoRoot, 'tests', 'fixtures', 'apps', 'callee', 'app.cjs');
const REQUESTS = 3;

/** Who sends, from where: every sender claims to be the tool `alice`. */
const senders = {
  mallory: { namespace: 'tool-mallory', pod: 'mallory-web', ip: '127.0.0.21', node: NODE },
  alice: { namespace: 'tool-alice', pod: 'alice-web', ip: '127.0.0.22', node: NODE },
  exporter: { namespace: 'monitoring', pod: 'exporter', ip: '127.0.0.23', node: NODE },
  agent: { namespace: releaseNamespace, pod: 'agent-x1', ip: '127.0.0.24', node: NODE },
  'no-pod': { namespace: undefined, pod: undefined, ip: '127.0.0.25', node: NODE },
  'other-node': { namespace: 'tool-alice', pod: 'alice-elsewhere', ip: '127.0.0.26', node: 'tools-k8s-worker-nfs-2' },
} as const;
type Sender = keyof typeof senders;

/** Every identity attribute a process can claim, all naming alice. */
const ALICE_CLAIM = [
  'toolforge.tool=alice',
  'k8s.namespace.name=tool-alice',
  'k8s.pod.name=alice-web',
  'k8s.pod.uid=00000000-0000-4000-8000-00000000a11c',
  'k8s.pod.ip=127.0.0.22',
  'k8s.container.name=webservice',
  'k8s.node.name=tools-k8s-worker-nfs-1',
  'toolforge.workload.kind=web',
  'service.namespace=tool-alice',
].join(',');

let tmp: TempDir;
let cp: KubeControlPlane;
let prometheus: TestPrometheus;
let tempo: OtlpReceiver;
let gateway: RunningCollector;
let agent: ManagedProcess;
let agentOtlp: string;
let agentMetricsPort: number;
const podUid = new Map<string, string>();

async function registerPods(core: CoreV1Api): Promise<void> {
  for (const namespace of ['tool-mallory', 'tool-alice', 'monitoring']) {
    await cp.createNamespace(namespace, namespace.startsWith('tool-') ? { tenancy: 'tool' } : {});
  }
  for (const s of Object.values(senders)) {
    if (s.namespace === undefined) continue;
    const pod: V1Pod = { metadata: { name: s.pod, namespace: s.namespace }, spec: { nodeName: s.node, containers: [{ name: 'webservice', image: 'docker-registry.tools.wmflabs.org/toolforge-node18-sssd-web:latest' }] } };
    const created = await core.createNamespacedPod({ namespace: s.namespace, body: pod });
    podUid.set(s.pod, created.metadata!.uid!);
    await core.patchNamespacedPodStatus(
      { name: s.pod, namespace: s.namespace, body: { status: { phase: 'Running', podIP: s.ip, podIPs: [{ ip: s.ip }], hostIP: '127.0.0.1' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
}

before(async () => {
  tmp = await makeTempDir('kube-identity');
  cp = await startKubeControlPlane();
  const core = cp.admin.makeApiClient(CoreV1Api);
  const objects = await render('local');
  await applyServerSide(cp.admin, [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: releaseNamespace } },
    find(objects, 'ServiceAccount', '-node-collector'),
    find(objects, 'ClusterRole', '-node-collector'),
    find(objects, 'ClusterRoleBinding', '-node-collector'),
  ]);
  await core.createNamespacedServiceAccount({ namespace: releaseNamespace, body: { metadata: { name: 'default' } } });
  await registerPods(core);

  prometheus = await startPrometheus({ workDir: tmp.path });
  tempo = await startOtlpReceiver();
  const [grpcPort, gwHttp, gwHealth, gwMetrics] = [await freePort(), await freePort(), await freePort(), await freePort()];
  gateway = await startCollector(
    'otelcol-toolforge (gateway.yaml)',
    [
      join(COLLECTOR_CONFIG_DIR, 'gateway.yaml'),
      `yaml:receivers::otlp::protocols::grpc::endpoint: 127.0.0.1:${grpcPort}`,
      `yaml:receivers::otlp::protocols::http::endpoint: 127.0.0.1:${gwHttp}`,
      `yaml:extensions::health_check::endpoint: 127.0.0.1:${gwHealth}`,
      `yaml:service::telemetry::metrics::readers: [{pull: {exporter: {prometheus: {host: 127.0.0.1, port: ${gwMetrics}}}}}]`,
      'yaml:connectors::service_graph::metrics_flush_interval: 1s',
      `yaml:exporters::otlp_http/tempo-stand-in::endpoint: ${tempo.endpoint}`,
      'yaml:service::pipelines::traces/sampled::exporters: [otlp_http/tempo-stand-in]',
    ],
    { K8S_POD_NAME: 'toolforge-tracing-gateway-0', TOOLFORGE_TRACING_PROMETHEUS_REMOTE_WRITE_URL: prometheus.remoteWriteUrl, TOOLFORGE_TRACING_TEMPO_OTLP_ENDPOINT: `127.0.0.1:${grpcPort}` },
  );

  const token = await cp.serviceAccountToken(releaseNamespace, find(objects, 'ServiceAccount', '-node-collector').metadata.name);
  const asPod = await inCluster(join(tmp.path, 'agent'), { server: cp.server, token, ca: cp.ca, namespace: releaseNamespace, hosts: { [GATEWAY_HOST]: '127.0.0.1' } });
  const [otlpPort, healthPort] = [await freePort(), await freePort()];
  agentMetricsPort = await freePort();
  agentOtlp = `http://127.0.0.1:${otlpPort}`;
  agent = startProcess(
    asPod({
      name: 'otelcol-toolforge (node-agent.yaml)',
      command: otelcolBinary(),
      args: [
        ['--config', join(COLLECTOR_CONFIG_DIR, 'node-agent.yaml')],
        ['--config', `yaml:receivers::otlp::protocols::http::endpoint: 127.0.0.1:${otlpPort}`],
        ['--config', `yaml:extensions::health_check::endpoint: 127.0.0.1:${healthPort}`],
        ['--config', `yaml:service::telemetry::metrics::readers: [{pull: {exporter: {prometheus: {host: 127.0.0.1, port: ${agentMetricsPort}}}}}]`],
        ['--config', `yaml:exporters::load_balancing::resolver::dns::port: "${grpcPort}"`],
      ].flat(),
      env: {
        PATH: process.env.PATH,
        HOME: tmp.path,
        K8S_NODE_NAME: NODE,
        TOOLFORGE_TRACING_TOOL_NAMESPACE_PREFIX: 'tool-',
        TOOLFORGE_TRACING_AGENT_NAMESPACE: releaseNamespace,
        TOOLFORGE_TRACING_GATEWAY_HOSTNAME: GATEWAY_HOST,
        TOOLFORGE_TRACING_GATEWAY_OTLP_ENDPOINT: `127.0.0.1:${grpcPort}`,
      },
    }),
  );
  await eventually('the node agent is healthy (its pod watch synced)', async () => (await fetch(`http://127.0.0.1:${healthPort}/`)).status === 200, 60_000, 250).catch((error) => {
    throw new Error(`${(error as Error).message}\nnode agent output:\n${agent.stdout()}${agent.stderr()}`);
  });
});

after(async () => {
  await agent?.stop();
  await gateway?.stop();
  await tempo?.stop();
  await prometheus?.stop();
  await cp?.stop();
  await tmp?.remove();
});

/**
 * A Node tool with the preload, sending from `sender`'s address and claiming alice: serves
 * REQUESTS requests, and is stopped once the node agent has received their spans.
 */
async function runClaimingTool(sender: Sender): Promise<void> {
  const accepted = await agentMetric(/^otelcol_receiver_accepted_spans(_total)?\{/);
  const tool = startProcess({
    name: `tool app (${sender})`,
    command: nodeBinary(DEFAULT_NODE),
    args: [TOOL_APP],
    env: {
      PATH: process.env.PATH,
      HOME: tmp.path,
      NODE_OPTIONS: `--require ${SOURCE_SHIM} --require ${await preloadPath()}`,
      POD_SOURCE_ADDRESS: senders[sender].ip,
      OTEL_SERVICE_NAME: 'alice',
      OTEL_RESOURCE_ATTRIBUTES: ALICE_CLAIM,
      OTEL_EXPORTER_OTLP_ENDPOINT: agentOtlp,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      // Sent soon after they end; SIGTERM (no handler in the app) ends it without a flush.
      OTEL_BSP_SCHEDULE_DELAY: '200',
      TOOLFORGE_TRACING_PROFILE: 'lima-kilo',
    },
  });
  const [, port] = await tool.waitForOutput(/listening (\d+)/, 30_000);
  for (let i = 0; i < REQUESTS; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/from-${sender}`);
    assert.equal(res.status, 200);
    await res.text();
  }
  await eventually(`the node agent received the ${REQUESTS} spans of ${sender}`, async () => (await agentMetric(/^otelcol_receiver_accepted_spans(_total)?\{/)) === accepted + REQUESTS, 30_000, 100);
  const exit = await tool.stop('SIGTERM', 10_000);
  assert.equal(exit.signal ?? exit.code, 'SIGTERM', `tool (${sender}) ended by its SIGTERM; stderr: ${tool.stderr()}`);
}

/** OTLP/HTTP JSON metrics, posted from `sender`'s address. */
function postMetric(sender: Sender, name: string): Promise<number> {
  const body = JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'toolforge-tracing-agent' } }, { key: 'k8s.namespace.name', value: { stringValue: releaseNamespace } }] },
        scopeMetrics: [{ scope: { name: 'identity-test' }, metrics: [{ name, gauge: { dataPoints: [{ asDouble: 1, timeUnixNano: String(Date.now() * 1e6) }] } }] }],
      },
    ],
  });
  const url = new URL('/v1/metrics', agentOtlp);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', localAddress: senders[sender].ip, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function agentMetric(series: RegExp): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${agentMetricsPort}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => series.test(l))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

describe('identity from the sending pod, not from the process', () => {
  before(async () => {
    for (const sender of Object.keys(senders) as Sender[]) if (sender !== 'agent') await runClaimingTool(sender);
  });

  test('spans from a tool pod carry that pod\'s tool, whatever the process claimed; no claimed attribute survives', async () => {
    const fromPath = (sender: Sender) => tempo.spans().filter((s) => s.attributes['url.path'] === `/from-${sender}`);
    await tempo.waitFor(() => fromPath('mallory').length === REQUESTS && fromPath('alice').length === REQUESTS, 30_000, 'the server spans of mallory and alice at the Tempo stand-in');
    for (const sender of ['mallory', 'alice'] as const) {
      const s = senders[sender];
      for (const span of fromPath(sender)) {
        const identity = Object.fromEntries(Object.entries(span.resource).filter(([k]) => k.startsWith('k8s.') || k.startsWith('toolforge.') || k.startsWith('service.')));
        // Exactly these: the claimed k8s.pod.ip, k8s.container.name, toolforge.workload.kind
        // and service.namespace are gone, not passed on.
        assert.deepEqual(
          identity,
          {
            'service.name': sender,
            'toolforge.tool': sender,
            'toolforge.preload.version': version,
            'k8s.namespace.name': s.namespace,
            'k8s.pod.name': s.pod,
            'k8s.pod.uid': podUid.get(s.pod!),
            'k8s.node.name': NODE,
          },
          `${sender}'s spans name ${sender}, from its pod`,
        );
      }
    }
  });

  test('spans from a pod outside the tool namespaces, from an address with no pod, or from a pod of another node are dropped and counted', async () => {
    await eventually('the filter counted the 9 spans', async () => (await agentMetric(/^otelcol_processor_filter_spans_filtered(_total)?\{.*filter\/not-a-tool-pod/)) === 3 * REQUESTS, 30_000, 250);
    const leaked = tempo.spans().filter((s) => ['/from-exporter', '/from-no-pod', '/from-other-node'].includes(String(s.attributes['url.path'])));
    assert.deepEqual(leaked, []);
  });

  test('the service graph in Prometheus names the true tool', async () => {
    const series = await prometheus.waitFor(
      'sum by (client, server) (traces_service_graph_request_total)',
      (samples) => samples.length === 2 && samples.every((x) => x.value === REQUESTS),
      30_000,
    );
    assert.deepEqual(
      series.map((x) => `${x.metric.client} -> ${x.metric.server} = ${x.value}`).sort(),
      [`user -> alice = ${REQUESTS}`, `user -> mallory = ${REQUESTS}`],
    );
  });

  test('metrics are accepted only from a pod of the agent\'s namespace', async () => {
    assert.equal(await postMetric('agent', 'identity_test_from_agent'), 200);
    assert.equal(await postMetric('mallory', 'identity_test_from_tool'), 200);
    assert.equal(await postMetric('no-pod', 'identity_test_from_nowhere'), 200);
    await prometheus.waitFor('identity_test_from_agent', (samples) => samples.length === 1, 30_000);
    // Sent at the same moment through the same pipeline: had they passed, they would be there by now.
    await eventually('the two others filtered', async () => (await agentMetric(/^otelcol_processor_filter_datapoints_filtered(_total)?\{.*filter\/not-the-agent/)) === 2, 30_000, 250);
    assert.deepEqual(await prometheus.query('{__name__=~"identity_test_from_(tool|nowhere)"}'), []);
  });
});
