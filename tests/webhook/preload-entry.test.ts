// How NODE_OPTIONS loads the preload (webhook/preload-entry.ts): `--require` for an image
// whose Node the webhook does not know, the `--import=data:` gate for images known to run
// Node 20 or later (`injection.importImages`). The gate's text is written out here; real
// runs with Node 16 to 24: tests/preload/import-entry.test.ts and
// tests/preload/permission-model.test.ts. The agent must still see the preload's path in
// NODE_OPTIONS, or it counts a preloaded process's calls a second time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import fjp from 'fast-json-patch';
import { configSchema as agentConfigSchema } from '../../agent/config.js';
import { markOfEnvironment } from '../../agent/process-marks.js';
import { admit } from '../../webhook/admit.js';
import { parseConfig, type WebhookConfig } from '../../webhook/config.js';
import { imageMatches, preloadEntry } from '../../webhook/preload-entry.js';
import { jobPod, review } from './fixtures/pods.js';

const IMPORT_GATE =
  "--import=data:text/javascript,const{permission:m}=process,p='/toolforge-tracing/preload.cjs';import{createRequire}from'node:module';" +
  "if(!m||m.has('fs.read',p))createRequire(p)(p);" +
  "else{process.stderr.write('toolforge-tracing:%20the%20permission%20model%20does%20not%20allow%20reading%20/toolforge-tracing;%20tracing%20is%20off,%20the%20app%20runs%20normally%20(--allow-fs-read=/toolforge-tracing/*%20turns%20it%20on)%5Cn')}";

test('the two forms, written out', () => {
  assert.equal(preloadEntry('/toolforge-tracing', 'require'), '--require /toolforge-tracing/preload.cjs');
  assert.equal(preloadEntry('/toolforge-tracing', 'import'), IMPORT_GATE);
  // One NODE_OPTIONS word: no whitespace, no quote Node would read, nothing that ends a URL's path, nothing the kubelet expands.
  assert.doesNotMatch(preloadEntry('/toolforge-tracing-2', 'import'), /[\s"#?$\\]/);
  assert.ok(preloadEntry('/toolforge-tracing-2', 'import').includes("p='/toolforge-tracing-2/preload.cjs'"));
});

test('imageMatches: a name, or a prefix ending in *', () => {
  const patterns = ['docker-registry.tools.wmflabs.org/toolforge-node20-sssd-*', 'registry.example/exact:1'];
  assert.ok(imageMatches('docker-registry.tools.wmflabs.org/toolforge-node20-sssd-web:latest', patterns));
  assert.ok(imageMatches('docker-registry.tools.wmflabs.org/toolforge-node20-sssd-base@sha256:0123', patterns));
  assert.ok(imageMatches('registry.example/exact:1', patterns));
  assert.ok(!imageMatches('registry.example/exact:2', patterns));
  assert.ok(!imageMatches('docker-registry.tools.wmflabs.org/toolforge-node18-sssd-base:latest', patterns));
  assert.ok(!imageMatches('tools-harbor.wmcloud.org/tool-x/toolforge-node20-sssd-base:latest', patterns), 'anchored at the registry');
  assert.ok(!imageMatches(undefined, patterns));
});

test('config: Toolforge node20 images by default, under both registry names; patterns are checked', () => {
  assert.deepEqual(parseConfig({}).injection.importImages, [
    'docker-registry.svc.toolforge.org/toolforge-node20-sssd-*',
    'docker-registry.tools.wmflabs.org/toolforge-node20-sssd-*',
  ]);
  assert.deepEqual(parseConfig({ injection: { importImages: [] } }).injection.importImages, []);
  assert.throws(() => parseConfig({ injection: { importImages: ['a*b'] } }), /injection\.importImages\[0\]: must be an image reference, or a prefix ending in "\*"/);
  assert.throws(() => parseConfig({ injection: { importImages: ['two words'] } }), /injection\.importImages\[0\]/);
});

/** The app container after the real webhook's patch. */
function patched(pod: V1Pod, config: WebhookConfig = parseConfig({})): V1Pod {
  const result = admit(review(pod), { config, version: 'test', namespaceInfo: () => undefined });
  assert.equal(result.outcome, 'injected', JSON.stringify(result));
  assert.ok(result.status === 200);
  const ops = JSON.parse(Buffer.from(result.body.response.patch!, 'base64').toString('utf8')) as fjp.Operation[];
  return fjp.applyPatch(structuredClone(pod), ops, true, false).newDocument;
}

function job(image: string, env: { name: string; value: string }[] = [], command?: string[]): V1Pod {
  const pod = jobPod({ tool: 'entry' });
  const c = pod.spec!.containers[0]!;
  c.image = image;
  c.env = env;
  if (command !== undefined) c.command = command;
  return pod;
}
const nodeOptionsOf = (pod: V1Pod): string | undefined => pod.spec!.containers[0]!.env!.find((e) => e.name === 'NODE_OPTIONS')?.value;

const IMAGES: Array<[string, 'require' | 'import']> = [
  ['docker-registry.tools.wmflabs.org/toolforge-node20-sssd-base:latest', 'import'],
  ['docker-registry.svc.toolforge.org/toolforge-node20-sssd-web:latest', 'import'],
  ['docker-registry.tools.wmflabs.org/toolforge-node18-sssd-base:latest', 'require'],
  ['docker-registry.tools.wmflabs.org/toolforge-node16-sssd-web:latest', 'require'],
  ['docker-registry.tools.wmflabs.org/toolforge-node12-sssd-base:latest', 'require'],
  ['tools-harbor.wmcloud.org/tool-entry/tool-entry:latest', 'require'],
];

test('the patch picks the form by image: the import gate only where the Node is known to be 20 or later', () => {
  for (const [image, form] of IMAGES) assert.equal(nodeOptionsOf(patched(job(image))), form === 'import' ? IMPORT_GATE : '--require /toolforge-tracing/preload.cjs', image);
  const node18 = IMAGES[2]![0];
  assert.equal(nodeOptionsOf(patched(job(node18), parseConfig({ injection: { importImages: ['docker-registry.tools.wmflabs.org/toolforge-node18-*'] } }))), IMPORT_GATE, 'configurable');
  assert.equal(nodeOptionsOf(patched(job(IMAGES[0]![0]), parseConfig({ injection: { importImages: [] } }))), '--require /toolforge-tracing/preload.cjs', 'empty list: --require everywhere');
});

test("the import gate with the tool's own NODE_OPTIONS: ours first, theirs as written (quotes, $(VAR) references), once", () => {
  const theirs = '--title="my  tool" --max-old-space-size=$(HEAP) --require ./setup.cjs';
  const image = IMAGES[0]![0];
  const pod = patched(job(image, [{ name: 'HEAP', value: '200' }, { name: 'NODE_OPTIONS', value: theirs }]));
  assert.equal(nodeOptionsOf(pod), `${IMPORT_GATE} ${theirs}`);
  const names = pod.spec!.containers[0]!.env!.map((e) => e.name);
  assert.ok(names.indexOf('HEAP') < names.indexOf('NODE_OPTIONS'), 'the variable it refers to still comes first');
  // A pod made from an injected pod's spec (its annotation gone) gets no second copy.
  delete pod.metadata!.annotations;
  delete pod.spec!.initContainers;
  delete pod.spec!.volumes;
  pod.spec!.containers[0]!.volumeMounts = [];
  assert.equal(nodeOptionsOf(patched(pod)), `${IMPORT_GATE} ${theirs}`);
  // The permission model shown in the spec: the grant in front, as with --require.
  const shown = patched(job(image, [], ['/bin/sh', '-c', 'exec node --experimental-permission --allow-fs-read=/app/* app.js']));
  assert.equal(nodeOptionsOf(shown), `--allow-fs-read=/toolforge-tracing/* ${IMPORT_GATE}`);
});

test("the agent's mark of a preloaded process (agent/process-marks.ts, marks.bt) matches every form the webhook writes", () => {
  const marker = agentConfigSchema.parse({}).preloadMarker;
  const theirs = `--max-old-space-size=512 ${'--enable-source-maps '.repeat(20)}`.trim();
  for (const [image] of IMAGES) {
    for (const command of [undefined, ['node', '--permission', 'app.js']]) {
      for (const env of [[], [{ name: 'NODE_OPTIONS', value: theirs }]]) {
        const value = nodeOptionsOf(patched(job(image, env, command)))!;
        assert.equal(markOfEnvironment(`PATH=/usr/bin\0NODE_OPTIONS=${value}\0`, marker), 2, value);
        // marks.bt tries the marker at each of NODE_OPTIONS' first 200 bytes; process-marks.ts wants it whole within them.
        assert.ok(value.indexOf(marker) + marker.length <= 200, `${value.indexOf(marker)}: ${value}`);
      }
    }
  }
});
