// How a job ends, and what the collector does, never decide whether the job's calls are
// counted or how long it takes to finish. Most bots and cron jobs end with process.exit()
// (no beforeExit), some with an uncaught exception: their calls must still be exported,
// with the exit code unchanged. A collector that accepts and never answers, or trickles
// its answer, must not keep a finishing job alive past the exit bound (1 s, sdk.ts).
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_NODE, NODE_MATRIX, nodeBinary, type NodeMajor } from '../support/node-runtimes.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { preloadPath } from '../support/preload-bundle.js';
import { runToExit, type Completed } from '../support/processes.js';
import { fixtureApp } from '../support/toolforge-world.js';
import { clientSpans } from './span-queries.js';

const jobApp = fixtureApp('job-exit/app.cjs');
/** The documented bound (EXIT_FLUSH_TIMEOUT_MILLIS), plus room for a loaded 2-core machine; the failures this catches take 20 s or more. */
const EXIT_BOUND_MS = 1000;
const SLACK_MS = 2000;

const closers: Array<() => unknown> = [];
let receiver: OtlpReceiver;
let preload: string;
let targetUrl: string;

before(async () => {
  preload = await preloadPath();
  receiver = await startOtlpReceiver();
  closers.push(() => receiver.stop());
  const target = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  closers.push(() => target.close() && target.closeAllConnections());
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/job-call`;
});
after(async () => {
  for (const close of closers.reverse()) await close();
});

interface Job {
  service: string;
  end: 'natural' | 'exit' | 'exit-in-handler' | 'throw';
  node?: NodeMajor;
  preloaded?: boolean;
  collector?: string;
  env?: Record<string, string>;
}

async function runJob(job: Job): Promise<Completed & { exitedAt: number; doneAt: number }> {
  const run = await runToExit(
    {
      name: job.service,
      command: nodeBinary(job.node ?? DEFAULT_NODE),
      args: [jobApp],
      env: {
        PATH: process.env.PATH,
        ...(job.preloaded === false ? {} : { NODE_OPTIONS: `--require ${preload}` }),
        OTEL_SERVICE_NAME: job.service,
        OTEL_EXPORTER_OTLP_ENDPOINT: job.collector ?? receiver.endpoint,
        TARGET_URL: targetUrl,
        END: job.end,
        EXIT_CODE: job.end === 'throw' ? '0' : '4',
        ...job.env,
      },
    },
    20000,
  );
  const exitedAt = Date.now();
  const doneAt = Number(/^done (\d+)$/m.exec(run.stdout)?.[1]);
  return { ...run, exitedAt, doneAt };
}

const withoutDone = (stdout: string): string => stdout.replace(/^done \d+\n/m, '');
/** On Node 18-22 a running AsyncLocalStorage (context propagation) adds Node's async_hooks trampoline as a stack frame. */
const withoutTrampoline = (stderr: string): string => stderr.replace(/^ +at process\.callbackTrampoline \(node:internal\/async_hooks:\d+:\d+\)\n/m, '');

describe('a job that ends with process.exit() or an uncaught exception', () => {
  for (const end of ['exit', 'exit-in-handler', 'throw'] as const) {
    const exitCode = end === 'throw' ? 1 : 4;
    for (const node of NODE_MATRIX) {
      it(`Node ${node}, ${end}: exports its 5 client spans and keeps exit code ${exitCode} and its output`, async () => {
        const service = `job-${end}-node${node}`;
        const bare = await runJob({ service: `${service}-bare`, end, node, preloaded: false });
        const traced = await runJob({ service, end, node });
        assert.equal(bare.code, exitCode, bare.stderr);
        assert.equal(traced.code, exitCode, traced.stderr);
        assert.equal(withoutDone(traced.stdout), 'calls 5\n');
        assert.equal(withoutDone(traced.stdout), withoutDone(bare.stdout));
        assert.equal(withoutTrampoline(traced.stderr), bare.stderr, 'the same stderr (the stack trace of the throw, or nothing)');
        assert.ok(traced.exitedAt - traced.doneAt <= EXIT_BOUND_MS + SLACK_MS, `exited ${traced.exitedAt - traced.doneAt} ms after its work`);
        const spans = clientSpans(receiver.spans(), service);
        assert.equal(spans.length, 5, `${spans.length} client spans exported`);
        for (const s of spans) assert.equal(s.attributes['url.full'], targetUrl);
      });
    }
  }
});

/** A collector that accepts connections and reads requests, and answers as `answer` says (or never). */
async function badCollector(answer: (socket: net.Socket) => void): Promise<string> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    let answered = false;
    socket.on('data', () => {
      if (!answered) answer(socket);
      answered = true;
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => {
    server.close();
    for (const s of sockets) s.destroy();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const collectors = {
  'accepts and never answers': () => badCollector(() => undefined),
  'trickles its answer one byte every 100 ms': () =>
    badCollector((socket) => {
      socket.write('HTTP/1.1 200 OK\r\n');
      const drip = setInterval(() => socket.write('x'), 100);
      socket.on('close', () => clearInterval(drip));
      closers.push(() => clearInterval(drip));
    }),
};

describe('a finishing job and a collector that hangs', () => {
  for (const [what, start] of Object.entries(collectors)) {
    for (const end of ['natural', 'exit'] as const) {
      it(`a collector that ${what}: a ${end} end comes within ${EXIT_BOUND_MS} ms of the job's work`, async () => {
        const collector = await start();
        const run = await runJob({
          service: `hung-${end}`,
          end,
          collector,
          // Exports start every 200 ms and each would wait 30 s: one is out when the job ends.
          env: { RUN_MS: '1500', OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_EXPORTER_OTLP_TIMEOUT: '30000' },
        });
        assert.equal(run.code, 4, run.stderr);
        assert.equal(run.stderr, '');
        const late = run.exitedAt - run.doneAt;
        assert.ok(late <= EXIT_BOUND_MS + SLACK_MS, `exited ${late} ms after its work`);
      });
    }
  }
});
