/** The `webhook` command line, TLS policy and certificate rotation, on real processes and sockets. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { connect, type SecureVersion } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { selfSignedTls } from '../../webhook/tls.js';
import { jobPod, review } from './fixtures/pods.js';
import { call, closeAgents, postReview, startWebhook, writeTls, type RunningWebhook } from './helpers.js';

const repoRoot = new URL('../../', import.meta.url).pathname;

/** Runs the CLI to completion (bounded) and returns what it said. */
function runCli(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Handshake only; resolves with the negotiated protocol and the served certificate's fingerprint. */
function handshake(url: string, opts: { ca?: string; maxVersion?: SecureVersion; minVersion?: SecureVersion }) {
  const { hostname, port } = new URL(url);
  return new Promise<{ protocol: string | null; fingerprint: string }>((resolve, reject) => {
    const socket = connect({
      host: hostname,
      port: Number(port),
      servername: 'localhost',
      ...(opts.ca === undefined ? { rejectUnauthorized: false } : { ca: opts.ca }),
      ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}),
      ...(opts.minVersion ? { minVersion: opts.minVersion } : {}),
    });
    socket.once('secureConnect', () => {
      resolve({ protocol: socket.getProtocol(), fingerprint: socket.getPeerX509Certificate()!.fingerprint256 });
      socket.end();
    });
    socket.once('error', reject);
  });
}

describe('command line', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tt-webhook-cli-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('no certificate and no --self-signed: a precise error', async () => {
    const r = await runCli(['webhook', '--port', '0']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no certificate: give --tls-cert and --tls-key, or --self-signed for a local run/);
  });
  test('--tls-cert without --tls-key', async () => {
    const r = await runCli(['webhook', '--tls-cert', join(dir, 'x.crt')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--tls-cert and --tls-key go together/);
  });
  test('unreadable and mismatched certificate files name the file', async () => {
    let r = await runCli(['webhook', '--tls-cert', join(dir, 'missing.crt'), '--tls-key', join(dir, 'missing.key')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`cannot read TLS certificate ${join(dir, 'missing.crt')}`));
    const a = await selfSignedTls(['localhost']);
    const b = await selfSignedTls(['localhost']);
    await writeFile(join(dir, 'a.crt'), a.cert);
    await writeFile(join(dir, 'b.key'), b.key);
    r = await runCli(['webhook', '--tls-cert', join(dir, 'a.crt'), '--tls-key', join(dir, 'b.key')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /are not a usable pair/);
  });
  test('a bad config file: the key path and the problem', async () => {
    await writeFile(join(dir, 'bad.yaml'), 'otel:\n  collectorPort: 99999\ninjection:\n  imagePullPolicy: Sometimes\n');
    const r = await runCli(['webhook', '--self-signed', '--port', '0', '--config', join(dir, 'bad.yaml')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /config file \S*bad\.yaml: /);
    assert.match(r.stderr, /otel\.collectorPort: Too big/);
    assert.match(r.stderr, /injection\.imagePullPolicy: /);
  });
  test('a bad --port', async () => {
    const r = await runCli(['webhook', '--self-signed', '--port', 'http']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--port <port>' argument 'http' is invalid\. must be an integer from 0 to 65535/);
  });
});

describe('--self-signed through ./bin/toolforge-tracing (what scripts/start runs)', () => {
  test('prints where it listens and the certificate to trust; serves /healthz over TLS', async () => {
    const child = spawn(join(repoRoot, 'bin/toolforge-tracing'), ['webhook', '--self-signed', '--port', '0'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      const [url, certFile] = await new Promise<[string, string]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line within 120 s; stderr:\n${err}`)), 120_000);
        child.stdout.on('data', (d) => {
          out += d;
          const m = /listening on (https:\/\/127\.0\.0\.1:\d+)\/mutate\n[^\n]*--cacert\): (\S+)\n/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve([m[1]!, m[2]!]);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}; stderr:\n${err}`)));
      });
      const { readFile } = await import('node:fs/promises');
      const ca = await readFile(certFile, 'utf8');
      assert.ok(new X509Certificate(ca).checkIP('127.0.0.1'));
      const res = await call(`${url}/healthz`, ca);
      assert.equal(res.status, 200);
      assert.equal(res.text, 'ok\n');
    } finally {
      closeAgents();
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    }
  });
});

describe('shutdown', () => {
  test('--drain-seconds: still answering after SIGTERM, then a clean exit', async () => {
    const webhook = await startWebhook({ args: ['--drain-seconds', '2'] });
    try {
      const exited = new Promise<number | null>((resolve) => webhook.child.once('exit', resolve));
      webhook.child.kill('SIGTERM');
      for (let i = 0; i < 100 && !webhook.stderr().includes('"msg":"stopping"'); i++) await new Promise((r) => setTimeout(r, 20));
      assert.match(webhook.stderr(), /"drainSeconds":2,"msg":"stopping"/);
      const res = await postReview(webhook, review(jobPod({ tool: 'late' })));
      assert.equal(res.status, 200);
      assert.equal(webhook.child.exitCode, null, 'answered while draining');
      assert.equal(await exited, 0);
    } finally {
      closeAgents();
      await webhook.stop();
    }
  });
});

describe('TLS', () => {
  let webhook: RunningWebhook;
  before(async () => {
    webhook = await startWebhook({ args: ['--tls-poll-ms', '100'] });
  });
  after(async () => {
    closeAgents();
    await webhook.stop();
  });

  test('TLS 1.2 minimum: 1.1 is refused, 1.2 and 1.3 work', async () => {
    await assert.rejects(handshake(webhook.url, { ca: webhook.ca, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' }));
    assert.equal((await handshake(webhook.url, { ca: webhook.ca, maxVersion: 'TLSv1.2' })).protocol, 'TLSv1.2');
    assert.equal((await handshake(webhook.url, { ca: webhook.ca })).protocol, 'TLSv1.3');
  });

  test('a certificate rotated by a kubelet-style ..data symlink swap is served without a restart; a broken one is refused and the last good one kept', async () => {
    const old = new X509Certificate(webhook.ca).fingerprint256;
    assert.equal((await handshake(webhook.url, {})).fingerprint, old);
    const next = await selfSignedTls(['localhost', '127.0.0.1']);
    const nextPrint = new X509Certificate(next.cert).fingerprint256;
    await writeTls(webhook.dir, next);
    let served = old;
    for (let i = 0; i < 100 && served !== nextPrint; i++) {
      await new Promise((r) => setTimeout(r, 100));
      served = (await handshake(webhook.url, {})).fingerprint;
    }
    assert.equal(served, nextPrint, 'new certificate served');
    assert.equal((await handshake(webhook.url, { ca: next.cert })).protocol, 'TLSv1.3');

    await writeFile(webhook.keyFile, 'not a key\n');
    let failed = 0;
    for (let i = 0; i < 100 && failed < 1; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const metrics = (await call(`${webhook.url}/metrics`, next.cert)).text;
      failed = Number(/toolforge_tracing_webhook_tls_reloads_total\{result="failed"\} (\d+)/.exec(metrics)?.[1] ?? 0);
    }
    assert.equal(failed, 1);
    assert.equal((await handshake(webhook.url, {})).fingerprint, nextPrint, 'still serving the last good certificate');
    assert.match(webhook.stderr(), /TLS reload failed; keeping the previous certificate/);
  });
});
