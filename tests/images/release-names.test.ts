/**
 * `scripts/images --release` builds exactly the images the chart deploys: in every
 * environment (agent enabled), every image the rendered chart names, the preload image in
 * the webhook's config included, is one of the four names scripts/lib/image-refs.mjs gives
 * scripts/images, and each of the four is used; the only other image is Tempo's (mirrored,
 * docs/operators/deploy.md) where the chart runs Tempo itself.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { environments, helm, repoRoot, templateArgs } from '../charts/helm.js';

test('every image the chart deploys, in every environment, is one scripts/images --release builds (Tempo aside)', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'scripts', 'lib', 'image-refs.mjs')]);
  const built = new Map(stdout.trim().split('\n').map((line) => {
    const [image, repository, tag] = line.split(' ');
    return [`${repository}:${tag}`, image!];
  }));
  assert.deepEqual([...built.values()].sort(), ['agent', 'collector', 'preload', 'webhook']);
  for (const env of environments) {
    const rendered = await helm(templateArgs(env, ['--set', 'agent.enabled=true']));
    assert.equal(rendered.code, 0, rendered.stderr);
    const named = new Set([...rendered.stdout.matchAll(/^\s*image: "?([^"\s]+)"?$/gm)].map((m) => m[1]!));
    const others = [...named].filter((image) => !built.has(image));
    assert.ok(others.every((image) => /\/grafana\/tempo:/.test(image)), `${env}: ${others.join(', ')} not built by scripts/images`);
    assert.deepEqual([...built.keys()].filter((image) => !named.has(image)), [], `${env}: built but not deployed`);
  }
});
