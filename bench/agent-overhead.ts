/**
 * What the eBPF agent costs the tools it watches, measured in one run against a baseline
 * (no probes at all) and against a per-event tracer in the style of the earlier NFS tracer
 * (a bpftrace program printing one line per event, read by a process):
 *   - connect loop: connect()+close() to a loopback listener, as fast as it goes;
 *   - HTTPS loop: /usr/bin/python3 GET requests over one TLS connection (the system libssl,
 *     which the agent's uprobes watch) to a loopback HTTPS server;
 *   - open loop: open()+close() of a file outside the NFS prefixes;
 *   each as throughput relative to no agent (the mean of the no-agent runs before and after);
 *   - sustained: connects at --rate per second for --sustain seconds, with the agent (its
 *     count against the connects made, its lost-event and map-overflow counters) and with
 *     the per-event tracer (lines read against connects, bpftrace's "Lost N events");
 *   - the agent's own CPU and memory at --paced-rate connects per second, the daemon and
 *     bpftrace apart, each as anonymous and file-backed (bpftrace's file-backed part is
 *     mostly its LLVM library: page cache, shared with any other bpftrace, reclaimable).
 * Targets (issue 11): connect >= 0.95, open >= 0.90, HTTPS >= 0.97 of no-agent throughput;
 * zero lost events at 20,000 connects/s for 60 s; agent under 150 MiB and 0.1 core at
 * 1,000 events/s.
 *
 * The loops run as a tool (uid 50101, tools.benchtool through --uid-map), one process
 * each. The machine this was written on has 2 cores shared with other builds: a ratio is
 * only as good as the noise of its rounds, which the output shows (each round's ratio).
 * Other bpftrace programs (other engineers' tests) slow every process's syscalls too: each
 * loop waits up to --quiet-wait seconds for none to run, and each round says how many were
 * running at most while it was measured.
 * Run as root: node --import tsx bench/agent-overhead.ts [--rounds N] [--seconds N]
 *   [--workloads connect,https,open] [--quiet-wait S] [--rate N] [--sustain N (0: no sustained part)]
 *   [--paced-rate N] [--paced-seconds N]
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { requireBinary, requireRoot } from '../tests/support/binaries.js';
import { freePort } from '../tests/support/ports.js';
import { repoRoot } from '../tests/support/preload-bundle.js';
import { runToExit, startProcess, type ManagedProcess } from '../tests/support/processes.js';
import { makeTempDir } from '../tests/support/temp-dir.js';
import { selfSignedCertificate } from '../tests/support/tls.js';
import { comm, othersBpftrace } from './machine-processes.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '5' },
    workloads: { type: 'string', default: 'connect,https,open' },
    'quiet-wait': { type: 'string', default: '120' },
    rate: { type: 'string', default: '20000' },
    sustain: { type: 'string', default: '60' },
    'paced-rate': { type: 'string', default: '1000' },
    'paced-seconds': { type: 'string', default: '30' },
  },
});
const ROUNDS = Number(args.rounds);
const SECONDS = Number(args.seconds);
const QUIET_WAIT = Number(args['quiet-wait']);
const RATE = Number(args.rate);
const SUSTAIN = Number(args.sustain);
const PACED_RATE = Number(args['paced-rate']);
const PACED_SECONDS = Number(args['paced-seconds']);

const TOOL_UID = 50101;
const TOOL = 'benchtool';
const PYTHON = '/usr/bin/python3';
const LIBSSL = '/usr/lib/x86_64-linux-gnu/libssl.so.3';
const WORKLOAD = path.join(repoRoot, 'bench', 'agent-workload.py');
const AGENT = path.join(repoRoot, 'bin', 'toolforge-tracing');

requireRoot('bpftrace and the agent run as root; the loops run as a tool uid');
const setpriv = requireBinary('setpriv', 'util-linux');
const bpftrace = requireBinary('bpftrace', 'bpftrace');

type Workload = 'connect' | 'https' | 'open';
const ALL_WORKLOADS: readonly Workload[] = ['connect', 'https', 'open'];
const WORKLOADS = args.workloads.split(',') as Workload[];
for (const w of WORKLOADS) if (!ALL_WORKLOADS.includes(w)) throw new Error(`--workloads: ${w} is not one of ${ALL_WORKLOADS.join(', ')}`);

interface Ports {
  tcp: number;
  https: number;
}

interface LoopResult {
  ops: number;
  seconds: number;
}

const perSecond = (r: LoopResult) => r.ops / r.seconds;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mib = (kib: number) => (kib / 1024).toFixed(1);

/** One loop as the tool's uid. */
async function loop(workload: Workload, ports: Ports, files: { cert: string; openTarget: string }, seconds: number, rate?: number): Promise<LoopResult> {
  const argv =
    workload === 'connect'
      ? ['connect', String(ports.tcp), String(seconds), ...(rate === undefined ? [] : [String(rate)])]
      : workload === 'https'
        ? ['https', String(ports.https), files.cert, String(seconds)]
        : ['open', files.openTarget, String(seconds)];
  const result = await runToExit(
    {
      name: `${workload} loop`,
      command: setpriv,
      args: ['--reuid', String(TOOL_UID), '--regid', String(TOOL_UID), '--clear-groups', PYTHON, WORKLOAD, ...argv],
      env: { PATH: '/usr/bin:/bin', HOME: '/tmp' },
      cwd: '/tmp',
    },
    (seconds + 60) * 1000,
  );
  if (result.code !== 0) throw new Error(`${workload} loop failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as LoopResult;
}

/** Prometheus text -> value of the first sample whose name and labels match. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').pop());
  }
  return 0;
}

interface Agent {
  proc: ManagedProcess;
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

async function startAgent(dir: string): Promise<Agent> {
  const uidMap = path.join(dir, 'uid-map.yaml');
  writeFileSync(uidMap, `${TOOL_UID}: tools.${TOOL}\n`);
  const port = await freePort();
  const proc = startProcess({
    name: 'toolforge-tracing agent',
    command: AGENT,
    args: ['agent', '--metrics-listen', `127.0.0.1:${port}`, '--uid-map', uidMap, '--interval', '2', '--hold-new-series-seconds', '0'],
    // The V8 setting the agent image and the systemd unit run it with.
    env: { PATH: process.env.PATH, HOME: dir, NODE_OPTIONS: '--max-semi-space-size=1' },
  });
  const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const started = Date.now();
  for (;;) {
    if (Date.now() - started > 600_000) throw new Error(`the agent did not attach its probes in 10 minutes:\n${proc.stderr()}`);
    const exit = await Promise.race([proc.exited, new Promise((r) => setTimeout(r, 2000, undefined))]);
    if (exit !== undefined) throw new Error(`the agent exited: ${proc.stderr()}`);
    try {
      const text = await metrics();
      if (['tcp', 'writes', 'tls', 'files'].every((probe) => sample(text, 'toolforge_agent_probes_attached', { probe }) === 1)) break;
    } catch {
      // not listening yet
    }
  }
  process.stdout.write(`  agent ready after ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  return { proc, metrics, stop: async () => void (await proc.stop('SIGTERM', 30_000)) };
}

interface PerEventTracer {
  lines(kind: string): number;
  lost(): number;
  stop(): Promise<void>;
}

/** One printed line per event of a tool process, counted by this process as it reads them (the file-access tracer's shape). */
async function startPerEventTracer(dir: string): Promise<PerEventTracer> {
  const program = path.join(dir, 'per-event.bt');
  writeFileSync(
    program,
    [
      `tracepoint:sock:inet_sock_set_state /uid >= 1000 && args->newstate == 2/ { printf("connect %d %d %d\\n", uid, pid, args->dport); }`,
      `tracepoint:syscalls:sys_enter_openat /uid >= 1000/ { printf("open %d %d %s\\n", uid, pid, str(args->filename)); }`,
      `uprobe:${LIBSSL}:SSL_write, uprobe:${LIBSSL}:SSL_write_ex /uid >= 1000/ { printf("tls %d %d %d\\n", uid, pid, arg2); }`,
      '',
    ].join('\n'),
  );
  const proc = startProcess({ name: 'per-event tracer', command: bpftrace, args: ['-B', 'line', program], env: { PATH: process.env.PATH } });
  await proc.waitForOutput(/Attaching \d+ probes/, 120_000);
  // Past the "Attaching" line: give the probes a moment to be live.
  await new Promise((r) => setTimeout(r, 1000));
  const counts = new Map<string, number>();
  let lost = 0;
  let partial = '';
  proc.child.stdout!.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('latin1');
    const lines = text.split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const kind = line.slice(0, line.indexOf(' '));
      if (kind === 'Lost') lost += Number(/^Lost (\d+) events/.exec(line)?.[1] ?? 0);
      // Every tool's events are printed (as the old tracer printed every tools.* user's); the bench counts its own tool's.
      else if (!line.startsWith(`${kind} ${TOOL_UID} `)) continue;
      // The old tracer's user-space filter: only opens under the shared volumes matter.
      else if (kind === 'open' && !/ \/(data\/project|data\/scratch|public\/dumps|mnt\/nfs\/dumps-)/.test(line)) counts.set('open-outside', (counts.get('open-outside') ?? 0) + 1);
      else counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
  });
  return { lines: (kind) => counts.get(kind) ?? 0, lost: () => lost, stop: async () => void (await proc.stop('SIGINT', 10_000)) };
}

/** The parent pid of a process (undefined when it is gone). */
/** A process and its descendants. */
function tree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      for (const task of readFileSync(`/proc/${pids[i]}/task/${pids[i]}/children`, 'utf8').trim().split(/\s+/)) if (task !== '') pids.push(Number(task));
    } catch {
      // gone
    }
  }
  return pids;
}

/** utime+stime (clock ticks) of a process and its descendants. */
function cpuTicks(pid: number): number {
  let ticks = 0;
  for (const p of tree(pid)) {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks;
}

/**
 * Memory of processes, summed, in KiB: VmRSS, VmHWM, RssAnon and RssFile (/proc/<pid>/status),
 * Pss_Anon and Pss_File (smaps_rollup: pages shared with other processes counted by share).
 */
interface Memory {
  rss: number;
  hwm: number;
  anon: number;
  file: number;
  pssAnon: number;
  pssFile: number;
}

function memoryOf(pids: readonly number[]): Memory {
  const total: Memory = { rss: 0, hwm: 0, anon: 0, file: 0, pssAnon: 0, pssFile: 0 };
  const field = (text: string, name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  for (const p of pids) {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const rollup = readFileSync(`/proc/${p}/smaps_rollup`, 'utf8');
      total.rss += field(status, 'VmRSS');
      total.hwm += field(status, 'VmHWM');
      total.anon += field(status, 'RssAnon');
      total.file += field(status, 'RssFile');
      total.pssAnon += field(rollup, 'Pss_Anon');
      total.pssFile += field(rollup, 'Pss_File');
    } catch {
      // gone
    }
  }
  return total;
}

/** The daemon's memory and its bpftrace's, apart. */
function agentMemory(daemonPid: number): { daemon: Memory; bpftrace: Memory } {
  return { daemon: memoryOf([daemonPid]), bpftrace: memoryOf(tree(daemonPid).filter((p) => comm(p) === 'bpftrace')) };
}

const formatMemory = (m: Memory) =>
  `RSS ${mib(m.rss)} MiB (anonymous ${mib(m.anon)}, file-backed ${mib(m.file)}; PSS anonymous ${mib(m.pssAnon)}, file-backed ${mib(m.pssFile)}; peak RSS ${mib(m.hwm)})`;

async function main(): Promise<void> {
  const dir = await makeTempDir('agent-bench');
  const tls = await selfSignedCertificate(dir.path, ['localhost']);
  const openTarget = path.join(dir.path, 'not-shared.txt');
  writeFileSync(openTarget, 'x');
  // The loops run as the tool's uid: they read the CA file and open the target.
  chmodSync(dir.path, 0o755);
  chmodSync(tls.certFile, 0o644);
  const servers = startProcess({ name: 'bench servers', command: process.execPath, args: [path.join(repoRoot, 'bench', 'agent-bench-servers.mjs'), tls.certFile, tls.keyFile] });
  const [, tcpPort, httpsPort] = await servers.waitForOutput(/tcp (\d+) https (\d+)/, 30_000);
  const ports: Ports = { tcp: Number(tcpPort), https: Number(httpsPort) };
  const files = { cert: tls.certFile, openTarget };
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  process.stdout.write(`agent overhead: ${ROUNDS} rounds of ${SECONDS} s per loop; load average at start ${load()} (2 shared cores)\n`);

  const runs: Record<'none' | 'agent' | 'tracer', Record<Workload, number[]>> = {
    none: { connect: [], https: [], open: [] },
    agent: { connect: [], https: [], open: [] },
    tracer: { connect: [], https: [], open: [] },
  };
  // The most bpftrace processes of others seen at once while the loops of a round ran.
  let others = 0;
  const measureAll = async (variant: keyof typeof runs) => {
    for (const w of WORKLOADS) {
      for (const until = Date.now() + QUIET_WAIT * 1000; othersBpftrace() > 0 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 1000));
      others = Math.max(others, othersBpftrace());
      runs[variant][w].push(perSecond(await loop(w, ports, files, SECONDS)));
      others = Math.max(others, othersBpftrace());
    }
  };
  const ratios: Record<'agent' | 'tracer', Record<Workload, number[]>> = { agent: { connect: [], https: [], open: [] }, tracer: { connect: [], https: [], open: [] } };
  const agentPhases: string[] = [];

  try {
    for (let round = 0; round < ROUNDS; round++) {
      const before = runs.none[WORKLOADS[0]!].length;
      others = 0;
      await measureAll('none');
      const agent = await startAgent(dir.path);
      const before0 = { ticks: cpuTicks(agent.proc.child.pid!), metrics: await agent.metrics(), at: Date.now() };
      await measureAll('agent');
      const after0 = { ticks: cpuTicks(agent.proc.child.pid!), metrics: await agent.metrics(), at: Date.now() };
      const restarts = sample(after0.metrics, 'toolforge_agent_bpftrace_restarts_total') - sample(before0.metrics, 'toolforge_agent_bpftrace_restarts_total');
      agentPhases.push(`round ${round + 1}: the agent used ${((after0.ticks - before0.ticks) / 100 / ((after0.at - before0.at) / 1000)).toFixed(2)} cores while the loops ran, bpftrace restarted ${restarts} times`);
      await agent.stop();
      const tracer = await startPerEventTracer(dir.path);
      await measureAll('tracer');
      await tracer.stop();
      await measureAll('none');
      for (const w of WORKLOADS) {
        const base = (runs.none[w][before]! + runs.none[w][before + 1]!) / 2;
        ratios.agent[w].push(runs.agent[w][round]! / base);
        ratios.tracer[w].push(runs.tracer[w][round]! / base);
      }
      process.stdout.write(
        `  round ${round + 1} (load ${load()}, others' bpftrace ${others}): ${WORKLOADS.map((w) => `${w} ${runs.none[w][before]!.toFixed(0)}/s none, agent ${ratios.agent[w][round]!.toFixed(3)}, per-event ${ratios.tracer[w][round]!.toFixed(3)}`).join('; ')}\n`,
      );
    }

    const fmt = (xs: number[]) => `${median(xs).toFixed(3)} (rounds: ${xs.map((x) => x.toFixed(3)).join(', ')})`;
    const names: Record<Workload, string> = { connect: 'connect()+close() loop ', https: 'Python HTTPS requests  ', open: 'open() outside prefixes' };
    const targets: Record<Workload, string> = { connect: '0.95', https: '0.97', open: '0.90' };
    if (ROUNDS > 0) {
      process.stdout.write('\nthroughput relative to no agent (median of rounds):\n');
      for (const w of WORKLOADS) process.stdout.write(`  ${names[w]}  agent ${fmt(ratios.agent[w])}   per-event tracer ${fmt(ratios.tracer[w])}   target >= ${targets[w]}\n`);
      for (const line of agentPhases) process.stdout.write(`  ${line}\n`);
      process.stdout.write(`  no-agent rates (median): ${WORKLOADS.map((w) => `${w} ${median(runs.none[w]).toFixed(0)}/s`).join(', ')}\n`);
    }

    const agent = await startAgent(dir.path);
    if (SUSTAIN > 0) {
      // Sustained connects: what each loses.
      const series = { tool: TOOL, dependency: 'local:loopback', unit: 'connection' };
      const m0 = await agent.metrics();
      const sustainedAgent = await loop('connect', ports, files, SUSTAIN, RATE);
      await new Promise((r) => setTimeout(r, 6000));
      const m1 = await agent.metrics();
      const agentCounted = sample(m1, 'toolforge_internal_dependencies_total', series) - sample(m0, 'toolforge_internal_dependencies_total', series);
      const agentLost = sample(m1, 'toolforge_agent_events_lost_total') - sample(m0, 'toolforge_agent_events_lost_total');
      const overflow = sample(m1, 'toolforge_agent_map_overflow_total') - sample(m0, 'toolforge_agent_map_overflow_total');
      const sustainedRestarts = sample(m1, 'toolforge_agent_bpftrace_restarts_total') - sample(m0, 'toolforge_agent_bpftrace_restarts_total');
      process.stdout.write(`\nsustained connects, asked ${RATE}/s for ${SUSTAIN} s:\n`);
      process.stdout.write(
        `  agent:            ${sustainedAgent.ops} connects at ${perSecond(sustainedAgent).toFixed(0)}/s; counted ${agentCounted} (missing ${sustainedAgent.ops - agentCounted}), events lost ${agentLost}, map overflow ${overflow}, bpftrace restarts ${sustainedRestarts}\n`,
      );
    }

    // The agent's own cost at a paced rate.
    const pid = agent.proc.child.pid!;
    const ticks0 = cpuTicks(pid);
    const t0 = Date.now();
    const paced = await loop('connect', ports, files, PACED_SECONDS, PACED_RATE);
    const cores = (cpuTicks(pid) - ticks0) / 100 / ((Date.now() - t0) / 1000);
    const memory = agentMemory(pid);
    await agent.stop();

    if (SUSTAIN > 0) {
      const tracer = await startPerEventTracer(dir.path);
      const sustainedTracer = await loop('connect', ports, files, SUSTAIN, RATE);
      await new Promise((r) => setTimeout(r, 3000));
      const tracerLines = tracer.lines('connect');
      const tracerLost = tracer.lost();
      await tracer.stop();
      process.stdout.write(
        `  per-event tracer: ${sustainedTracer.ops} connects at ${perSecond(sustainedTracer).toFixed(0)}/s; lines read ${tracerLines} (missing ${sustainedTracer.ops - tracerLines}), bpftrace reported ${tracerLost} lost\n`,
      );
    }

    const sum = (key: keyof Memory) => memory.daemon[key] + memory.bpftrace[key];
    process.stdout.write(`\nagent's own cost at ${perSecond(paced).toFixed(0)} connects/s for ${PACED_SECONDS} s: CPU ${cores.toFixed(3)} cores (daemon + bpftrace; target < 0.1)\n`);
    process.stdout.write(`  daemon:   ${formatMemory(memory.daemon)}\n  bpftrace: ${formatMemory(memory.bpftrace)}\n`);
    process.stdout.write(
      `  both: RSS ${mib(sum('rss'))} MiB, of it anonymous ${mib(sum('anon'))} MiB (what the agent itself holds; the rest is file-backed page cache); PSS ${mib(sum('pssAnon') + sum('pssFile'))} MiB; target < 150 MiB\n`,
    );
    process.stdout.write(`load average at the end ${load()}\n`);
  } finally {
    await servers.stop();
    await dir.remove();
  }
}

await main();
