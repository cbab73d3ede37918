/**
 * The collector image the chart deploys (collector-config/Containerfile, FROM scratch):
 * `scripts/images collector` builds it with buildah into a store of the test's own, and it
 * runs: its binary is static (nothing else is in the image to load), is the very binary the
 * other tests run, and lists exactly builder.yaml's components at builder.yaml's versions.
 * That the chart's collectors run this image is tests/charts/collector-wiring.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { imageStore, type ImageStore } from '../support/buildah.js';
import { COLLECTOR_CONFIG_DIR, otelcolBinary } from '../support/collector.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';

const kinds = ['receivers', 'processors', 'connectors', 'exporters', 'extensions'] as const;
type Manifest = { dist: { name: string; version: string } } & Partial<Record<(typeof kinds)[number], Array<{ gomod: string }>>>;
const manifest = parse(readFileSync(path.join(COLLECTOR_CONFIG_DIR, 'builder.yaml'), 'utf8')) as Manifest;
const image = `localhost/toolforge-tracing-collector:${manifest.dist.version}`;
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('the collector image (collector-config/Containerfile, FROM scratch)', { timeout: 1_800_000 }, () => {
  let dir: TempDir;
  let store: ImageStore;

  before(async () => {
    // Fails, naming scripts/setup --test, if the collector is not built yet: scripts/images
    // would otherwise build it from the Go module proxy inside the test.
    otelcolBinary();
    dir = await makeTempDir('collector-image');
    store = imageStore(dir.path);
    const built = await store.buildImages(['collector']);
    assert.equal(built.code, 0, built.stderr);
    assert.match(built.stderr, new RegExp(`${image.replace(/[.]/g, '\\.')}: .* built in \\d+ s`));
  });
  after(async () => dir?.remove());

  test('holds the collector the tests run and the CA bundle, nothing else; runs it as 10001; its components are builder.yaml\'s', async () => {
    const config = await store.config(image);
    assert.deepEqual(config.Entrypoint, ['/otelcol-toolforge']);
    assert.equal(config.User, '10001:10001');
    await store.withContainer(image, async (container) => {
      assert.deepEqual(
        (await container.files()).map((f) => f.path),
        ['/etc/ssl/certs/ca-certificates.crt', '/otelcol-toolforge'],
      );
      assert.equal(sha256(await container.read('/otelcol-toolforge')), sha256(readFileSync(otelcolBinary())), `not the ${otelcolBinary()} the tests run`);

      const run = await container.run(['/otelcol-toolforge', 'components'], { user: '10001:10001' });
      assert.equal(run.code, 0, `the binary does not run FROM scratch (dynamically linked?): ${run.stderr}`);
      const listed = parse(run.stdout) as { buildinfo: { command: string; version: string } } & Partial<Record<(typeof kinds)[number], Array<{ module: string }>>>;
      assert.equal(listed.buildinfo.command, manifest.dist.name);
      assert.equal(listed.buildinfo.version, manifest.dist.version);
      for (const kind of kinds) {
        assert.deepEqual(
          (listed[kind] ?? []).map((c) => c.module).sort(),
          (manifest[kind] ?? []).map((c) => c.gomod).sort(),
          `${kind}: the image's components (left) against builder.yaml's`,
        );
      }
    });
    console.log(`collector image: ${await store.size(image)} bytes`);
  });
});
