/**
 * The collector configs have one source, collector-config/, which the chart reads
 * through its `collector` symlink. Checked: the rendered ConfigMaps are those files byte
 * for byte; `helm package` follows the symlink (the archive carries the files, and
 * renders the same); every ${env:VAR} a config reads is set by the chart and the real
 * collector accepts the config with the chart's values; the ports agree; both collectors run
 * the image scripts/images builds from builder.yaml (tests/images/collector-image.test.ts).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { lstatSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { validateCollectorConfig } from '../support/collector.js';
import { makeTempDir } from '../support/temp-dir.js';
import { chartDir, environments, find, helm, render, repoRoot, templateArgs, type K8sObject } from './helm.js';

const sourceDir = path.join(repoRoot, 'collector-config');
const configs = [
  { file: 'node-agent.yaml', kind: 'DaemonSet', suffix: '-node-collector' },
  { file: 'gateway.yaml', kind: 'StatefulSet', suffix: '-gateway' },
] as const;

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
type Workload = K8sObject & { spec: { template: { spec: { containers: Array<{ env: EnvVar[]; ports: Array<{ name: string; containerPort: number }>; readinessProbe: any }> } } } };

/** What the kubelet would put in the environment (downward-API fields get stand-ins). */
function containerEnv(workload: Workload): Record<string, string> {
  const standIns: Record<string, string> = { 'spec.nodeName': 'tools-k8s-worker-nfs-1', 'metadata.name': 'toolforge-tracing-gateway-0' };
  const env: Record<string, string> = {};
  for (const v of workload.spec.template.spec.containers[0]!.env) {
    const fieldPath = v.valueFrom?.fieldRef?.fieldPath;
    env[v.name] = v.value ?? (fieldPath !== undefined ? standIns[fieldPath] ?? '' : '');
  }
  return env;
}

/** Variables a config reads: ${env:VAR} and k8s_attributes' node_from_env_var. */
function variablesRead(text: string): string[] {
  const refs = [...text.matchAll(/\$\{env:([A-Za-z0-9_]+)/g), ...text.matchAll(/node_from_env_var:\s*([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
  return [...new Set(refs)].sort();
}

const portOf = (endpoint: string) => Number(endpoint.split(':').pop());

test('charts/toolforge-tracing/collector is a relative symlink to collector-config/, and charts/ holds no copy', () => {
  const link = path.join(chartDir, 'collector');
  assert.ok(lstatSync(link).isSymbolicLink(), `${link} must be a symlink`);
  assert.equal(readlinkSync(link), '../../collector-config');
  const copies: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && configs.some((c) => c.file === entry.name)) copies.push(p);
    }
  };
  walk(path.join(repoRoot, 'charts'));
  assert.deepEqual(copies, []);
});

for (const env of environments) {
  describe(`collector wiring, environment ${env}`, () => {
    for (const { file, kind, suffix } of configs) {
      test(`${file}: rendered byte for byte, every variable it reads set by the chart, accepted by the real collector`, async (t) => {
        const objects = await render(env);
        const source = readFileSync(path.join(sourceDir, file), 'utf8');
        const rendered = (find(objects, 'ConfigMap', suffix).data as { 'config.yaml': string })['config.yaml'];
        assert.equal(rendered.trimEnd(), source.trimEnd(), 'the ConfigMap is not the file');

        const workloadEnv = containerEnv(find(objects, kind, suffix) as Workload);
        const missing = variablesRead(source).filter((v) => !(v in workloadEnv) || workloadEnv[v] === '');
        assert.deepEqual(missing, [], `${file} reads variables the chart does not set`);

        const dir = await makeTempDir('chart-collector');
        t.after(() => dir.remove());
        const configPath = path.join(dir.path, file);
        writeFileSync(configPath, rendered);
        const result = await validateCollectorConfig([configPath], workloadEnv);
        assert.ok(result.ok, `otelcol validate rejected the chart's ${file}:\n${result.output}`);
      });
    }

    test('ports: the containers expose what the configs listen on, and the probes hit the health check', async () => {
      const objects = await render(env);
      for (const { file, kind, suffix } of configs) {
        const config = parse(readFileSync(path.join(sourceDir, file), 'utf8')) as any;
        const container = (find(objects, kind, suffix) as Workload).spec.template.spec.containers[0]!;
        const ports = Object.fromEntries(container.ports.map((p) => [p.name, p.containerPort]));
        const protocols = config.receivers.otlp.protocols;
        if (protocols.http) assert.equal(ports['otlp-http'], portOf(protocols.http.endpoint), `${file} otlp http`);
        if (protocols.grpc) assert.equal(ports['otlp-grpc'], portOf(protocols.grpc.endpoint), `${file} otlp grpc`);
        assert.equal(ports.health, portOf(config.extensions.health_check.endpoint), `${file} health`);
        assert.equal(ports.metrics, config.service.telemetry.metrics.readers[0].pull.exporter.prometheus.port, `${file} metrics`);
        assert.equal(container.readinessProbe.httpGet.port, 'health');
      }
    });

    test('the node collectors find the gateways: headless Service DNS name and port, and a Service for metrics', async () => {
      const objects = await render(env);
      const env_ = containerEnv(find(objects, 'DaemonSet', '-node-collector') as Workload);
      const headless = find(objects, 'Service', '-gateway-headless') as K8sObject & { spec: { clusterIP: string; ports: Array<{ port: number }> } };
      const service = find(objects, 'Service', '-gateway') as K8sObject & { spec: { ports: Array<{ port: number }> } };
      assert.equal(headless.spec.clusterIP, 'None');
      assert.match(env_.TOOLFORGE_TRACING_GATEWAY_HOSTNAME!, new RegExp(`^${headless.metadata.name}\\.toolforge-tracing\\.svc\\.`));
      const nodeAgent = parse(readFileSync(path.join(sourceDir, 'node-agent.yaml'), 'utf8')) as any;
      assert.equal(Number(nodeAgent.exporters.load_balancing.resolver.dns.port), headless.spec.ports[0]!.port);
      assert.equal(env_.TOOLFORGE_TRACING_GATEWAY_OTLP_ENDPOINT, `${service.metadata.name}.toolforge-tracing.svc.${env_.TOOLFORGE_TRACING_GATEWAY_HOSTNAME!.split('.svc.')[1]}:${service.spec.ports[0]!.port}`);
    });
  });
}

test('both collectors run our collector image, tagged with builder.yaml\'s version, named as scripts/images builds it, in every environment', async () => {
  const builder = parse(readFileSync(path.join(sourceDir, 'builder.yaml'), 'utf8')) as { dist: { version: string } };
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'scripts', 'lib', 'image-refs.mjs')]);
  const built = stdout.split('\n').find((l) => l.startsWith('collector '))?.split(' ');
  assert.deepEqual(built, ['collector', 'docker-registry.svc.toolforge.org/toolforge-tracing-collector', builder.dist.version]);
  for (const env of environments) {
    const objects = await render(env);
    for (const { kind, suffix } of configs) {
      const image = (find(objects, kind, suffix) as any).spec.template.spec.containers[0].image as string;
      assert.equal(image, `docker-registry.svc.toolforge.org/toolforge-tracing-collector:${builder.dist.version}`, `${env} ${kind}${suffix}`);
    }
  }
});

test('helm package follows the symlink: the archive carries the collector configs (and only those) and renders the same', async (t) => {
  const dir = await makeTempDir('chart-package');
  t.after(() => dir.remove());
  const packaged = await helm(['package', chartDir, '--destination', dir.path]);
  assert.equal(packaged.code, 0, packaged.stderr);
  const archive = readdirSync(dir.path).find((f) => f.endsWith('.tgz'));
  assert.ok(archive, 'no .tgz written');
  const archivePath = path.join(dir.path, archive);

  const { stdout: listing } = await promisify(execFile)('tar', ['-tzf', archivePath]);
  const collectorFiles = listing.split('\n').filter((l) => l.startsWith('toolforge-tracing/collector/')).sort();
  assert.deepEqual(collectorFiles, ['toolforge-tracing/collector/gateway.yaml', 'toolforge-tracing/collector/node-agent.yaml']);
  const { stdout: inArchive } = await promisify(execFile)('tar', ['-xzOf', archivePath, 'toolforge-tracing/collector/node-agent.yaml']);
  assert.equal(inArchive, readFileSync(path.join(sourceDir, 'node-agent.yaml'), 'utf8'));

  const fromDir = await helm(templateArgs('tools'));
  const fromArchive = await helm(templateArgs('tools', [], archivePath));
  assert.equal(fromArchive.code, 0, fromArchive.stderr);
  assert.equal(fromArchive.stdout, fromDir.stdout);
});
