import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../support/preload-bundle.js';

/** The Grafana and Tempo files the chart ships: wiring that PromQL alone does not check. */
const chart = path.join(repoRoot, 'charts', 'toolforge-tracing');
const readYaml = (file: string) => parse(readFileSync(path.join(chart, 'files', file), 'utf8')) as Record<string, unknown>;

interface DataSource {
  uid: string;
  type: string;
  url: string;
  jsonData?: { serviceMap?: { datasourceUid?: string } };
}
const dataSources = (readYaml('grafana-datasources.yaml').datasources ?? []) as DataSource[];
const prometheus = dataSources.find((d) => d.type === 'prometheus');
const tempo = dataSources.find((d) => d.type === 'tempo');

test('Grafana: one Prometheus and one Tempo data source; the Tempo service map reads that Prometheus', () => {
  assert.ok(prometheus && tempo, 'both data sources are provisioned');
  assert.equal(tempo.jsonData?.serviceMap?.datasourceUid, prometheus.uid);
  assert.match(prometheus.url, /^\$\{TOOLFORGE_TRACING_PROMETHEUS_URL\}$/);
  assert.match(tempo.url, /^\$\{TOOLFORGE_TRACING_TEMPO_URL\}$/);
});

test('dashboards: unique uids, unique panel ids, every query on the Prometheus data source variable defaulting to the provisioned one', () => {
  const dir = path.join(chart, 'dashboards');
  const uids = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const d = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as {
      uid: string;
      templating: { list: Array<{ name: string; type: string; current?: { value?: string } }> };
      panels: Array<{ id: number; title: string; datasource: { uid: string }; targets: Array<{ expr: string; datasource: { uid: string } }> }>;
    };
    assert.ok(!uids.has(d.uid), `${file}: uid ${d.uid} used twice`);
    uids.add(d.uid);
    const variable = d.templating.list.find((v) => v.name === 'datasource');
    assert.equal(variable?.type, 'datasource', `${file}: a datasource variable`);
    assert.equal(variable?.current?.value, prometheus?.uid, `${file}: defaults to the provisioned Prometheus`);
    const ids = d.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, `${file}: panel ids unique`);
    for (const p of d.panels) {
      assert.equal(p.datasource.uid, '${datasource}', `${file} / ${p.title}`);
      for (const t of p.targets) assert.equal(t.datasource.uid, '${datasource}', `${file} / ${p.title}`);
    }
  }
  assert.ok(uids.size >= 5);
});

test('Tempo: metrics generator off, object storage by default, retention set, no usage reporting', () => {
  const text = readFileSync(path.join(chart, 'files', 'tempo.yaml'), 'utf8');
  const config = readYaml('tempo.yaml') as {
    metrics_generator?: unknown;
    usage_report: { reporting_enabled: boolean };
    overrides: { defaults: { metrics_generator: { processors: unknown[] } } };
    storage: { trace: { backend: string; s3: { endpoint: string; forcepathstyle: boolean } } };
    compactor: { compaction: { block_retention: string } };
  };
  assert.equal(config.metrics_generator, undefined, 'no metrics_generator block: the collector is the only service-graph producer');
  assert.deepEqual(config.overrides.defaults.metrics_generator.processors, []);
  assert.equal(config.usage_report.reporting_enabled, false);
  assert.equal(config.storage.trace.backend, '${TEMPO_STORAGE_BACKEND:-s3}');
  assert.equal(config.storage.trace.s3.endpoint, '${TEMPO_S3_ENDPOINT:-object.eqiad1.wikimediacloud.org}');
  assert.equal(config.storage.trace.s3.forcepathstyle, true);
  assert.match(config.compactor.compaction.block_retention, /^\$\{TEMPO_RETENTION:-\d+h\}$/);
  assert.doesNotMatch(text, /secret_key:\s*[^$\s]/, 'no credential in the file');
});
