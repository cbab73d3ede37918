/** Fail open: a failing dependency inside an admission yields "allowed, no patch", never a denial or a crash. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { version } from '../../contract/version.js';
import { admit } from '../../webhook/admit.js';
import { parseConfig } from '../../webhook/config.js';
import { jobPod, review } from './fixtures/pods.js';

test('a namespace lookup that throws: allowed without patch, outcome error, the cause kept for the log', () => {
  const r = review(jobPod({ tool: 'fragile' }));
  const result = admit(r, {
    config: parseConfig({}),
    version,
    namespaceInfo: () => {
      throw new Error('cache corrupted');
    },
  });
  assert.equal(result.status, 200);
  assert.equal(result.outcome, 'error');
  assert.deepEqual(result.body, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: r.request.uid, allowed: true } });
  assert.match(result.detail!, /cache corrupted/);
});

test('the namespace is looked up under the pod’s own namespace when the request names none', () => {
  const pod = jobPod({ tool: 'selfnamed' });
  const r = review(pod) as { request: { namespace?: string } };
  delete r.request.namespace;
  const asked: string[] = [];
  const result = admit(r, {
    config: parseConfig({}),
    version,
    namespaceInfo: (ns) => {
      asked.push(ns);
      return { labels: { tenancy: 'tool' }, annotations: { 'tracing.toolforge.org/inject': 'false' } };
    },
  });
  assert.deepEqual(asked, ['tool-selfnamed']);
  assert.equal(result.reason, 'namespace-opt-out');
});
