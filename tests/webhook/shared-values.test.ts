/**
 * The shared-value cache (webhook/shared-values.ts) is keyed by our names' free suffixes,
 * which the pod decides (a name it already uses makes ours `-2`, `-3`, ...). 100,000
 * combinations of volume and mount-path suffixes, sent as dry runs (which cost the
 * sender nothing), must leave the cache at its cap and the heap where it was.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { V1Pod } from '@kubernetes/client-node';
import { version } from '../../contract/version.js';
import { admit } from '../../webhook/admit.js';
import { parseConfig } from '../../webhook/config.js';
import { mountPath, volumeName } from '../../webhook/names.js';
import { maxSharedValues, sharedFor, sharedValueCount } from '../../webhook/shared-values.js';
import { review, webservicePod } from './fixtures/pods.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapAfterGc = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const SIDE = 317; // 317 x 317 = 100,489 combinations
const MiB = 1024 * 1024;

/** The web pod with our volume name taken `volumes` times and our mount path `mounts` times. */
function podWithTakenNames(volumes: number, mounts: number): V1Pod {
  const pod = webservicePod();
  const suffixed = (base: string, n: number) => Array.from({ length: n }, (_, i) => (i === 0 ? base : `${base}-${i + 1}`));
  const spec = pod.spec!;
  spec.volumes = [...(spec.volumes ?? []), ...suffixed(volumeName, volumes).map((name) => ({ name, emptyDir: {} }))];
  const container = spec.containers[0]!;
  container.volumeMounts = [...(container.volumeMounts ?? []), ...suffixed(mountPath, mounts).map((path) => ({ name: volumeName, mountPath: path }))];
  return pod;
}

test('the cache keeps at most maxSharedValues per config, the most recently used', () => {
  const config = parseConfig({});
  for (let i = 0; i < 100_000; i++) sharedFor(config, `key-${i}`, () => ({ i }));
  assert.equal(sharedValueCount(config), maxSharedValues);
  const kept = sharedFor(config, 'key-99999', () => ({ i: -1 }));
  assert.deepEqual(kept, { i: 99_999 }, 'a recent value is still cached, not made again');
  assert.deepEqual(sharedFor(config, 'key-0', () => ({ i: -1 })), { i: -1 }, 'an old one was evicted and is made again');
});

test(`${SIDE * SIDE} name combinations in dry-run admissions: the cache stays at its cap, the heap does not grow`, (t) => {
  const config = parseConfig({});
  const deps = { config, version, namespaceInfo: () => undefined };
  // Warm up: what any admission allocates once (code, the first shared values).
  for (let v = 0; v < 20; v++) admit(review(podWithTakenNames(v, v), { dryRun: true }), deps);
  const before = heapAfterGc();
  let injected = 0;
  for (let v = 0; v < SIDE; v++) {
    for (let m = 0; m < SIDE; m++) {
      const result = admit(review(podWithTakenNames(v, m), { dryRun: true }), deps);
      if (result.outcome === 'injected') injected++;
    }
  }
  const grown = (heapAfterGc() - before) / MiB;
  t.diagnostic(`heapUsed after ${SIDE * SIDE} combinations: ${grown >= 0 ? '+' : ''}${grown.toFixed(1)} MiB; cached values: ${sharedValueCount(config)}`);
  assert.equal(injected, SIDE * SIDE, 'every pod is injected');
  assert.ok(sharedValueCount(config) > 0, 'webhook/patch.ts makes its shared values through webhook/shared-values.ts');
  assert.ok(sharedValueCount(config) <= maxSharedValues, `${sharedValueCount(config)} values cached`);
  assert.ok(grown < 4, `heapUsed grew by ${grown.toFixed(1)} MiB`);
});
