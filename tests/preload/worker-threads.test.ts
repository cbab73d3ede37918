// Calls made in worker threads (node:worker_threads) are not traced: the preload starts
// in the main thread only (gate.ts), since an SDK per worker would cost every worker of a
// pool ~35 ms and ~10 MiB. Documented in docs/operators/preload.md and docs/tool-owners.md;
// this pins what the docs say: the main thread's call is exported, the worker's is not,
// and the worker runs as without the preload.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_NODE, nodeBinary } from '../support/node-runtimes.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { preloadPath } from '../support/preload-bundle.js';
import { runToExit } from '../support/processes.js';
import { fixtureApp } from '../support/toolforge-world.js';
import { settledSpans } from './settled-spans.js';
import { clientSpans } from './span-queries.js';

describe('worker threads', () => {
  let receiver: OtlpReceiver;
  let target: http.Server;
  const paths: string[] = [];

  before(async () => {
    receiver = await startOtlpReceiver();
    target = http.createServer((req, res) => {
      paths.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    target?.close();
    await receiver?.stop();
  });

  it("a worker's calls are not traced; the main thread's are, and the app runs as without the preload", async () => {
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/from-either-thread`;
    const run = await runToExit({
      name: 'worker-caller',
      command: nodeBinary(DEFAULT_NODE),
      args: [fixtureApp('worker-caller/app.cjs')],
      env: { PATH: process.env.PATH, NODE_OPTIONS: `--require ${await preloadPath()}`, OTEL_SERVICE_NAME: 'worker-caller', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, TARGET_URL: url },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.equal(run.stdout, 'main 200\nworker 200\nworker tracer none\n');
    assert.deepEqual(paths, ['/from-either-thread', '/from-either-thread'], 'both threads really called');
    const spans = clientSpans(await settledSpans(receiver), 'worker-caller');
    assert.equal(spans.length, 1, 'only the main thread’s call is exported');
  });
});
