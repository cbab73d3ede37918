import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { COLLECTOR_CONFIG_DIR, collectorComponents, validateCollectorConfig } from '../support/collector.js';

type Config = Record<string, Record<string, unknown> | undefined>;
const SECTIONS = ['receivers', 'processors', 'exporters', 'connectors', 'extensions'] as const;

function readYaml(file: string): Config {
  return parse(readFileSync(join(COLLECTOR_CONFIG_DIR, file), 'utf8')) as Config;
}

/** What a deployment sets (the chart for node-agent/gateway, the tests for local). */
const DEPLOYMENT_ENV: Record<string, Record<string, string>> = {
  'node-agent.yaml': {
    K8S_NODE_NAME: 'tools-k8s-worker-nfs-1',
    TOOLFORGE_TRACING_TOOL_NAMESPACE_PREFIX: 'tool-',
    TOOLFORGE_TRACING_AGENT_NAMESPACE: 'toolforge-tracing',
    TOOLFORGE_TRACING_GATEWAY_HOSTNAME: 'toolforge-tracing-gateway-headless.toolforge-tracing.svc.tools.local',
    TOOLFORGE_TRACING_GATEWAY_OTLP_ENDPOINT: 'toolforge-tracing-gateway.toolforge-tracing.svc.tools.local:4317',
  },
  'gateway.yaml': {
    K8S_POD_NAME: 'toolforge-tracing-gateway-7d9f-abcde',
    TOOLFORGE_TRACING_PROMETHEUS_REMOTE_WRITE_URL: 'http://prometheus.metrics.svc.tools.local:9090/api/v1/write',
    TOOLFORGE_TRACING_TEMPO_OTLP_ENDPOINT: 'tempo-distributor.tempo.svc.tools.local:4317',
  },
  'local.yaml': {
    TOOLFORGE_TRACING_OTLP_HTTP_ENDPOINT: '127.0.0.1:4318',
    TOOLFORGE_TRACING_PROMETHEUS_REMOTE_WRITE_URL: 'http://127.0.0.1:9090/api/v1/write',
    TOOLFORGE_TRACING_TRACES_ENDPOINT: 'http://127.0.0.1:4320',
    TOOLFORGE_TRACING_COLLECTOR_METRICS_PORT: '8888',
    TOOLFORGE_TRACING_HEALTH_ENDPOINT: '127.0.0.1:13133',
  },
};
const CONFIGS = Object.keys(DEPLOYMENT_ENV);

function envVarsUsed(file: string): string[] {
  const text = readFileSync(join(COLLECTOR_CONFIG_DIR, file), 'utf8');
  const fromConfig = [...text.matchAll(/\$\{env:([A-Z0-9_]+)/g)].map((m) => m[1] ?? '');
  // k8s_attributes reads the node name from the variable it is told, without ${env:...}.
  const fromK8sAttributes = [...text.matchAll(/node_from_env_var:\s*([A-Z0-9_]+)/g)].map((m) => m[1] ?? '');
  return [...new Set([...fromConfig, ...fromK8sAttributes])].sort();
}

/** Component types a config uses (`filter/unsampled` is of type `filter`). */
function componentTypes(config: Config): Set<string> {
  const types = new Set<string>();
  for (const section of SECTIONS) for (const id of Object.keys(config[section] ?? {})) types.add(id.split('/')[0] ?? id);
  return types;
}

async function builtComponents(): Promise<{ types: Set<string>; modules: Set<string> }> {
  const listed = parse(await collectorComponents()) as Record<string, Array<{ name: string; module: string }> | undefined>;
  const entries = SECTIONS.flatMap((s) => listed[s] ?? []);
  return { types: new Set(entries.map((e) => e.name)), modules: new Set(entries.map((e) => e.module)) };
}

test('the collector-config folder holds exactly the configs under test and the builder manifest', () => {
  const yamlFiles = readdirSync(COLLECTOR_CONFIG_DIR).filter((f) => f.endsWith('.yaml')).sort();
  assert.deepEqual(yamlFiles, ['builder.yaml', ...CONFIGS].sort());
});

for (const file of CONFIGS) {
  test(`${file}: the deployment sets every environment variable it reads`, () => {
    assert.deepEqual(envVarsUsed(file), Object.keys(DEPLOYMENT_ENV[file] ?? {}).sort());
  });

  test(`${file}: passes otelcol-toolforge validate`, async () => {
    const result = await validateCollectorConfig([join(COLLECTOR_CONFIG_DIR, file)], DEPLOYMENT_ENV[file] ?? {});
    assert.ok(result.ok, result.output);
  });

  test(`${file}: without its environment, validate fails naming what is missing`, async () => {
    const result = await validateCollectorConfig([join(COLLECTOR_CONFIG_DIR, file)], {});
    assert.equal(result.ok, false, 'validate accepted a config with no endpoints');
    assert.match(result.output, /endpoint/);
  });
}

test('the README documents every environment variable the configs read', () => {
  const readme = readFileSync(join(COLLECTOR_CONFIG_DIR, 'README.md'), 'utf8');
  for (const file of CONFIGS) for (const name of envVarsUsed(file)) assert.ok(readme.includes(name), `${name} (${file}) is not in collector-config/README.md`);
});

test('the binary holds exactly the components the configs use, from exactly the modules builder.yaml lists', async () => {
  const used = new Set(CONFIGS.flatMap((f) => [...componentTypes(readYaml(f))]));
  const built = await builtComponents();
  assert.deepEqual([...built.types].sort(), [...used].sort());
  const manifest = readYaml('builder.yaml');
  const listed = SECTIONS.flatMap((s) => ((manifest[s] ?? []) as unknown as Array<{ gomod: string }>).map((c) => c.gomod));
  assert.deepEqual([...built.modules].sort(), listed.sort());
});

test('local.yaml treats spans exactly as gateway.yaml does (graph transform, sampling filter, service_graph apart from its timing)', () => {
  const gateway = readYaml('gateway.yaml');
  const local = readYaml('local.yaml');
  for (const id of ['transform/database-node', 'filter/unsampled']) {
    assert.deepEqual(local.processors?.[id], gateway.processors?.[id], id);
  }
  const timing = new Set(['store', 'store_expiration_loop', 'metrics_flush_interval']);
  const graphLogic = (c: Config) => Object.entries((c.connectors?.service_graph ?? {}) as Record<string, unknown>).filter(([k]) => !timing.has(k));
  assert.deepEqual(graphLogic(local), graphLogic(gateway));
});

test('the service graph is built from all spans and the unsampled ones are dropped only on the way to Tempo', () => {
  for (const file of ['gateway.yaml', 'local.yaml']) {
    const pipelines = (readYaml(file).service as { pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }> }).pipelines;
    const graph = Object.values(pipelines).filter((p) => p.exporters.includes('service_graph'));
    assert.equal(graph.length, 1, `${file}: one pipeline feeds service_graph`);
    assert.ok(!(graph[0]?.processors ?? []).some((p) => p.startsWith('filter')), `${file}: no filter before service_graph`);
    const toTraces = Object.values(pipelines).filter((p) => p.exporters.some((e) => e.startsWith('otlp')) && p.receivers.includes('otlp') && !p.exporters.includes('service_graph'));
    const tracesPipelines = toTraces.filter((p) => (p.processors ?? []).includes('filter/unsampled'));
    assert.equal(tracesPipelines.length, 1, `${file}: the traces pipeline drops toolforge.sampled=false`);
  }
});

test('the node agent forgets claimed identity before the pod lookup and sets the tool after it', () => {
  const pipelines = (readYaml('node-agent.yaml').service as { pipelines: Record<string, { processors: string[] }> }).pipelines;
  const order = pipelines.traces?.processors ?? [];
  const at = (name: string) => order.indexOf(name);
  assert.ok(at('resource/forget-claimed-identity') >= 0 && at('resource/forget-claimed-identity') < at('k8s_attributes'));
  assert.ok(at('k8s_attributes') < at('transform/tool-identity'));
  assert.ok(at('k8s_attributes') < at('batch'), 'k8s_attributes must see the connection, before batch merges requests');
  const forgotten = ((readYaml('node-agent.yaml').processors?.['resource/forget-claimed-identity'] as { attributes: Array<{ key: string; action: string }> }).attributes)
    .filter((a) => a.action === 'delete')
    .map((a) => a.key);
  for (const key of ['service.name', 'toolforge.tool', 'k8s.namespace.name', 'k8s.pod.name', 'k8s.pod.ip', 'k8s.pod.uid']) assert.ok(forgotten.includes(key), key);
});
