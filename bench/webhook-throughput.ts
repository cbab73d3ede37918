/**
 * Admission throughput and p99 latency over HTTPS at 64 concurrent connections:
 * our webhook (the built CLI, ./bin/toolforge-tracing) against a bare fastify HTTPS
 * handler given the same AdmissionReview, measured in the same run, interleaved.
 * Targets (issue 2): throughput >= 0.6 x bare echo, p99 <= 5 ms.
 * Run: node --import tsx bench/webhook-throughput.ts [--seconds N] [--rounds N]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { selfSignedTls } from '../webhook/tls.js';
import { review, webservicePod, withVolumeAdmission } from '../tests/webhook/fixtures/pods.js';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  method: string;
  headers: Record<string, string>;
  body: string;
}) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, rounds: { type: 'string', default: '2' } } });
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = 64;
const root = new URL('../', import.meta.url).pathname;

function start(command: string, args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')}: no listening line in 120 s\n${err}`)), 120_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (https:\/\/\S+\/mutate)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, child });
      }
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}\n${err}`)));
  });
}

function postOnce(url: string, body: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca, servername: 'localhost', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${url}: HTTP ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const dir = await mkdtemp(join(tmpdir(), 'tt-webhook-bench-'));
const children: ChildProcess[] = [];
try {
  const tls = await selfSignedTls(['localhost', '127.0.0.1']);
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  await writeFile(cert, tls.cert);
  await writeFile(key, tls.key);

  // The common case: a webservice pod after volume-admission, which we inject.
  const body = JSON.stringify(review(withVolumeAdmission(webservicePod('benchtool'), 'benchtool')));
  const webhook = await start(join(root, 'bin/toolforge-tracing'), ['webhook', '--port', '0', '--tls-cert', cert, '--tls-key', key]);
  children.push(webhook.child);
  const answerText = await postOnce(webhook.url, body, tls.cert);
  const answer = JSON.parse(answerText) as { response: { patch?: string } };
  if (answer.response.patch === undefined) throw new Error('the webhook did not inject the bench pod: the bench would measure the wrong path');

  const startEcho = (...mode: string[]) => start(process.execPath, ['--import', 'tsx', 'bench/webhook-echo-server.ts', cert, key, ...mode]);
  const targets = {
    webhook,
    'bare echo': await startEcho('echo'),
    // The webhook's answer carries the patch and is larger than the review it echoes.
    'bare sized': await startEcho('sized', String(answerText.length)),
    'bare minimal': await startEcho('minimal'),
  };
  for (const t of Object.values(targets)) if (t !== webhook) children.push(t.child);

  const run = (url: string, duration: number) =>
    autocannon({ url, connections, duration, method: 'POST', headers: { 'content-type': 'application/json' }, body });

  process.stdout.write(`AdmissionReview body ${body.length} bytes, answer ${answerText.length} bytes, ${connections} connections, ${seconds} s x ${rounds} rounds each, interleaved\n`);
  for (const t of Object.values(targets)) await run(t.url, 2); // warm-up: JIT, TLS session setup
  const results = new Map<string, AutocannonResult[]>();
  for (let r = 0; r < rounds; r++) {
    for (const [name, t] of Object.entries(targets)) {
      const result = await run(t.url, seconds);
      if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
        throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
      }
      results.set(name, [...(results.get(name) ?? []), result]);
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const summary = new Map(
    [...results].map(([name, rs]) => [name, { rps: mean(rs.map((x) => x.requests.average)), p50: mean(rs.map((x) => x.latency.p50)), p99: Math.max(...rs.map((x) => x.latency.p99)) }]),
  );
  for (const [name, s] of summary) {
    process.stdout.write(`${name.padEnd(13)} ${s.rps.toFixed(0).padStart(7)} req/s   p50 ${s.p50.toFixed(2)} ms   p99 ${s.p99.toFixed(2)} ms (worst round)\n`);
  }
  const ours = summary.get('webhook')!;
  const echo = summary.get('bare echo')!;
  const minimal = summary.get('bare minimal')!;
  const sized = summary.get('bare sized')!;
  process.stdout.write(`throughput ratio webhook / bare echo    = ${(ours.rps / echo.rps).toFixed(2)} (target >= 0.6)\n`);
  process.stdout.write(`throughput ratio webhook / bare echo of the answer's size (${answerText.length} bytes) = ${(ours.rps / sized.rps).toFixed(2)}\n`);
  process.stdout.write(`throughput ratio webhook / bare minimal = ${(ours.rps / minimal.rps).toFixed(2)}\n`);
  process.stdout.write(`webhook p99 = ${ours.p99.toFixed(2)} ms (target <= 5 ms); bare echo p99 = ${echo.p99.toFixed(2)} ms\n`);
} finally {
  for (const c of children) c.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
}
