/** Runs the real webhook CLI over real TLS and talks to it like the API server does. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { request, Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import fjp from 'fast-json-patch';
import { selfSignedTls, type TlsMaterial } from '../../webhook/tls.js';
import { review } from './fixtures/pods.js';

const repoRoot = new URL('../../', import.meta.url).pathname;

export interface RunningWebhook {
  url: string;
  ca: string;
  dir: string;
  certFile: string;
  keyFile: string;
  child: ChildProcess;
  stderr: () => string;
  stop: () => Promise<number | null>;
}

/**
 * Writes the pair the way the kubelet updates a Secret volume (cert-manager rotation):
 * a fresh `..<timestamp>` directory, then one atomic rename of the `..data` symlink;
 * `tls.crt` and `tls.key` are fixed symlinks through `..data`.
 */
export async function writeTls(dir: string, tls: TlsMaterial): Promise<void> {
  const version = `..${Date.now()}_${Math.random().toString(36).slice(2)}`;
  await mkdir(join(dir, version));
  await writeFile(join(dir, version, 'tls.crt'), tls.cert);
  await writeFile(join(dir, version, 'tls.key'), tls.key);
  await symlink(version, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  for (const f of ['tls.crt', 'tls.key']) {
    if (!existsSync(join(dir, f))) await symlink(join('..data', f), join(dir, f));
  }
}

/**
 * Spawns `toolforge-tracing webhook` (from source) with `tls` (default: a fresh
 * self-signed certificate; `ca` is what signed `tls`, for the test's clients); resolves
 * once it listens.
 */
export async function startWebhook(opts: { config?: string; args?: string[]; tls?: TlsMaterial; ca?: string } = {}): Promise<RunningWebhook> {
  const dir = await mkdtemp(join(tmpdir(), 'tt-webhook-test-'));
  const tls = opts.tls ?? (await selfSignedTls(['localhost', '127.0.0.1']));
  await writeTls(dir, tls);
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  const args = ['--import', 'tsx', 'cli/main.ts', 'webhook', '--port', '0', '--tls-cert', certFile, '--tls-key', keyFile];
  if (opts.config !== undefined) {
    const configFile = join(dir, 'config.yaml');
    await writeFile(configFile, opts.config);
    args.push('--config', configFile);
  }
  args.push(...(opts.args ?? []));
  // Never the in-cluster config of whatever machine runs the tests.
  const env = { ...process.env };
  delete env.KUBERNETES_SERVICE_HOST;
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`webhook did not start within 60 s; stderr:\n${err}`)), 60_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (https:\/\/\S+)\/mutate/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`webhook exited with ${code} before listening; stderr:\n${err}`));
    });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
    return child.exitCode;
  };
  return { url, ca: opts.ca ?? tls.cert, dir, certFile, keyFile, child, stderr: () => err, stop };
}

/**
 * One webhook process for the whole test file: started before its first test, stopped
 * after its last, when it must exit 0. Returns the running process.
 */
export function webhookForFile(opts: Parameters<typeof startWebhook>[0] = {}): () => RunningWebhook {
  let webhook: RunningWebhook | undefined;
  before(async () => {
    webhook = await startWebhook(opts);
  });
  after(async () => {
    closeAgents();
    if (webhook === undefined) return;
    const code = await webhook.stop();
    assert.equal(code, 0, `webhook exit code; stderr:\n${webhook.stderr()}`);
  });
  return () => webhook ?? assert.fail('the webhook did not start');
}

export interface HttpResult {
  status: number;
  text: string;
  json: () => any;
  headers: Record<string, string | string[] | undefined>;
}

const agents = new Map<string, Agent>();
const agentFor = (ca: string) => {
  let a = agents.get(ca);
  if (a === undefined) agents.set(ca, (a = new Agent({ ca, keepAlive: true, servername: 'localhost' })));
  return a;
};
export const closeAgents = () => {
  for (const a of agents.values()) a.destroy();
  agents.clear();
};

/** An HTTPS request that trusts only the test's certificate. */
export function call(
  url: string,
  ca: string,
  init: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', agent: agentFor(ca), headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text), headers: res.headers });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`${init.method ?? 'GET'} ${url}: no answer within 30 s`)));
    req.end(init.body);
  });
}

export const postReview = (w: { url: string; ca: string }, review: unknown) =>
  call(`${w.url}/mutate`, w.ca, { method: 'POST', body: JSON.stringify(review), headers: { 'content-type': 'application/json' } });

/**
 * Sends `pod` in an AdmissionReview and checks the answer's envelope: 200, this review's
 * uid, allowed, a JSONPatch when there are operations. Returns the operations and the body.
 */
export async function mutate(w: { url: string; ca: string }, pod: unknown, options: Parameters<typeof review>[1] = {}) {
  const r = review(pod, options);
  const res = await postReview(w, r);
  assert.equal(res.status, 200, res.text);
  const body = res.json();
  assert.equal(body.apiVersion, 'admission.k8s.io/v1');
  assert.equal(body.kind, 'AdmissionReview');
  assert.equal(body.response.uid, r.request.uid);
  assert.equal(body.response.allowed, true);
  const ops = patchOf(body);
  if (ops.length > 0) assert.equal(body.response.patchType, 'JSONPatch');
  return { ops, body };
}

/** Decodes the response's JSONPatch (empty when none). */
export function patchOf(response: { response: { patch?: string; patchType?: string } }): fjp.Operation[] {
  const { patch } = response.response;
  return patch === undefined ? [] : (JSON.parse(Buffer.from(patch, 'base64').toString('utf8')) as fjp.Operation[]);
}

/** Applies a patch with a real RFC 6902 implementation, validating every operation. */
export function applyPatch<T>(doc: T, ops: fjp.Operation[]): T {
  return fjp.applyPatch(structuredClone(doc), ops, true, false).newDocument;
}

export interface StreamedAnswer {
  status: number;
  error: string;
}

/**
 * POSTs `body` to /mutate in 64 KiB writes (chunked when `withLength` is false), stopping
 * once the answer comes; `maxBodyBytes` is the server's limit, over which it answers
 * from the headers alone.
 */
export function postStreamed(w: { url: string; ca: string }, body: Buffer, withLength: boolean, maxBodyBytes: number): Promise<StreamedAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (withLength) headers['content-length'] = String(body.length);
    const req = request(`${w.url}/mutate`, { method: 'POST', ca: w.ca, servername: 'localhost', headers });
    let answered = false;
    const response = new Promise((r) => req.once('response', r));
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, error: (JSON.parse(text) as { error: string }).error });
        req.destroy();
      });
    });
    req.on('error', (err) => (answered ? undefined : reject(err)));
    const pump = async () => {
      // A refusal by content-length comes before any byte of the body and closes the
      // connection: wait for it, or the first write meets a reset (EPIPE, no status).
      req.flushHeaders();
      if (withLength && body.length > maxBodyBytes) await Promise.race([response, new Promise((r) => setTimeout(r, 5000))]);
      for (let offset = 0; offset < body.length && !answered && !req.destroyed; offset += 64 * 1024) {
        if (!req.write(body.subarray(offset, offset + 64 * 1024))) await new Promise((r) => req.once('drain', r));
        await new Promise((r) => setImmediate(r));
      }
      if (!answered && !req.destroyed) req.end();
    };
    void pump();
  });
}
