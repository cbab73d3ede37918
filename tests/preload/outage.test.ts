// The collector is the preload's only dependency, and it may be down or slow. The app
// must keep serving, the queue must stay bounded (spans are dropped, not hoarded), and
// export must resume when the collector is back. Latency and RSS figures: bench/.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DEFAULT_NODE, nodeBinary } from '../support/node-runtimes.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { freePort } from '../support/ports.js';
import { preloadPath } from '../support/preload-bundle.js';
import { startProcess, type ManagedProcess } from '../support/processes.js';
import { fixtureApp } from '../support/toolforge-world.js';
import { ofService } from './span-queries.js';

const MAX_QUEUE = 64;
const BATCH = 16;
const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function startApp(service: string, endpoint: string): Promise<{ app: ManagedProcess; port: number }> {
  const app = startProcess({
    name: service,
    command: nodeBinary(DEFAULT_NODE),
    args: [fixtureApp('callee/app.cjs')],
    env: {
      PATH: process.env.PATH,
      NODE_OPTIONS: `--require ${await preloadPath()}`,
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_BSP_MAX_QUEUE_SIZE: String(MAX_QUEUE),
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: String(BATCH),
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_EXPORTER_OTLP_TIMEOUT: '1500',
    },
  });
  cleanups.push(() => app.stop());
  const port = Number((await app.waitForOutput(/listening (\d+)/))[1]);
  return { app, port };
}

/** `count` requests, `concurrency` at a time; every one must answer 200. */
async function load(port: number, count: number, concurrency = 8): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      const res = await fetch(`http://127.0.0.1:${port}/hello`);
      assert.equal(res.status, 200);
      await res.text();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

describe('collector down for the whole run', () => {
  it('serves every request, keeps at most the bounded queue, and recovers when the collector returns', async () => {
    const collectorPort = await freePort();
    const { app, port } = await startApp('outage-tool', `http://127.0.0.1:${collectorPort}`);
    await load(port, 3000);
    assert.equal(app.child.exitCode, null, 'app still running');
    assert.equal(app.stderr(), '', 'nothing printed into the app’s stderr');

    const receiver: OtlpReceiver = await startOtlpReceiver({ port: collectorPort });
    cleanups.push(() => receiver.stop());
    await load(port, 5, 1);
    // The 5 new spans arrive; of the 3000 made during the outage, only what the
    // bounded queue held (plus the batch being retried) can still come.
    await receiver.waitFor((s) => ofService(s, 'outage-tool').length >= 5, 30000, 'spans after the collector came back');
    await new Promise((r) => setTimeout(r, 500));
    const received = ofService(receiver.spans(), 'outage-tool').length;
    assert.ok(received <= MAX_QUEUE + BATCH + 5, `received ${received} spans: the queue was not bounded`);
  });
});

describe('collector slow (accepts, answers after 10 s)', () => {
  it('serves every request and still stops at once on SIGTERM', async () => {
    const receiver = await startOtlpReceiver({ answerAfterMs: 10000 });
    cleanups.push(() => receiver.stop());
    const { app, port } = await startApp('slow-collector-tool', receiver.endpoint);
    await load(port, 1500);
    assert.ok(receiver.requests().length >= 1, 'the preload did send to the slow collector');
    assert.equal(app.child.exitCode, null, 'app still running');
    app.child.kill('SIGTERM');
    const exit = await app.exited;
    assert.equal(exit.signal, 'SIGTERM');
  });
});
