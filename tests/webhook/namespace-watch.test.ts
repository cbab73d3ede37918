/**
 * The namespace watch against a real HTTPS peer that speaks the Kubernetes list/watch
 * protocol for namespaces (there is no API server on this machine), and against API
 * servers that refuse or never answer: admission must go on regardless.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { V1Namespace } from '@kubernetes/client-node';
import { selfSignedTls, type TlsMaterial } from '../../webhook/tls.js';
import { jobPod, review } from './fixtures/pods.js';
import { call, closeAgents, patchOf, postReview, startWebhook, type RunningWebhook } from './helpers.js';

const ns = (name: string, labels: Record<string, string>, annotations: Record<string, string> = {}, rv = '1'): V1Namespace => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels }, annotations, resourceVersion: rv },
});

/** Enough of kube-apiserver for an informer: GET /api/v1/namespaces, plain and ?watch=true. */
class FakeApiServer {
  server!: Server;
  namespaces = new Map<string, V1Namespace>();
  watchers = new Set<ServerResponse>();
  requests: { url: string; authorization: string | undefined }[] = [];
  rv = 100;
  constructor(private readonly tls: TlsMaterial) {}

  async start(): Promise<number> {
    this.server = createServer({ cert: this.tls.cert, key: this.tls.key }, (req, res) => {
      this.requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
      const url = new URL(req.url ?? '/', 'https://x');
      if (url.pathname !== '/api/v1/namespaces') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 404 }));
        return;
      }
      if (url.searchParams.get('watch') === 'true') {
        res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        res.flushHeaders();
        this.watchers.add(res);
        res.on('close', () => this.watchers.delete(res));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ apiVersion: 'v1', kind: 'NamespaceList', metadata: { resourceVersion: String(this.rv) }, items: [...this.namespaces.values()] }),
      );
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: V1Namespace) {
    object.metadata!.resourceVersion = String(++this.rv);
    if (type === 'DELETED') this.namespaces.delete(object.metadata!.name!);
    else this.namespaces.set(object.metadata!.name!, object);
    for (const w of this.watchers) w.write(`${JSON.stringify({ type, object })}\n`);
  }

  async stop() {
    for (const w of this.watchers) w.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function kubeconfig(dir: string, port: number, ca: string): Promise<string> {
  const file = join(dir, 'kubeconfig');
  await writeFile(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': Buffer.from(ca).toString('base64') } }],
      users: [{ name: 'webhook', user: { token: 'test-token' } }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: 'webhook' } }],
      'current-context': 'test',
    }),
  );
  return file;
}

/** Polls (bounded) until `check` holds; the error names what never happened. */
async function eventually(what: string, check: () => Promise<boolean>, tries = 200, everyMs = 50): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  assert.fail(`never happened: ${what}`);
}

const injected = async (w: RunningWebhook, namespace: string) => {
  const pod = jobPod({ tool: namespace.replace(/^tool-/, '') });
  const res = await postReview(w, review(pod, { namespace }));
  assert.equal(res.status, 200, res.text);
  return patchOf(res.json()).length > 0;
};

const metric = async (w: RunningWebhook, series: string) => {
  const text = (await call(`${w.url}/metrics`, w.ca)).text;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

let dir: string;
let tls: TlsMaterial;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tt-nswatch-'));
  tls = await selfSignedTls(['127.0.0.1']);
});
after(async () => {
  closeAgents();
  await rm(dir, { recursive: true, force: true });
});

describe('with a reachable API server', () => {
  let api: FakeApiServer;
  let webhook: RunningWebhook;
  before(async () => {
    api = new FakeApiServer(tls);
    api.namespaces.set('tool-optout', ns('tool-optout', { tenancy: 'tool' }, { 'tracing.toolforge.org/inject': 'false' }));
    api.namespaces.set('tool-plain', ns('tool-plain', { tenancy: 'tool' }));
    api.namespaces.set('tool-nolabel', ns('tool-nolabel', {}));
    const port = await api.start();
    const file = await kubeconfig(dir, port, tls.cert);
    webhook = await startWebhook({ config: `kubernetes:\n  kubeconfig: ${file}\n` });
    await eventually('namespace cache synced', async () => (await call(`${webhook.url}/readyz`, webhook.ca)).json().namespaceCache === 'synced');
  });
  after(async () => {
    await webhook.stop();
    await api.stop();
  });

  test('the watch authenticates with the kubeconfig credentials', async () => {
    // "synced" means the list is in; the watch request follows it asynchronously.
    await eventually('a watch request after the list', async () => api.requests.some((r) => r.url.includes('watch=true')));
    assert.ok(api.requests.length >= 2);
    assert.ok(api.requests.every((r) => r.authorization === 'Bearer test-token'));
    assert.ok(api.requests.some((r) => r.url.includes('watch=true')));
  });
  test('namespace annotation opts out; missing tool label excludes; unknown namespace decided by name', async () => {
    assert.equal(await injected(webhook, 'tool-optout'), false);
    assert.equal(await injected(webhook, 'tool-nolabel'), false);
    assert.equal(await injected(webhook, 'tool-plain'), true);
    assert.equal(await injected(webhook, 'tool-notyetseen'), true);
    assert.equal(await metric(webhook, 'toolforge_tracing_webhook_namespace_cache_synced'), 1);
    assert.equal(await metric(webhook, 'toolforge_tracing_webhook_namespace_cache_size'), 3);
    assert.ok((await metric(webhook, 'toolforge_tracing_webhook_skips_total{reason="namespace-opt-out"}'))! >= 1);
  });
  test('watch events change decisions: label opt-out added, annotation removed', async () => {
    api.event('MODIFIED', ns('tool-plain', { tenancy: 'tool', 'tracing.toolforge.org/inject': 'false' }));
    await eventually('tool-plain opted out by label', async () => !(await injected(webhook, 'tool-plain')));
    api.event('MODIFIED', ns('tool-optout', { tenancy: 'tool' }));
    await eventually('tool-optout opted back in', () => injected(webhook, 'tool-optout'));
    api.event('ADDED', ns('tool-newcomer', { tenancy: 'tool' }, { 'tracing.toolforge.org/inject': 'false' }));
    await eventually('tool-newcomer opted out', async () => !(await injected(webhook, 'tool-newcomer')));
    api.event('DELETED', ns('tool-newcomer', {}));
    await eventually('deleted namespace forgotten', () => injected(webhook, 'tool-newcomer'));
  });
});

describe('with an API server that refuses connections', () => {
  let webhook: RunningWebhook;
  before(async () => {
    // A port that was free a moment ago: connection refused.
    const probe = createNetServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    webhook = await startWebhook({ config: `kubernetes:\n  kubeconfig: ${await kubeconfig(dir, port, tls.cert)}\n` });
  });
  after(async () => {
    await webhook.stop();
  });

  test('admission goes on by namespace name; readyz and metrics tell the watch is down', async () => {
    assert.equal(await injected(webhook, 'tool-anything'), true);
    assert.equal(await injected(webhook, 'kube-system'), false);
    assert.deepEqual((await call(`${webhook.url}/readyz`, webhook.ca)).json(), { ready: true, namespaceCache: 'unsynced' });
    await eventually('watch error counted', async () => ((await metric(webhook, 'toolforge_tracing_webhook_namespace_watch_errors_total')) ?? 0) >= 1);
    assert.match(webhook.stderr(), /namespace watch failed; deciding from namespace names until it recovers/);
  });
});

describe('with an API server that accepts and never answers', () => {
  let webhook: RunningWebhook;
  let pending = 0;
  let hung: Server;
  before(async () => {
    hung = createServer({ cert: tls.cert, key: tls.key });
    hung.on('request', () => {
      pending++;
    });
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const port = (hung.address() as AddressInfo).port;
    webhook = await startWebhook({ config: `kubernetes:\n  kubeconfig: ${await kubeconfig(dir, port, tls.cert)}\n` });
    await eventually('the list request reached the hung server', async () => pending >= 1);
  });
  after(async () => {
    assert.equal(await webhook.stop(), 0, 'stops cleanly even with the list request hanging');
    hung.closeAllConnections();
    await new Promise<void>((r) => hung.close(() => r()));
  });

  test('admissions are answered while the namespace list is still unanswered', async () => {
    for (let i = 0; i < 20; i++) assert.equal(await injected(webhook, `tool-busy${i}`), true);
    assert.ok(pending >= 1, 'the list request is still open');
    assert.equal((await call(`${webhook.url}/readyz`, webhook.ca)).json().namespaceCache, 'unsynced');
  });
});
