import assert from 'node:assert/strict';
import { test } from 'node:test';
import { patchJson, shared } from '../../webhook/patch-json.js';
import type { PatchOp } from '../../webhook/patch.js';

test('patchJson writes what JSON.stringify writes, shared values or not', () => {
  const volume = shared({ name: 'v', emptyDir: { sizeLimit: '64Mi' }, skipped: undefined });
  const list = shared([{ name: 'A', value: '1' }, { name: 'B', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } }]);
  const ops: PatchOp[] = [
    { op: 'add', path: '/metadata/annotations/a~1b', value: 'x"y\u2028' },
    { op: 'add', path: '/spec/volumes', value: [volume] },
    { op: 'replace', path: '/spec/containers/0/env', value: [{ name: 'KEEP', value: 'é' }, ...list, { name: 'TOOL', value: undefined }, list[0]] },
    { op: 'add', path: '/spec/initContainers/-', value: { name: 'i', securityContext: { runAsUser: undefined, runAsNonRoot: true } } },
    { op: 'add', path: '/spec/containers/0/volumeMounts', value: [] },
  ];
  assert.equal(patchJson(ops), JSON.stringify(ops));
});

test('shared values are frozen all the way down: a patch can never change the next one', () => {
  const value = shared({ name: 'v', nested: { list: [{ a: 1 }] } });
  assert.throws(() => {
    (value.nested.list[0] as { a: number }).a = 2;
  }, TypeError);
  assert.equal(patchJson([{ op: 'add', path: '/x', value }]), '[{"op":"add","path":"/x","value":{"name":"v","nested":{"list":[{"a":1}]}}}]');
});
