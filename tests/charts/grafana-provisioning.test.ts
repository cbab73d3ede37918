/**
 * Grafana provisioning as the chart renders it: the data sources (files/grafana-datasources.yaml
 * with the chart's URLs filled in) and one ConfigMap per dashboards/*.json, each labelled
 * for the Grafana chart's sidecar; the dashboards only use data sources that exist.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { chartDir, environments, render, type K8sObject } from './helm.js';

interface Datasource {
  uid: string;
  type: string;
  url: string;
  jsonData?: { serviceMap?: { datasourceUid?: string } };
}

const dashboardFiles = () =>
  readdirSync(path.join(chartDir, 'dashboards'))
    .filter((f) => f.endsWith('.json'))
    .sort();

const grafanaObjects = (objects: K8sObject[]) => objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'grafana');

/** Every `"datasource": {"uid": ...}` in a dashboard, as written (a uid or a "${variable}"). */
function datasourceRefs(node: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const n of node) datasourceRefs(n, into);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'datasource' && value !== null && typeof value === 'object') {
        const uid = (value as { uid?: unknown }).uid;
        if (typeof uid === 'string') into.add(uid);
      }
      datasourceRefs(value, into);
    }
  }
  return into;
}

interface TemplateVariable {
  name: string;
  type: string;
  current?: { value?: string };
}

/** The data source uids a dashboard opens with: direct uids, and the current value of each data-source variable it uses. */
function datasourceUids(dashboard: { templating?: { list?: TemplateVariable[] } }): string[] {
  const variables = new Map((dashboard.templating?.list ?? []).filter((v) => v.type === 'datasource').map((v) => [v.name, v.current?.value]));
  return [...datasourceRefs(dashboard)].map((ref) => {
    const variable = /^\$\{?(\w+)\}?$/.exec(ref)?.[1];
    if (variable === undefined) return ref;
    return variables.get(variable) ?? `undefined data-source variable ${ref}`;
  });
}

for (const env of environments) {
  describe(`Grafana provisioning, environment ${env}`, () => {
    test('data sources: labelled for the sidecar, URLs filled in, the Tempo service map reads the Prometheus that gets the service graph', async () => {
      const objects = await render(env);
      const [cm, ...others] = grafanaObjects(objects).filter((o) => o.metadata.labels?.grafana_datasource === '1');
      assert.ok(cm, 'no data source ConfigMap');
      assert.equal(others.length, 0);
      const text = Object.values(cm.data as Record<string, string>)[0]!;
      assert.doesNotMatch(text, /\$\{TOOLFORGE_TRACING_/, 'a URL was left for Grafana to expand');
      const { datasources } = parse(text) as { datasources: Datasource[] };
      const prometheus = datasources.find((d) => d.type === 'prometheus')!;
      const tempo = datasources.find((d) => d.type === 'tempo')!;
      const gateway = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.labels?.['app.kubernetes.io/component'] === 'gateway') as any;
      const remoteWrite = gateway.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === 'TOOLFORGE_TRACING_PROMETHEUS_REMOTE_WRITE_URL').value as string;
      assert.equal(new URL(prometheus.url).origin, new URL(remoteWrite).origin, 'Grafana queries the Prometheus the gateway writes to');
      assert.equal(tempo.jsonData?.serviceMap?.datasourceUid, prometheus.uid);
      assert.match(tempo.url, /^https?:\/\/[^/]+:3200$/);
    });

    test('one ConfigMap per dashboard file, byte for byte, labelled for the sidecar, using only provisioned data sources', async () => {
      const objects = await render(env);
      const files = dashboardFiles();
      assert.ok(files.length >= 1, 'charts/toolforge-tracing/dashboards/ has no dashboard');
      const dashboards = grafanaObjects(objects).filter((o) => o.metadata.labels?.grafana_dashboard === '1');
      assert.equal(dashboards.length, files.length);
      const datasourceCm = grafanaObjects(objects).find((o) => o.metadata.labels?.grafana_datasource === '1')!;
      const provisioned = new Set((parse(Object.values(datasourceCm.data as Record<string, string>)[0]!) as { datasources: Datasource[] }).datasources.map((d) => d.uid));
      for (const file of files) {
        const cm = dashboards.find((o) => file in (o.data as Record<string, string>));
        assert.ok(cm, `no ConfigMap carries ${file}`);
        const source = readFileSync(path.join(chartDir, 'dashboards', file), 'utf8');
        assert.equal((cm.data as Record<string, string>)[file]!.trimEnd(), source.trimEnd());
        assert.equal(cm.metadata.annotations?.grafana_folder, 'Toolforge tracing');
        const uids = datasourceUids(JSON.parse(source));
        assert.ok(uids.length > 0, `${file} names no data source`);
        assert.deepEqual(uids.filter((uid) => !provisioned.has(uid)), [], `${file} uses data sources the chart does not provision`);
      }
    });
  });
}
