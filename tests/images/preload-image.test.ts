/**
 * The preload init image for real: `scripts/images preload` builds preload/Containerfile
 * FROM scratch (a static cp from Debian's busybox-static, so no base image is pulled) into a
 * buildah store of the test's own; the init container the webhook injects (its command and
 * user, from the webhook's own patch) runs in it with `buildah run --isolation chroot` into
 * a directory standing in for the pod's emptyDir; a Node tool loads the copied preload
 * through the NODE_OPTIONS the webhook sets, and its spans arrive.
 * Not built here: the webhook and agent images (they need a Node.js base image, which only
 * `scripts/images --release` pulls).
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import jsonPatch from 'fast-json-patch';
import { parseConfig } from '../../webhook/config.js';
import { mountPath } from '../../webhook/names.js';
import { buildPatch } from '../../webhook/patch.js';
import { decide } from '../../webhook/policy.js';
import { preloadEntry } from '../../webhook/preload-entry.js';
import { imageStore, type ImageFile, type ImageStore } from '../support/buildah.js';
import { repoRoot } from '../support/preload-bundle.js';
import { clientSpans, serverSpans, toPeer } from '../preload/span-queries.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { fixtureApp, startToolforgeWorld, type ToolforgeWorld } from '../support/toolforge-world.js';

const pkgVersion = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const image = `localhost/toolforge-tracing-preload:${pkgVersion}`;
/** What the preload directory holds (preload/bundles.mjs), source maps left out. */
const payload = ['hook.mjs', 'lib/register.js', 'package.json', 'preload.cjs', 'sdk.cjs'];

/** The webhook's patch of a tool pod that names no user (so the init container runs as the fallback uid, 65534). */
function injectedPod(): V1Pod {
  const pod: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'bot-abcde', namespace: 'tool-demo', labels: { 'app.kubernetes.io/name': 'bot' } },
    spec: { containers: [{ name: 'job', image: 'docker-registry.tools.wmflabs.org/toolforge-node20-sssd-base:latest', command: ['node', 'bot.js'] }] },
  };
  const config = parseConfig({ injection: { image } });
  const decision = decide({ operation: 'CREATE', kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: 'tool-demo', object: pod, namespaceInfo: () => undefined }, config);
  if (decision.action !== 'inject') throw new Error(`the webhook does not inject the pod: ${JSON.stringify(decision)}`);
  return jsonPatch.applyPatch(structuredClone(pod), buildPatch(decision, config, pkgVersion) as jsonPatch.Operation[]).newDocument;
}

describe('the preload init image (preload/Containerfile, FROM scratch)', { timeout: 900_000 }, () => {
  let dir: TempDir;
  let store: ImageStore;
  let init: V1Container;
  let app: V1Container;
  let files: ImageFile[];

  before(async () => {
    dir = await makeTempDir('preload-image');
    store = imageStore(dir.path);
    const built = await store.buildImages(['preload']);
    assert.equal(built.code, 0, built.stderr);
    assert.match(built.stderr, new RegExp(`${image.replace(/[.]/g, '\\.')}: .* built in \\d+ s`));
    const pod = injectedPod();
    init = pod.spec!.initContainers![0]!;
    app = pod.spec!.containers[0]!;
    files = await store.withContainer(image, (container) => container.files());
  });
  after(async () => dir?.remove());

  test('the image is the injected image, holds a static cp and the preload only, and runs as nobody by default', async () => {
    assert.equal(init.image, image);
    assert.deepEqual(
      files.map((f) => f.path),
      ['/bin/cp', ...payload.map((f) => `/opt/toolforge-tracing/preload/${f}`)],
    );
    for (const f of files) assert.equal(f.mode & 0o022, 0, `${f.path} is writable by group or others (${f.mode.toString(8)})`);
    const config = await store.config(image);
    assert.equal(config.User, '65534:65534');
    assert.deepEqual(config.Cmd, init.command, "the image's CMD is the webhook's init command");
    assert.equal(config.Labels?.['org.opencontainers.image.version'], pkgVersion);
  });

  test('the payload is at most 5 files and 5 MB', () => {
    const preload = files.filter((f) => f.path.startsWith('/opt/'));
    const bytes = preload.reduce((sum, f) => sum + f.size, 0);
    assert.ok(preload.length <= 5, `${preload.length} files`);
    assert.ok(bytes <= 5 * 1024 * 1024, `${bytes} bytes`);
    console.log(`preload payload: ${preload.length} files, ${bytes} bytes`);
  });

  describe('run as the webhook injects it', () => {
    let world: ToolforgeWorld;
    let emptyDir: string;

    before(async () => {
      // An emptyDir is world-writable; the init container writes as the pod's (here the fallback) uid.
      emptyDir = path.join(dir.path, 'emptydir');
      mkdirSync(emptyDir);
      chmodSync(emptyDir, 0o777);
      const uid = init.securityContext?.runAsUser;
      assert.equal(uid, 65534);
      const copied = await store.withContainer(image, (container) =>
        container.run(init.command!, { user: `${uid}:${uid}`, volumes: [`${emptyDir}:${init.volumeMounts![0]!.mountPath}`] }),
      );
      assert.equal(copied.code, 0, copied.stderr);
      world = await startToolforgeWorld({ tools: ['bot', 'callee'] });
    });
    after(async () => world?.stop());

    test("the init container's command copies the payload, owned by the pod's uid", async () => {
      assert.equal(init.volumeMounts![0]!.mountPath, mountPath);
      const copied = readdirSync(emptyDir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(path.join(emptyDir, f)).isFile());
      assert.deepEqual(copied.sort(), payload);
      for (const file of payload) {
        const { uid, mode } = statSync(path.join(emptyDir, file));
        assert.equal(uid, 65534, file);
        assert.equal(mode & 0o444, 0o444, `${file} readable by all`);
      }
    });

    for (const [kind, fixture] of [
      ['CommonJS', 'plain-caller/app.cjs'],
      ['ESM', 'tool-esm/app.mjs'],
    ] as const) {
      test(`a ${kind} tool started with the webhook's NODE_OPTIONS, pointed at the copy, runs traced`, async () => {
        const nodeOptions = app.env!.find((e) => e.name === 'NODE_OPTIONS')!.value!;
        // A node20 image: the --import gate, which requires the copy (webhook/preload-entry.ts).
        assert.equal(nodeOptions, preloadEntry(mountPath, 'import'));
        const callee = await world.startTool({ tool: 'callee', app: fixtureApp('callee/app.cjs'), preload: false });
        const service = `from-image-${kind.toLowerCase()}`;
        const tool = await world.startTool({
          tool: 'bot',
          app: fixtureApp(fixture),
          preload: false,
          env: { NODE_OPTIONS: nodeOptions.replaceAll(mountPath, emptyDir), OTEL_SERVICE_NAME: service, CALLEE_URL: `http://callee.toolforge.org:${callee.port}` },
        });
        const route = kind === 'ESM' ? '/work' : '/sync';
        const res = await fetch(`http://127.0.0.1:${tool.port}${route}`);
        assert.equal(res.status, 200, await res.text());
        const spans = await world.receiver.waitFor(
          (all) => serverSpans(all, service).length === 1 && toPeer(clientSpans(all, service), 'callee').length === 1,
          20_000,
          `${service}: its server span and its call to the callee`,
        );
        const [server] = serverSpans(spans, service);
        const [call] = toPeer(clientSpans(spans, service), 'callee');
        assert.equal(call!.traceId, server!.traceId);
        await tool.stop();
        await callee.stop();
      });
    }
  });
});
