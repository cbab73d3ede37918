// The preload's OTLP/HTTP sender (preload/export/otlp-http-post.ts) against real local servers:
// Node's HTTP server in its usual answers, and raw sockets for the answers a collector or
// a proxy in between may give (split heads, no length, silence, resets).
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { OtlpHttpPoster } from '../../preload/export/otlp-http-post.js';
import { freePort } from '../support/ports.js';
import { runToExit } from '../support/processes.js';
import { repoRoot } from '../support/preload-bundle.js';
import { makeTempDir } from '../support/temp-dir.js';
import { selfSignedCertificate } from '../support/tls.js';

const closers: Array<() => void> = [];
after(() => {
  for (const close of closers) close();
});

interface Seen {
  connections: number;
  bodies: Buffer[];
  heads: http.IncomingHttpHeaders[];
}

/** A Node HTTP server answering each POST with `answer(n)` (n counts from 0); records what it got. */
async function httpCollector(answer: (n: number, res: http.ServerResponse) => void): Promise<{ url: string; seen: Seen }> {
  const seen: Seen = { connections: 0, bodies: [], heads: [] };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.bodies.push(Buffer.concat(chunks));
      seen.heads.push(req.headers);
      answer(seen.bodies.length - 1, res);
    });
  });
  server.on('connection', () => seen.connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close() && server.closeAllConnections());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, seen };
}

/** A TCP server that hands each connection to `handle` once a whole request (by its Content-Length) has arrived. */
async function rawCollector(handle: (socket: net.Socket, n: number) => void): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  let requests = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const text = buffered.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(text)?.[1]);
      if (end !== -1 && buffered.length >= end + 4 + length) {
        buffered = buffered.subarray(end + 4 + length);
        handle(socket, requests++);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => {
    server.close();
    for (const socket of sockets) socket.destroy();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, connections: () => connections };
}

const body = (n: number): Buffer => Buffer.alloc(n, 7);

describe('OtlpHttpPoster', () => {
  it('posts the body as protobuf, and keeps one connection while answers carry a length', async () => {
    const { url, seen } = await httpCollector((_, res) => res.end(Buffer.alloc(0)));
    const poster = new OtlpHttpPoster(url);
    for (const size of [10, 70_000, 0, 3]) assert.equal(await poster.post(body(size), 2000), true);
    assert.deepEqual(
      seen.bodies.map((b) => b.length),
      [10, 70_000, 0, 3],
    );
    assert.ok(seen.bodies[1]!.equals(body(70_000)));
    assert.equal(seen.heads[0]!['content-type'], 'application/x-protobuf');
    assert.equal(seen.heads[0]!.host, new URL(url).host);
    assert.equal(seen.connections, 1);
  });

  it('takes a chunked answer, and then opens a new connection for the next request', async () => {
    const { url, seen } = await httpCollector((_, res) => {
      res.writeHead(200);
      res.write('partial');
      res.end();
    });
    const poster = new OtlpHttpPoster(url);
    assert.equal(await poster.post(body(5), 2000), true);
    assert.equal(await poster.post(body(5), 2000), true);
    assert.equal(seen.bodies.length, 2);
    assert.equal(seen.connections, 2);
  });

  it('retries what OTLP calls retryable, and gives up at once on other errors', async () => {
    const retried = await httpCollector((n, res) => {
      res.statusCode = n < 2 ? 503 : 200;
      res.end('');
    });
    assert.equal(await new OtlpHttpPoster(retried.url).post(body(5), 5000), true);
    assert.equal(retried.seen.bodies.length, 3);
    const refused = await httpCollector((_, res) => {
      res.statusCode = 400;
      res.end('bad request');
    });
    assert.equal(await new OtlpHttpPoster(refused.url).post(body(5), 5000), false);
    assert.equal(refused.seen.bodies.length, 1);
  });

  it('reads an answer that arrives a byte at a time, body included, and keeps the connection', async () => {
    const answer = 'HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 4\r\n\r\nabcd';
    const collector = await rawCollector((socket) => {
      let i = 0;
      const next = (): void => {
        if (i < answer.length) socket.write(answer[i++]!, 'latin1', () => setImmediate(next));
      };
      next();
    });
    const poster = new OtlpHttpPoster(collector.url);
    assert.equal(await poster.post(body(100), 5000), true);
    assert.equal(await poster.post(body(100), 5000), true);
    assert.equal(collector.connections(), 1);
  });

  it('fails an answer that is not HTTP, or whose head never ends', async () => {
    const garbage = await rawCollector((socket) => socket.write('SSH-2.0-OpenSSH\r\n\r\n'));
    assert.equal(await new OtlpHttpPoster(garbage.url).post(body(5), 2000), false);
    const endless = await rawCollector((socket) => socket.write(`HTTP/1.1 200 OK\r\nX: ${'y'.repeat(10_000)}`));
    assert.equal(await new OtlpHttpPoster(endless.url).post(body(5), 2000), false);
  });

  it('gives up by the deadline on a collector that accepts and never answers, and on a closed port', async () => {
    const silent = await rawCollector(() => undefined);
    let started = Date.now();
    assert.equal(await new OtlpHttpPoster(silent.url).post(body(5), 400), false);
    const waited = Date.now() - started;
    assert.ok(waited >= 350 && waited < 2000, `${waited} ms`);
    started = Date.now();
    assert.equal(await new OtlpHttpPoster(`http://127.0.0.1:${await freePort()}/v1/traces`).post(body(5), 400), false);
    assert.ok(Date.now() - started < 2000);
  });

  it('gives up by the deadline on a collector that trickles its answer a byte at a time, for ever', async () => {
    // Each byte would reset a socket idle timeout; the deadline must hold inside the attempt.
    const trickle = await rawCollector((socket) => {
      socket.write('HTTP/1.1 200 OK\r\n');
      const drip = setInterval(() => socket.write('x'), 100);
      socket.on('close', () => clearInterval(drip));
      closers.push(() => clearInterval(drip));
    });
    const started = Date.now();
    const outcome = await Promise.race([
      new OtlpHttpPoster(trickle.url).post(body(5), 600),
      new Promise<string>((resolve) => setTimeout(() => resolve('still waiting after 8 s'), 8000).unref()),
    ]);
    assert.equal(outcome, false);
    const waited = Date.now() - started;
    assert.ok(waited >= 550 && waited < 4000, `${waited} ms`);
  });

  it('survives the collector dropping the idle connection: no error reaches the app, the next request reconnects', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown): void => void uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      const collector = await rawCollector((socket, n) => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
        // The first connection is reset once idle, as a collector restarting would.
        if (n === 0) setTimeout(() => socket.resetAndDestroy(), 50);
      });
      const poster = new OtlpHttpPoster(collector.url);
      assert.equal(await poster.post(body(5), 2000), true);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(await poster.post(body(5), 2000), true);
      assert.equal(collector.connections(), 2);
      assert.deepEqual(uncaught, []);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('posts over https to a collector whose certificate is trusted, and refuses one that is not', async () => {
    const dir = await makeTempDir('otlp-post-tls');
    closers.push(() => void dir.remove());
    const tls = await selfSignedCertificate(dir.path, ['localhost']);
    const bodies: number[] = [];
    const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => {
        bodies.push(n);
        res.end(Buffer.alloc(0));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => server.close() && server.closeAllConnections());
    const url = `https://localhost:${(server.address() as AddressInfo).port}/v1/traces`;
    assert.equal(await new OtlpHttpPoster(url).post(body(5), 1000), false, 'an untrusted certificate is refused');
    assert.deepEqual(bodies, []);
    // Trust is read at process start (NODE_EXTRA_CA_CERTS): the trusted case runs in a process of its own.
    // The poster never holds the event loop (the exit flush's timer does that in the app): the script holds it.
    const script = `import { OtlpHttpPoster } from './preload/export/otlp-http-post.ts'; const hold = setInterval(() => {}, 1000); const p = new OtlpHttpPoster(${JSON.stringify(url)}); console.log(await p.post(Buffer.alloc(9), 5000), await p.post(Buffer.alloc(3), 5000)); clearInterval(hold);`;
    const run = await runToExit({ name: 'https post', command: process.execPath, args: ['--import', 'tsx', '--input-type=module', '-e', script], cwd: repoRoot, env: { ...process.env, NODE_EXTRA_CA_CERTS: tls.certFile } });
    assert.equal(run.stdout.trim(), 'true true', run.stderr);
    assert.deepEqual(bodies, [9, 3]);
  });
});
