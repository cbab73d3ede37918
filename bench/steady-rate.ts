/**
 * Open-loop load: requests start on a fixed schedule, whether or not earlier ones have
 * answered, over a bounded pool of kept-alive HTTPS connections. Latency is measured
 * from each request's scheduled start, so time spent waiting for a free connection
 * counts (no coordinated omission). This is how an API server calls a webhook: at the
 * rate pods are created, not as fast as the webhook answers. Closed-loop saturation
 * (wrk.ts) instead measures capacity, where latency is only connections / throughput.
 */
import { Agent, request } from 'node:https';

export interface SteadyLoad {
  url: string;
  body: string;
  /** CA of the server's certificate. */
  ca: string;
  requestsPerSecond: number;
  seconds: number;
  connections: number;
  /** Sent at the same rate first and not measured: connections and their TLS sessions get opened here. */
  warmupSeconds: number;
}

export interface SteadyResult {
  failures: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function runSteadyRate(load: SteadyLoad): Promise<SteadyResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: load.connections, ca: load.ca, servername: 'localhost' });
  const url = new URL(load.url);
  const latencies: number[] = [];
  let failures = 0;
  const inFlight = new Set<Promise<void>>();

  const send = (scheduledNs: bigint, measured: boolean): void => {
    const done = new Promise<void>((resolve) => {
      const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) failures++;
          else if (measured) latencies.push(Number(process.hrtime.bigint() - scheduledNs) / 1e6);
          resolve();
        });
      });
      req.on('error', () => {
        failures++;
        resolve();
      });
      req.end(load.body);
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };

  const warmup = Math.round(load.requestsPerSecond * load.warmupSeconds);
  const total = warmup + Math.round(load.requestsPerSecond * load.seconds);
  const intervalNs = BigInt(Math.round(1e9 / load.requestsPerSecond));
  const start = process.hrtime.bigint();
  let sent = 0;
  await new Promise<void>((resolve) => {
    // A 1 ms tick starts every request whose scheduled time has come.
    const timer = setInterval(() => {
      const now = process.hrtime.bigint();
      for (; sent < total && start + BigInt(sent) * intervalNs <= now; sent++) send(start + BigInt(sent) * intervalNs, sent >= warmup);
      if (sent === total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  await Promise.all(inFlight);
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  if (sorted.length === 0) throw new Error(`${load.url}: no request succeeded (${failures} failed)`);
  return { failures, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1)! };
}
