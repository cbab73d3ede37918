/**
 * Closed-loop load with wrk (Debian package `wrk`), shared by the benchmarks. wrk is C:
 * at the rates measured here it needs about a third of a core, where autocannon (Node)
 * needed most of one, on a 2-core machine whose other core runs the server under test;
 * and its latency percentiles have microsecond resolution (autocannon's are whole ms).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WrkResult {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx/3xx answers plus socket errors (connect, read, write, timeout). */
  failures: number;
}

export interface WrkLoad {
  url: string;
  connections: number;
  seconds: number;
  /** A JSON POST of this body; a GET without it. */
  postJson?: string;
}

/** Fails with the way to get wrk when it is missing. */
export function requireWrk(): void {
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined) {
    throw new Error('wrk is not installed: `scripts/setup --bench` installs it (as root), or `apt-get install wrk`');
  }
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function percentileMs(output: string, percentile: number): number {
  const m = new RegExp(`^\\s+${percentile}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(output);
  if (m === null) throw new Error(`wrk printed no ${percentile}% latency:\n${output}`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** What wrk printed, as numbers; throws on anything it did not print. */
function parseWrkOutput(output: string): WrkResult {
  const total = /^\s+(\d+) requests in ([\d.]+)(us|ms|s|m),/m.exec(output);
  const rate = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  if (total === null || rate === null) throw new Error(`unexpected wrk output:\n${output}`);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0);
  return {
    requests: Number(total[1]),
    requestsPerSecond: Number(rate[1]),
    p50Ms: percentileMs(output, 50),
    p99Ms: percentileMs(output, 99),
    failures: non2xx + socketErrors,
  };
}

export async function runWrk(load: WrkLoad): Promise<WrkResult> {
  const args = ['-t1', `-c${load.connections}`, `-d${load.seconds}s`, '--latency'];
  const dir = mkdtempSync(join(tmpdir(), 'tt-wrk-'));
  try {
    if (load.postJson !== undefined) {
      const bodyFile = join(dir, 'body.json');
      writeFileSync(bodyFile, load.postJson);
      const script = join(dir, 'post.lua');
      writeFileSync(
        script,
        `local f = assert(io.open(${JSON.stringify(bodyFile)}, "rb"))\nwrk.body = f:read("*a")\nf:close()\nwrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n`,
      );
      args.push('-s', script);
    }
    args.push(load.url);
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk ${args.join(' ')} exited ${code}:\n${out}`))));
    });
    return parseWrkOutput(output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
