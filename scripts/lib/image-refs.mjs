// Prints, one line per image, "<image> <repository> <tag>": the names the chart deploys
// (charts/toolforge-tracing/values.yaml), so scripts/images builds exactly those. An empty
// tag is the chart's appVersion, as the chart renders it; the collector's tag is
// collector-config/builder.yaml's dist.version (its image holds that build; a chart test
// keeps values.yaml's collector tag equal to it).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const root = new URL('../../', import.meta.url);
const read = (file) => parse(readFileSync(new URL(file, root), 'utf8'));
const values = read('charts/toolforge-tracing/values.yaml');
const { appVersion } = read('charts/toolforge-tracing/Chart.yaml');
const { dist } = read('collector-config/builder.yaml');

const images = {
  preload: [values.preload.image.repository, values.preload.image.tag || appVersion],
  webhook: [values.webhook.image.repository, values.webhook.image.tag || appVersion],
  agent: [values.agent.image.repository, values.agent.image.tag || appVersion],
  collector: [values.collector.image.repository, dist.version],
};
for (const [image, [repository, tag]] of Object.entries(images)) console.log(`${image} ${repository} ${tag}`);
