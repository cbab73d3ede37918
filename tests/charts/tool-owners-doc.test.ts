/**
 * docs/tool-owners.md's sampling promises hold for the chart's config in every
 * environment, through the webhook's patch and the preload's settings (both the real
 * code, in-process): an OTEL_TRACES_SAMPLER_ARG set alone applies to the parent-based
 * ratio sampler, and production keeps "about one trace in ten".
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import fjp from 'fast-json-patch';
import type { V1Pod } from '@kubernetes/client-node';
import { version } from '../../contract/version.js';
import { readConfig } from '../../preload/config/env-config.js';
import { parseConfigYaml, type WebhookConfig } from '../../webhook/config.js';
import { buildPatch } from '../../webhook/patch.js';
import { decide } from '../../webhook/policy.js';
import { jobPod } from '../webhook/fixtures/pods.js';
import { environments, find, render, repoRoot, type Environment, type K8sObject } from './helm.js';

const doc = readFileSync(path.join(repoRoot, 'docs/tool-owners.md'), 'utf8').replace(/\s+/g, ' ');

async function chartConfig(env: Environment): Promise<WebhookConfig> {
  const configMap = find(await render(env), 'ConfigMap', '-webhook') as K8sObject & { data: Record<string, string> };
  return parseConfigYaml(configMap.data['config.yaml']!, `${env} webhook config`);
}

/** The preload's sampler for a container that sets `own`, injected with `config`. */
function samplerFor(config: WebhookConfig, own: Record<string, string>): { sampler: string; samplerRatio: number } {
  const pod = jobPod({ tool: 'sampled' });
  pod.spec!.containers[0]!.env = Object.entries(own).map(([name, value]) => ({ name, value }));
  const decision = decide({ operation: 'CREATE', kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: 'tool-sampled', object: pod, namespaceInfo: () => undefined }, config);
  if (decision.action !== 'inject') throw new Error(`not injected: ${JSON.stringify(decision)}`);
  const patched = fjp.applyPatch(structuredClone(pod), JSON.parse(JSON.stringify(buildPatch(decision, config, version))) as fjp.Operation[] /* as JSON, as the API server gets it */, true, false).newDocument as V1Pod;
  const env = Object.fromEntries(patched.spec!.containers[0]!.env!.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
  const { sampler, samplerRatio } = readConfig(env).config;
  return { sampler, samplerRatio };
}

test('"OTEL_TRACES_SAMPLER_ARG set alone ... applies to a parent-based ratio sampler", in every environment', async () => {
  assert.ok(doc.includes('`OTEL_TRACES_SAMPLER_ARG` set alone is the share of the traces your tool starts that are kept in full (`0.5`: one in two): it applies to a parent-based ratio sampler (`parentbased_traceidratio`)'));
  for (const env of environments) {
    assert.deepEqual(samplerFor(await chartConfig(env), { OTEL_TRACES_SAMPLER_ARG: '0.5' }), { sampler: 'parentbased_traceidratio', samplerRatio: 0.5 }, env);
  }
});

test('"your values are kept": a sampler of the tool\'s own, with and without an arg', async () => {
  const config = await chartConfig('tools');
  assert.deepEqual(samplerFor(config, { OTEL_TRACES_SAMPLER: 'always_on' }), { sampler: 'always_on', samplerRatio: 1 });
  assert.deepEqual(samplerFor(config, { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }), { sampler: 'traceidratio', samplerRatio: 0.25 });
});

test('"about one trace in ten (Toolforge\'s default)" is the tools environment\'s sampler', async () => {
  assert.ok(doc.includes("full details are stored for about one trace in ten (Toolforge's default)"));
  assert.deepEqual(samplerFor(await chartConfig('tools'), {}), { sampler: 'parentbased_traceidratio', samplerRatio: 0.1 });
});
