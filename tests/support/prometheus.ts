import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from './binaries.js';
import { freePort } from './ports.js';
import { startProcess, type ManagedProcess } from './processes.js';

/** One series of an instant-query result. */
export interface Sample {
  metric: Record<string, string>;
  value: number;
}

/** A scrape target: host:port, over http, or https without certificate checks (self-signed test servers). */
export interface ScrapeTarget {
  address: string;
  scheme?: 'http' | 'https';
}

export interface TestPrometheus {
  readonly url: string;
  /** Where OTLP->Prometheus remote write goes. */
  readonly remoteWriteUrl: string;
  readonly process: ManagedProcess;
  query(promql: string): Promise<Sample[]>;
  /** Polls `promql` until `accept` holds for the result; rejects after `timeoutMs` with the last result. */
  waitFor(promql: string, accept: (samples: Sample[]) => boolean, timeoutMs: number, intervalMs?: number): Promise<Sample[]>;
  stop(): Promise<void>;
}

/** The Prometheus HTTP API's instant query, with its error message passed on as it is. */
export async function instantQuery(baseUrl: string, promql: string): Promise<Sample[]> {
  const response = await fetch(`${baseUrl}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: promql }),
  });
  const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  if (body.status !== 'success' || body.data === undefined) throw new Error(`PromQL ${JSON.stringify(promql)} failed: ${body.error ?? response.status}`);
  if (body.data.resultType !== 'vector') throw new Error(`PromQL ${JSON.stringify(promql)} returned a ${body.data.resultType}, not an instant vector`);
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/**
 * The Debian prometheus on a free loopback port with its own storage under `workDir`, the
 * remote-write receiver on, scraping each of `scrapeTargets` (path /metrics) every second.
 */
export async function startPrometheus(options: {
  workDir: string;
  scrapeTargets?: Record<string, ScrapeTarget>;
  /** Serve everything under this path (`/prometheus`), as Thanos/Mimir-style endpoints do; `url` includes it. */
  routePrefix?: string;
  /** More flags, e.g. `--storage.tsdb.retention.time=10y` for backfilled data. */
  args?: string[];
  /** Prometheus writes every query it runs here (one JSON object a line): what a test counts queries by. */
  queryLogFile?: string;
}): Promise<TestPrometheus> {
  const binary = requireBinary('prometheus', 'prometheus');
  const port = await freePort();
  const dataDir = join(options.workDir, 'prometheus-data');
  mkdirSync(dataDir, { recursive: true });
  const scrapeConfigs = Object.entries(options.scrapeTargets ?? {}).map(([job, target]) => ({
    job_name: job,
    scheme: target.scheme ?? 'http',
    ...(target.scheme === 'https' ? { tls_config: { insecure_skip_verify: true } } : {}),
    static_configs: [{ targets: [target.address] }],
  }));
  const configPath = join(options.workDir, 'prometheus.yml');
  // JSON is YAML: no YAML text assembled by hand.
  writeFileSync(
    configPath,
    JSON.stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s', ...(options.queryLogFile === undefined ? {} : { query_log_file: options.queryLogFile }) },
      scrape_configs: scrapeConfigs,
    }),
  );
  const url = `http://127.0.0.1:${port}${options.routePrefix ?? ''}`;
  const proc = startProcess({
    name: 'prometheus',
    command: binary,
    args: [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      ...(options.routePrefix === undefined ? [] : [`--web.route-prefix=${options.routePrefix}`]),
      ...(options.args ?? []),
    ],
  });
  try {
    await proc.waitForOutput(/Server is ready to receive web requests/, 30_000);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  const query = (promql: string) => instantQuery(url, promql);
  const waitFor = async (promql: string, accept: (samples: Sample[]) => boolean, timeoutMs: number, intervalMs = 500): Promise<Sample[]> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const samples = await query(promql);
      if (accept(samples)) return samples;
      if (Date.now() > deadline) throw new Error(`PromQL ${promql} did not reach the expected result within ${timeoutMs} ms; last result: ${JSON.stringify(samples)}`);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  };
  return {
    url,
    remoteWriteUrl: `${url}/api/v1/write`,
    process: proc,
    query,
    waitFor,
    stop: async () => {
      await proc.stop();
    },
  };
}
