/** The config schema: defaults, precise errors, and a doc that names every key and reason. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { version } from '../../contract/version.js';
import { parseConfig, parseConfigYaml } from '../../webhook/config.js';
import { containerSkipReasons, skipReasons } from '../../webhook/policy.js';

const doc = readFileSync(new URL('../../docs/operators/webhook.md', import.meta.url), 'utf8');

function leafPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) =>
    // toolLabels is a map of user-chosen keys: the map itself is the documented key.
    prefix === 'namespaces' && k === 'toolLabels' ? [`${prefix}.${k}`] : leafPaths(v, prefix === '' ? k : `${prefix}.${k}`),
  );
}

test('defaults', () => {
  const c = parseConfig({});
  assert.equal(c.injection.image, `docker-registry.svc.toolforge.org/toolforge-tracing-preload:${version}`);
  assert.deepEqual(c.namespaces, { toolLabels: { tenancy: 'tool' }, excluded: ['kube-*'], webhook: 'toolforge-tracing' });
  assert.deepEqual(c.otel, { collectorPort: 4318, sampler: 'parentbased_traceidratio', samplerRatio: 0.1, propagators: ['tracecontext', 'baggage'] });
  assert.equal(c.kubernetes.kubeconfig, undefined);
});

test('a full file as the chart renders it', () => {
  const c = parseConfigYaml(
    [
      'profile: toolsbeta',
      'namespaces: {toolLabels: {tenancy: tool}, excluded: ["kube-*", cert-manager], webhook: tracing}',
      'injection:',
      '  image: tools-harbor.wmcloud.org/toolforge/preload:1.2.3',
      '  imagePullPolicy: Always',
      '  resources: {requests: {cpu: 5m, memory: 8Mi}, limits: {cpu: "0.2", memory: 32Mi}}',
      'otel: {collectorPort: 14318, sampler: always_on, propagators: [tracecontext]}',
      'kubernetes: {watchNamespaces: false}',
      'server: {maxBodyBytes: 1048576, logLevel: warn}',
    ].join('\n'),
  );
  assert.equal(c.profile, 'toolsbeta');
  assert.equal(c.injection.resources.limits.cpu, '0.2');
  assert.equal(c.injection.volumeSizeLimit, '64Mi', 'unset keys keep their defaults');
  assert.equal(c.otel.samplerRatio, 0.1);
});

test('errors name the key path and the problem', () => {
  const error = (text: string) => {
    try {
      parseConfigYaml(text, 'webhook.yaml');
    } catch (err) {
      return (err as Error).message;
    }
    return assert.fail(`accepted: ${text}`);
  };
  assert.equal(error('profile: tools'), 'webhook.yaml: profile: Invalid option: expected one of "toolforge"|"toolsbeta"|"lima-kilo"|"cloudvps"');
  assert.match(error('injection: {resources: {limits: {cpu: lots}}}'), /^webhook\.yaml: injection\.resources\.limits\.cpu: must be a Kubernetes quantity/);
  assert.match(error('namespaces: {excluded: [kube-*, "*"]}'), /namespaces\.excluded\[1\]: must be a namespace name, or a prefix ending in "\*"/);
  assert.match(error('otel: {samplerRatio: 1.5}'), /otel\.samplerRatio: Too big/);
  assert.match(error('otel: {propagator: [b3]}'), /otel: Unrecognized key: "propagator"/);
  assert.match(error('injection:\n  image: [a\n'), /^webhook\.yaml: invalid YAML: .*line 3/s);
  assert.match(error('- a list'), /\(top level\): Invalid input: expected object, received array/);
});

test('docs/operators/webhook.md documents every config key and skip reason', () => {
  for (const path of leafPaths(parseConfig({ kubernetes: { kubeconfig: 'x' } }))) {
    const [head, ...rest] = path.split('.');
    const last = rest.at(-1);
    const documented =
      doc.includes(`\`${path}\``) ||
      // `injection.resources.requests.cpu` / `.memory` style rows
      (last !== undefined && doc.includes(`\`${[head, ...rest.slice(0, -1)].join('.')}.${last}\``)) ||
      (last !== undefined && doc.includes(`\`${[head, ...rest.slice(0, -1)].join('.')}.cpu\` / \`.${last}\``));
    assert.ok(documented, `config key ${path} is not in docs/operators/webhook.md`);
  }
  for (const reason of [...skipReasons, ...containerSkipReasons]) assert.ok(doc.includes(`| \`${reason}\` |`), `reason ${reason} undocumented`);
});
