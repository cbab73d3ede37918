/**
 * What the preload costs a tool, measured in one run against a baseline (no preload)
 * and the stock `@opentelemetry/auto-instrumentations-node/register`, on a small
 * fastify app, at 100% sampling, exporting to a loopback OTLP sink:
 *   - startup: spawn -> listening, median of interleaved runs (ms added, ratio)
 *   - peak RSS (VmHWM) after the load run (MiB added), V8's young generation fixed (HEAP_FLAGS)
 *   - hello-world throughput at saturation with wrk (ratio to baseline), p99 latency
 *   - the app's CPU time per request over the same load (from /proc): on a shared,
 *     noisy machine the steadier estimate of what throughput a CPU-bound app keeps
 * plus our preload with the collector down (closed port): same figures.
 * Then a tool that both serves and calls (bench/preload-client-server-app.cjs: a loopback
 * server and a keep-alive client in one process, Node 20 by default, V8's own heap sizing):
 * RSS and V8's young generation size after 10,000 to --requests requests and peak RSS, no
 * preload against ours in interleaved rounds (issue 14 item 9: heapUsed stays flat, the
 * young generation grows; figures in docs/operators/preload.md, Cost).
 * Targets (issue 3): startup added <= 50 ms, RSS added <= 10 MiB, throughput >= 70%.
 * Load: rounds of the same duration, interleaved across variants (machine noise hits all
 * alike), each on a fresh app; medians reported. The load generator is wrk (bench/wrk.ts):
 * it needs a fraction of a core, so the app, not the generator, sets the pace. (With
 * autocannon, which needs most of a core, the app without preload was held to ~60% of
 * what it can serve and every ratio looked better than it is.)
 * Run: node --import tsx bench/preload-overhead.ts [--starts N] [--rounds N] [--seconds N] [--node 18|20|22|24]
 *        [--part all|fastify|client-server] [--requests N] [--cs-rounds N] [--cs-node 18|20|22|24]
 *        [--cs-other-preload PATH/preload.cjs]   (another build in the client+server rounds)
 * (needs wrk: scripts/setup --bench)
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_NODE, NODE_MATRIX, nodeBinary, type NodeMajor } from '../tests/support/node-runtimes.js';
import { freePort } from '../tests/support/ports.js';
import { preloadPath, repoRoot } from '../tests/support/preload-bundle.js';
import { startProcess } from '../tests/support/processes.js';
import { requireWrk, runWrk } from './wrk.js';

/** utime + stime of a process, in clock ticks (100 per second on Linux). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

const { values: args } = parseArgs({
  options: {
    starts: { type: 'string', default: '15' },
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '5' },
    node: { type: 'string', default: String(DEFAULT_NODE) },
    part: { type: 'string', default: 'all' },
    requests: { type: 'string', default: '100000' },
    'cs-rounds': { type: 'string', default: '3' },
    'cs-node': { type: 'string', default: '20' },
    'cs-other-preload': { type: 'string' },
  },
});
if (!['all', 'fastify', 'client-server'].includes(args.part)) throw new Error('--part must be all, fastify or client-server');
const STARTS = Number(args.starts);
const ROUNDS = Number(args.rounds);
const SECONDS = Number(args.seconds);
const WARM_UP_SECONDS = 2;
/**
 * Every variant runs with V8's young generation at one fixed size. Left to itself, V8
 * doubles it under this flood at a moment that depends on how many bytes survived its
 * collections so far: after 10-20 s with the preload, after 50-60 s without (measured with
 * v8.getHeapSpaceStatistics, Node 22 and 24), and peak RSS then said +6 or +18 MiB for the
 * preload depending only on the round's length. Fixed, peak RSS compares what each
 * variant holds; both apps reach that size on their own in a long flood.
 */
const HEAP_FLAGS = ['--min-semi-space-size=16', '--max-semi-space-size=16'];
const app = path.join(repoRoot, 'bench', 'preload-fastify-app.cjs');
function nodeOption(name: string, value: string): { major: number; binary: string } {
  const major = Number(value);
  if (!NODE_MATRIX.includes(major as NodeMajor & (typeof NODE_MATRIX)[number])) throw new Error(`--${name} must be one of ${NODE_MATRIX.join(', ')}`);
  return { major, binary: nodeBinary(major as NodeMajor) };
}
const { major, binary: node } = nodeOption('node', args.node);
const clientServerNode = nodeOption('cs-node', args['cs-node']);
if (args.part !== 'client-server') requireWrk();

/** An OTLP endpoint that accepts and discards: the bench measures the app, not a decoder. */
async function startSink(): Promise<{ endpoint: string; requests: () => number; stop: () => Promise<void> }> {
  let count = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count++;
      // With a length, as the collector answers: the preload then keeps its connection.
      res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => count,
    stop: () => new Promise((r) => server.close(() => r())),
  };
}

interface Variant {
  name: string;
  env: NodeJS.ProcessEnv;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function startApp(v: Variant) {
  const t0 = process.hrtime.bigint();
  const p = startProcess({ name: v.name, command: node, args: [...HEAP_FLAGS, app], env: v.env });
  const port = Number((await p.waitForOutput(/listening (\d+)/, 30000))[1]);
  const startupMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { p, port, startupMs };
}

function peakRssMiB(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

const fmt = (n: number, d = 1): string => n.toFixed(d).padStart(8);
const verdict = (ok: boolean): string => (ok ? 'ok' : 'MISSED');

async function fastifyPart(): Promise<void> {
  // Startup, interleaved so machine noise hits every variant alike.
  const startups = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let i = 0; i < STARTS; i++) {
    for (const v of variants) {
      const { p, startupMs } = await startApp(v);
      startups.get(v.name)!.push(startupMs);
      await p.stop('SIGKILL');
    }
  }

  interface Row {
    name: string;
    startup: number;
    rss: number;
    rps: number;
    p99: number;
    /** CPU microseconds the app spent per request. */
    cpuUs: number;
  }

  /** One load round on a fresh app: SECONDS of wrk at 10 connections, after WARM_UP_SECONDS of the same (JIT, pools). */
  async function loadRound(v: Variant): Promise<Omit<Row, 'name' | 'startup'>> {
    const { p, port } = await startApp(v);
    const url = `http://127.0.0.1:${port}/`;
    await runWrk({ url, connections: 10, seconds: WARM_UP_SECONDS });
    const ticks0 = cpuTicks(p.child.pid!);
    const r = await runWrk({ url, connections: 10, seconds: SECONDS });
    const cpuUs = ((cpuTicks(p.child.pid!) - ticks0) * 10000) / r.requests;
    if (r.failures > 0) throw new Error(`${v.name}: ${r.failures} failed requests`);
    const row = { rss: peakRssMiB(p.child.pid!), rps: r.requestsPerSecond, p99: r.p99Ms, cpuUs };
    await p.stop('SIGKILL');
    return row;
  }

  // Load rounds interleaved like the starts; each figure is the median of its rounds.
  const rounds = new Map<string, Array<Omit<Row, 'name' | 'startup'>>>(variants.map((v) => [v.name, []]));
  for (let i = 0; i < ROUNDS; i++) for (const v of variants) rounds.get(v.name)!.push(await loadRound(v));
  const rows: Row[] = variants.map((v) => {
    const rs = rounds.get(v.name)!;
    return {
      name: v.name,
      startup: median(startups.get(v.name)!),
      rss: median(rs.map((r) => r.rss)),
      rps: median(rs.map((r) => r.rps)),
      p99: median(rs.map((r) => r.p99)),
      cpuUs: median(rs.map((r) => r.cpuUs)),
    };
  });

  const baseline = rows[0]!;
  console.log(`Node ${major} (${node}), ${STARTS} starts per variant, ${ROUNDS} interleaved load rounds of ${SECONDS} s at 10 connections (medians), 100% sampling`);
  console.log('variant                  startup ms  +ms    x      peak RSS MiB  +MiB   req/s      ratio  p99 ms  CPU us/req  CPU ratio');
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(24)} ${fmt(r.startup)} ${fmt(r.startup - baseline.startup)} ${fmt(r.startup / baseline.startup, 2)} ${fmt(r.rss)} ${fmt(r.rss - baseline.rss)} ${fmt(r.rps, 0)} ${fmt(r.rps / baseline.rps, 2)} ${fmt(r.p99, 2)} ${fmt(r.cpuUs, 1)}    ${fmt(baseline.cpuUs / r.cpuUs, 2)}`,
    );
  }
  const o = rows[1]!;
  console.log(`targets (ours): startup added ${(o.startup - baseline.startup).toFixed(1)} ms <= 50 ${verdict(o.startup - baseline.startup <= 50)}; RSS added ${(o.rss - baseline.rss).toFixed(1)} MiB <= 10 ${verdict(o.rss - baseline.rss <= 10)}; throughput ${(100 * o.rps / baseline.rps).toFixed(0)}% >= 70% ${verdict(o.rps / baseline.rps >= 0.7)} (by CPU per request: ${(100 * baseline.cpuUs / o.cpuUs).toFixed(0)}%)`);
}

const clientServerApp = path.join(repoRoot, 'bench', 'preload-client-server-app.cjs');
const REQUESTS = Number(args.requests);
const CS_ROUNDS = Number(args['cs-rounds']);
const CHECKPOINTS = [10000, 25000, 50000, 100000, REQUESTS].filter((n, i, all) => n <= REQUESTS && all.indexOf(n) === i);

/** One client+server run on a fresh process: RSS and V8's young generation (MiB) at each checkpoint, and peak RSS. */
async function clientServerRound(v: Variant): Promise<{ at: number[]; young: number[]; peak: number }> {
  const env = { ...v.env, REQUESTS: String(REQUESTS), CONCURRENCY: '10', CHECKPOINTS: CHECKPOINTS.join(',') };
  const p = startProcess({ name: `${v.name} (client+server)`, command: clientServerNode.binary, args: [clientServerApp], env });
  const exit = await p.exited;
  if (exit.code !== 0) throw new Error(`${v.name}: client+server app exited ${exit.code}: ${p.stderr()}`);
  const out = p.stdout();
  const line = (n: number): RegExpExecArray | null => new RegExp(`^at ${n} rss (\\d+) heap \\d+ new (\\d+)`, 'm').exec(out);
  const at = CHECKPOINTS.map((n) => Number(line(n)?.[1]) / 2 ** 20);
  const young = CHECKPOINTS.map((n) => Number(line(n)?.[2]) / 2 ** 20);
  return { at, young, peak: Number(/^peak (\d+)/m.exec(out)?.[1]) / 2 ** 20 };
}

async function clientServerPart(): Promise<void> {
  // Another build of the preload (e.g. the commit before a change), in the same interleaved rounds.
  const other: Variant[] = args['cs-other-preload'] === undefined ? [] : [{ name: 'other build', env: { ...base, NODE_OPTIONS: `--require ${path.resolve(args['cs-other-preload'])}` } }];
  const compared = [...variants.slice(0, 2), ...other];
  const runs = new Map<string, Array<{ at: number[]; young: number[]; peak: number }>>(compared.map((v) => [v.name, []]));
  for (let i = 0; i < CS_ROUNDS; i++) for (const v of compared) runs.get(v.name)!.push(await clientServerRound(v));
  const [none, ...preloaded] = compared.map((v) => {
    const rs = runs.get(v.name)!;
    return {
      name: v.name,
      at: CHECKPOINTS.map((_, j) => median(rs.map((r) => r.at[j]!))),
      young: CHECKPOINTS.map((_, j) => median(rs.map((r) => r.young[j]!))),
      peak: median(rs.map((r) => r.peak)),
    };
  }) as [{ at: number[]; young: number[]; peak: number }, ...Array<{ name: string; at: number[]; young: number[]; peak: number }>];
  console.log(`\nclient+server in one process (Node ${clientServerNode.major}, V8's own heap sizing), ${REQUESTS} requests at 10 concurrent, ${CS_ROUNDS} interleaved rounds (medians)`);
  if (other.length > 0) console.log(`other build: ${args['cs-other-preload']}`);
  console.log(`requests   RSS MiB: no preload ${preloaded.map((p) => `${p.name.padStart(12)}     +MiB`).join(' ')}`);
  const row = (label: string, bare: number, values: number[]): string => `${label.padEnd(10)} ${fmt(bare).padStart(20)} ${values.map((v) => `${fmt(v).padStart(12)} ${fmt(v - bare)}`).join(' ')}`;
  CHECKPOINTS.forEach((n, j) => console.log(row(String(n), none.at[j]!, preloaded.map((p) => p.at[j]!))));
  console.log(row('peak', none.peak, preloaded.map((p) => p.peak)));
  // The young generation (v8 new_space size) is most of the difference: V8 doubles it at moments set by the bytes that outlived its scavenges.
  console.log(`young generation MiB at ${CHECKPOINTS.join(', ')}: ${[{ name: 'no preload', young: none.young }, ...preloaded].map((p) => `${p.name} ${p.young.map((y) => y.toFixed(0)).join('/')}`).join('; ')}`);
  for (const p of preloaded) {
    const worst = Math.max(p.peak - none.peak, ...CHECKPOINTS.map((_, j) => p.at[j]! - none.at[j]!));
    console.log(`target (${p.name}): RSS added at most ${worst.toFixed(1)} MiB <= 10 ${verdict(worst <= 10)}`);
  }
}

const sink = await startSink();
const base: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  OTEL_SERVICE_NAME: 'bench-tool',
  OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
};
const ours = `--require ${await preloadPath()}`;
const variants: Variant[] = [
  { name: 'no preload', env: base },
  { name: 'our preload', env: { ...base, NODE_OPTIONS: ours } },
  {
    name: 'stock register',
    // Non-cloud detectors only: a benchmark never sends a packet off loopback.
    env: { ...base, NODE_OPTIONS: '--require @opentelemetry/auto-instrumentations-node/register', OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process' },
  },
  { name: 'ours, collector down', env: { ...base, NODE_OPTIONS: ours, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}` } },
];

if (args.part !== 'client-server') await fastifyPart();
if (args.part !== 'fastify') await clientServerPart();
await sink.stop();
console.log(`OTLP export requests received by the sink: ${sink.requests()}`);
