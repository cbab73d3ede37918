import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { freeLoopbackPort, startProcess, waitFor, type ManagedProcess } from './managed-process.js';

/** One series of an instant-query result. */
export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface TestPrometheus {
  readonly url: string;
  /** Where OTLP->Prometheus remote write goes. */
  readonly remoteWriteUrl: string;
  readonly process: ManagedProcess;
  query(promql: string): Promise<Sample[]>;
  stop(): Promise<void>;
}

function prometheusBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') throw new Error('prometheus not found on PATH: install the Debian package prometheus (scripts/setup --test does)');
  return path;
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
 * The Debian prometheus on a free loopback port, its own storage under `workDir`, the
 * remote-write receiver on, scraping `scrapeTargets` (host:port, path /metrics) every second.
 */
export async function startPrometheus(options: { workDir: string; scrapeTargets?: Record<string, string> }): Promise<TestPrometheus> {
  const port = await freeLoopbackPort();
  const dataDir = join(options.workDir, 'prometheus-data');
  mkdirSync(dataDir, { recursive: true });
  const scrapeConfigs = Object.entries(options.scrapeTargets ?? {}).map(([job, target]) => ({
    job_name: job,
    scrape_interval: '1s',
    static_configs: [{ targets: [target] }],
  }));
  const configPath = join(options.workDir, 'prometheus.yml');
  // JSON is YAML: no templating of a YAML text by hand.
  writeFileSync(configPath, JSON.stringify({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, scrape_configs: scrapeConfigs }));
  const url = `http://127.0.0.1:${port}`;
  const proc = startProcess(
    prometheusBinary(),
    [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--log.level=warn',
    ],
    { logPath: join(options.workDir, 'prometheus.log') },
  );
  try {
    await waitFor(
      'Prometheus to be ready',
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`prometheus exited with ${proc.child.exitCode}: ${proc.log().slice(-2000)}`);
        const response = await fetch(`${url}/-/ready`);
        return response.ok ? true : undefined;
      },
      30_000,
    );
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return {
    url,
    remoteWriteUrl: `${url}/api/v1/write`,
    process: proc,
    query: (promql) => instantQuery(url, promql),
    stop: () => proc.stop(),
  };
}
