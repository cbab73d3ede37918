// The preload never changes how a tool starts, stops or exits: SIGTERM still ends an
// app with no handler (the stock auto-instrumentations register does not), exit codes
// are unchanged, an unsupported Node or an opt-out means no tracing and no noise, bad
// OTEL_* values mean defaults plus one warning line.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_NODE, nodeBinary, type NodeMajor } from '../support/node-runtimes.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { preloadPath } from '../support/preload-bundle.js';
import { runToExit, startProcess, type ManagedProcess } from '../support/processes.js';
import { fixtureApp } from '../support/toolforge-world.js';
import { ofService } from './span-queries.js';

const lifecycleApp = fixtureApp('lifecycle/app.cjs');
/** The stock one, with only non-cloud resource detectors: no test sends a packet off loopback. */
const STOCK_REGISTER = '@opentelemetry/auto-instrumentations-node/register';

let receiver: OtlpReceiver;
let preload: string;

function env(service: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    OTEL_SERVICE_NAME: service,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process',
    ...extra,
  };
}

function serve(service: string, nodeOptions: string | undefined): ManagedProcess {
  return startProcess({
    name: `${service} server`,
    command: nodeBinary(DEFAULT_NODE),
    args: [lifecycleApp],
    env: env(service, { MODE: 'serve', ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) }),
  });
}

/** Resolves with how the process ended, or 'still running' if it has not within `ms`. */
async function endedWithin(p: ManagedProcess, ms: number): Promise<string> {
  const timer = new Promise<string>((r) => setTimeout(() => r('still running'), ms));
  return Promise.race([p.exited.then((e) => `signal ${e.signal} code ${e.code}`), timer]);
}

function runOnce(service: string, major: NodeMajor, extra: Record<string, string>) {
  return runToExit({
    name: service,
    command: nodeBinary(major),
    args: [lifecycleApp],
    env: env(service, { MODE: 'exit-code', EXIT_CODE: '3', TARGET_URL: `${receiver.endpoint}/not-otlp`, ...extra }),
  });
}

before(async () => {
  preload = await preloadPath();
  receiver = await startOtlpReceiver();
});
after(async () => {
  await receiver?.stop();
});

describe('SIGTERM', () => {
  it('ends an app with no handler of its own, with the preload as without it', async () => {
    for (const nodeOptions of [undefined, `--require ${preload}`]) {
      const app = serve('sigterm-ours', nodeOptions);
      await app.waitForOutput(/listening/);
      app.child.kill('SIGTERM');
      assert.equal(await endedWithin(app, 10000), 'signal SIGTERM code null', `NODE_OPTIONS=${nodeOptions ?? ''}`);
    }
  });

  it('is swallowed by the stock auto-instrumentations register, which keeps the app alive', async () => {
    const app = serve('sigterm-stock', `--require ${STOCK_REGISTER}`);
    await app.waitForOutput(/listening/);
    app.child.kill('SIGTERM');
    assert.equal(await endedWithin(app, 3000), 'still running');
    assert.equal((await app.stop('SIGKILL')).signal, 'SIGKILL');
  });
});

describe('exit', () => {
  it('keeps the exit code, and flushes the last spans on a natural exit', async () => {
    const without = await runOnce('exit-plain', DEFAULT_NODE, {});
    const withPreload = await runOnce('exit-preloaded', DEFAULT_NODE, { NODE_OPTIONS: `--require ${preload}` });
    for (const r of [without, withPreload]) {
      assert.equal(r.code, 3);
      assert.equal(r.stdout, 'status 400\n');
      assert.equal(r.stderr, '');
    }
    const client = ofService(receiver.spans(), 'exit-preloaded').filter((s) => s.kind === 'CLIENT');
    assert.equal(client.length, 1, 'the client span made just before exit was exported');
    assert.equal(client[0]!.attributes['http.response.status_code'], 400);
  });

  it('on Node 16 prints exactly one line and the app runs normally', async () => {
    const r = await runOnce('node16-app', 16, { NODE_OPTIONS: `--require ${preload}` });
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'status 400\n');
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^toolforge-tracing: Node\.js v16\.\d+\.\d+ is not supported/);
    assert.equal(ofService(receiver.spans(), 'node16-app').length, 0);
  });

  for (const optOut of ['TOOLFORGE_TRACING_DISABLED', 'OTEL_SDK_DISABLED']) {
    it(`does nothing, silently, with ${optOut}=true`, async () => {
      const service = `optout-${optOut}`;
      const r = await runOnce(service, DEFAULT_NODE, { NODE_OPTIONS: `--require ${preload}`, [optOut]: 'true' });
      assert.equal(r.code, 3);
      assert.equal(r.stderr, '');
      assert.equal(ofService(receiver.spans(), service).length, 0);
    });
  }
});

describe('invalid OTEL_* values', () => {
  it('fall back to defaults with one warning line naming each', async () => {
    const r = await runOnce('bad-settings', DEFAULT_NODE, {
      NODE_OPTIONS: `--require ${preload}`,
      OTEL_TRACES_SAMPLER: 'sometimes',
      OTEL_BSP_MAX_QUEUE_SIZE: 'lots',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_TIMEOUT: '-1',
      OTEL_RESOURCE_ATTRIBUTES: 'toolforge.tool=bad-settings,broken-entry',
    });
    assert.equal(r.code, 3);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^toolforge-tracing: invalid settings, defaults used: /);
    for (const name of ['OTEL_TRACES_SAMPLER', 'OTEL_BSP_MAX_QUEUE_SIZE', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_TIMEOUT', 'OTEL_RESOURCE_ATTRIBUTES']) {
      assert.ok(lines[0]!.includes(name), `${name} named in: ${lines[0]}`);
    }
    const spans = ofService(receiver.spans(), 'bad-settings');
    assert.equal(spans.length, 1, 'defaults still export (http/protobuf, always-on sampling)');
    assert.equal(spans[0]!.attributes['toolforge.sampled'], true);
    assert.equal(spans[0]!.resource['toolforge.tool'], 'bad-settings');
  });
});

describe('unsupported standard OTEL_* variables', () => {
  it('are named in the one warning line, never with their values, and spans still go out as protobuf', async () => {
    const r = await runOnce('unsupported-settings', DEFAULT_NODE, {
      NODE_OPTIONS: `--require ${preload}`,
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer header-secret',
      OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip',
      OTEL_EXPORTER_OTLP_CERTIFICATE: '/etc/ssl/collector.pem',
      OTEL_TRACES_EXPORTER: 'console',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'status 400\n');
    assert.equal(
      r.stderr,
      'toolforge-tracing: invalid settings, defaults used: OTEL_EXPORTER_OTLP_PROTOCOL="http/json" is not one of http/protobuf (using http/protobuf); ' +
        'OTEL_TRACES_EXPORTER="console" is not one of otlp (using otlp); OTEL_EXPORTER_OTLP_HEADERS is not supported (ignored); ' +
        'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION is not supported (ignored); OTEL_EXPORTER_OTLP_CERTIFICATE is not supported (ignored)\n',
    );
    const spans = ofService(receiver.spans(), 'unsupported-settings');
    assert.equal(spans.length, 1);
    assert.ok(receiver.requests().every((q) => q.contentType === 'application/x-protobuf'), JSON.stringify(receiver.requests()));
  });
});

describe('OTEL_TRACES_SAMPLER_ARG set alone', () => {
  it('applies to the default sampler (parent-based ratio): at 0 no trace is sampled, and every span is still exported', async () => {
    const r = await runOnce('sampler-arg-alone', DEFAULT_NODE, { NODE_OPTIONS: `--require ${preload}`, OTEL_TRACES_SAMPLER_ARG: '0' });
    assert.equal(r.code, 3);
    assert.equal(r.stderr, '');
    const spans = ofService(receiver.spans(), 'sampler-arg-alone');
    assert.equal(spans.length, 1);
    assert.equal(spans[0]!.attributes['toolforge.sampled'], false);
  });
});
