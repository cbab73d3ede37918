/**
 * values.schema.json: a wrong value makes real `helm template` and `helm lint` fail with
 * a message naming the field; its webhook.config part is the webhook's own schema.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { chartDir, helm, releaseNamespace, templateArgs, valuesFile } from './helm.js';
import { readValuesSchema, webhookConfigValuesSchema } from '../../scripts/values-schema.js';

test('the webhook.config schema is generated from webhook/config.ts and up to date', () => {
  const inFile = (readValuesSchema().properties as any).webhook.properties.config;
  assert.ok(
    isDeepStrictEqual(inFile, webhookConfigValuesSchema()),
    'charts/toolforge-tracing/values.schema.json is stale: run node --import tsx scripts/values-schema.ts',
  );
});

/** [--set argument, what Helm must say]: each names the field and what is wrong with it. */
const badValues: Array<[string, RegExp]> = [
  ['webhook.replicas=two', /at '\/webhook\/replicas': got string, want integer/],
  ['webhook.replicas=0', /at '\/webhook\/replicas': minimum: got 0, want 1/],
  ['webhook.timeoutSeconds=30', /at '\/webhook\/timeoutSeconds': maximum: got 30, want 5/],
  ['webhook.port=443', /at '\/webhook\/port': minimum: got 443, want 1,024/],
  ['webhook.replcias=3', /at '\/webhook': additional properties 'replcias' not allowed/],
  ['webhook.config.otel.sampler=sometimes', /at '\/webhook\/config\/otel\/sampler': value must be one of 'always_on'/],
  ['webhook.config.otel.samplerRatio=10%', /at '\/webhook\/config\/otel\/samplerRatio': got string, want number/],
  ['webhook.config.profile=wikipedia', /at '\/webhook\/config\/profile': value must be one of 'toolforge', 'toolsbeta', 'lima-kilo', 'cloudvps'/],
  ['webhook.config.injection.image=elsewhere/preload', /at '\/webhook\/config\/injection': additional properties 'image' not allowed/],
  ['preload.image.pullPolicy=Sometimes', /at '\/preload\/image\/pullPolicy': value must be one of 'Always', 'IfNotPresent', 'Never'/],
  ['collector.image.repository=opentelemetry-collector-contrib', /at '\/collector\/image\/repository': '[^']+' does not match pattern/],
  ['nodeCollector.otlpHttpPort=70000', /at '\/nodeCollector\/otlpHttpPort': maximum: got 70,000, want 65,535/],
  ['gateway.resources.limits.memory=lots', /at '\/gateway\/resources\/limits\/memory': '[^']+' does not match pattern/],
  ['tempo.endpoint=http://tempo:4317', /at '\/tempo\/endpoint': '[^']+' does not match pattern/],
  ['prometheus.remoteWriteUrl=prometheus:9090', /at '\/prometheus\/remoteWriteUrl': '[^']+' does not match pattern/],
  ['certManager.duration=90days', /at '\/certManager\/duration': '[^']+' does not match pattern/],
  ['networkPolicy.apiServerPorts=null', /at '\/networkPolicy': missing property 'apiServerPorts'/],
  ['agent.metricsPort=80', /at '\/agent\/metricsPort': minimum: got 80, want 1,024/],
  ['agent.intervalSeconds=soon', /at '\/agent\/intervalSeconds': got string, want integer/],
  ['agent.nfsPrefixes={data/project/}', /at '\/agent\/nfsPrefixes\/0': '[^']+' does not match pattern/],
  ['agent.uidMap.tools-tf-test=50001', /at '\/agent\/uidMap': additional properties 'tools-tf-test' not allowed/],
  ['agent.priorityClass.value=-1', /at '\/agent\/priorityClass\/value': minimum: got -1, want 0/],
  ['agent.nss.sssd=/run/sss', /at '\/agent\/nss': additional properties 'sssd' not allowed/],
];

describe('a wrong value fails helm template, naming the field', () => {
  for (const [set, message] of badValues) {
    test(set, async () => {
      const result = await helm(templateArgs('tools', ['--set', set]));
      assert.notEqual(result.code, 0, `--set ${set} rendered`);
      assert.match(result.stderr, message);
    });
  }
});

describe('a malformed topology extra rule fails helm template, naming the rule (its meaning is checked when the webhook starts)', () => {
  const rule = (fields: Record<string, string>): string => `webhook.config.extraRules=${JSON.stringify([{ host: 'ok.example', node: 'cloudvps:ok' }, fields])}`;
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ hostSufix: 'a.example', node: 'cloudvps:a' }, /at '\/webhook\/config\/extraRules\/1': additional properties 'hostSufix' not allowed/],
    [{ host: 'a.example', cidr: '10.0.0.0/8', node: 'cloudvps:a' }, /at '\/webhook\/config\/extraRules\/1': 'oneOf' failed, subschemas 0, 3 matched/],
    [{ node: 'cloudvps:a' }, /at '\/webhook\/config\/extraRules\/1': 'oneOf' failed, none matched/],
    [{ host: 'a.example', node: 'cloudvps:a', kind: 'database' }, /at '\/webhook\/config\/extraRules\/1\/kind': value must be one of 'tool', 'service', 'external'/],
    [{ host: 'a.example' }, /at '\/webhook\/config\/extraRules\/1': missing property 'node'/],
  ];
  for (const [fields, message] of cases) {
    test(JSON.stringify(fields), async () => {
      const result = await helm(templateArgs('tools', ['--set-json', rule(fields)]));
      assert.notEqual(result.code, 0, 'rendered');
      assert.match(result.stderr, message);
    });
  }
  test('well-formed rules of every matcher render', async () => {
    const rules = [
      { host: 'a.example', node: 'cloudvps:a' },
      { hostSuffix: 'b.example', node: 'cloudvps:b', kind: 'service', detail: '{host}' },
      { hostRegex: '^c[0-9]+\\.example$', node: 'cloudvps:c' },
      { cidr: '172.16.0.0/21', node: 'local:eqiad1-vm', kind: 'external' },
    ];
    const result = await helm(templateArgs('tools', ['--set-json', `webhook.config.extraRules=${JSON.stringify(rules)}`]));
    assert.equal(result.code, 0, result.stderr);
  });
});

test('a number out of range (given with --set-json: --set reads 1.5 as a string) names the field', async () => {
  const result = await helm(templateArgs('tools', ['--set-json', 'webhook.config.otel.samplerRatio=1.5']));
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /at '\/webhook\/config\/otel\/samplerRatio': maximum: got 1\.5, want 1/);
});

test('a wrong value fails helm lint too, naming the field', async () => {
  const result = await helm(['lint', chartDir, '--namespace', releaseNamespace, '-f', valuesFile('tools'), '--set', 'webhook.timeoutSeconds=30']);
  assert.notEqual(result.code, 0);
  assert.match(`${result.stdout}\n${result.stderr}`, /\/webhook\/timeoutSeconds': maximum: got 30, want 5/);
});

test('wrong combinations the schema cannot express fail with a precise message', async () => {
  const noTempo = await helm(templateArgs('tools', ['--set', 'tempo.endpoint=']));
  assert.notEqual(noTempo.code, 0);
  assert.match(noTempo.stderr, /tempo\.endpoint is empty and tempo\.deploy\.enabled is false/);
  const hostNetworkPort = await helm(templateArgs('tools', ['--set', 'nodeCollector.hostNetwork=true', '--set', 'nodeCollector.otlpHttpPort=14318']));
  assert.notEqual(hostNetworkPort.code, 0);
  assert.match(hostNetworkPort.stderr, /nodeCollector\.otlpHttpPort must be 4318 when nodeCollector\.hostNetwork is true/);
});
