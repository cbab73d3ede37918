/**
 * Admission throughput and latency over HTTPS at 64 concurrent connections: our webhook
 * (the built CLI, ./bin/toolforge-tracing) against bare fastify HTTPS handlers given the
 * same AdmissionReview, measured in the same run, interleaved:
 *   - capacity: closed-loop saturation with wrk (bench/wrk.ts), throughput ratio to the
 *     bare handler that echoes the review; p99 here is only queueing (64 / throughput);
 *   - latency: open-loop at a steady rate (bench/steady-rate.ts), as an API server calls
 *     a webhook; p99 of the webhook and of the bare echo at the same rate.
 * Targets (issue 2): throughput >= 0.6 x bare echo, p99 <= 5 ms.
 * Run: node --import tsx bench/webhook-throughput.ts [--seconds N] [--rounds N] [--rate N]
 * (needs wrk: scripts/setup --bench)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { selfSignedTls } from '../webhook/tls.js';
import { review, webservicePod, withVolumeAdmission } from '../tests/webhook/fixtures/pods.js';
import { runSteadyRate, type SteadyResult } from './steady-rate.js';
import { requireWrk, runWrk, type WrkResult } from './wrk.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '8' }, rounds: { type: 'string', default: '3' }, rate: { type: 'string', default: '1000' } },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const rate = Number(values.rate);
requireWrk();
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

  process.stdout.write(`AdmissionReview body ${body.length} bytes, answer ${answerText.length} bytes, ${connections} connections, ${seconds} s x ${rounds} rounds each, interleaved\n`);
  for (const t of Object.values(targets)) await runWrk({ url: t.url, connections, seconds: 2, postJson: body }); // warm-up: JIT, TLS sessions
  const saturation = new Map<string, WrkResult[]>();
  const steady = new Map<string, SteadyResult[]>();
  const steadyTargets = ['webhook', 'bare echo'] as const;
  for (let r = 0; r < rounds; r++) {
    for (const [name, t] of Object.entries(targets)) {
      const result = await runWrk({ url: t.url, connections, seconds, postJson: body });
      if (result.failures > 0) throw new Error(`${name}: ${result.failures} failed requests`);
      saturation.set(name, [...(saturation.get(name) ?? []), result]);
    }
    for (const name of steadyTargets) {
      const result = await runSteadyRate({ url: targets[name].url, body, ca: tls.cert, requestsPerSecond: rate, seconds, connections, warmupSeconds: 2 });
      if (result.failures > 0) throw new Error(`${name}: ${result.failures} failed requests at ${rate}/s`);
      steady.set(name, [...(steady.get(name) ?? []), result]);
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const worst = (xs: number[]) => Math.max(...xs);
  const ms = (n: number) => `${n.toFixed(2)} ms`;
  process.stdout.write('capacity (closed loop, wrk):\n');
  for (const [name, rs] of saturation) {
    const rps = mean(rs.map((x) => x.requestsPerSecond));
    process.stdout.write(`  ${name.padEnd(13)} ${rps.toFixed(0).padStart(7)} req/s   p50 ${ms(mean(rs.map((x) => x.p50Ms)))}   p99 ${ms(worst(rs.map((x) => x.p99Ms)))} (worst round)\n`);
  }
  process.stdout.write(`latency at a steady ${rate} requests/s (open loop):\n`);
  for (const [name, rs] of steady) {
    process.stdout.write(`  ${name.padEnd(13)} p50 ${ms(mean(rs.map((x) => x.p50Ms)))}   p99 ${ms(worst(rs.map((x) => x.p99Ms)))}   max ${ms(worst(rs.map((x) => x.maxMs)))} (worst round)\n`);
  }
  const rps = (name: string) => mean(saturation.get(name)!.map((x) => x.requestsPerSecond));
  const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  const ratio = rps('webhook') / rps('bare echo');
  const steadyP99 = worst(steady.get('webhook')!.map((x) => x.p99Ms));
  process.stdout.write(`throughput ratio webhook / bare echo = ${ratio.toFixed(2)} (target >= 0.6: ${verdict(ratio >= 0.6)})\n`);
  process.stdout.write(`throughput ratio webhook / bare echo of the answer's size (${answerText.length} bytes) = ${(rps('webhook') / rps('bare sized')).toFixed(2)}\n`);
  process.stdout.write(`throughput ratio webhook / bare minimal = ${(rps('webhook') / rps('bare minimal')).toFixed(2)}\n`);
  process.stdout.write(`webhook p99 at ${rate}/s = ${ms(steadyP99)} (target <= 5 ms: ${verdict(steadyP99 <= 5)}); bare echo p99 at ${rate}/s = ${ms(worst(steady.get('bare echo')!.map((x) => x.p99Ms)))}\n`);
  process.stdout.write(`at saturation p99 is queueing: webhook ${ms(worst(saturation.get('webhook')!.map((x) => x.p99Ms)))}, bare echo ${ms(worst(saturation.get('bare echo')!.map((x) => x.p99Ms)))}\n`);
} finally {
  for (const c of children) c.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
}
