import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { requireBinary, SETUP_HINT } from '../binaries.js';
import { freePort } from '../ports.js';
import type { Supervisor } from '../supervisor.js';

export interface PrometheusSetup {
  /** Storage and config go here. */
  dir: string;
  /** Job name -> host:port scraped at /metrics. */
  scrape: Record<string, string>;
  scrapeIntervalSeconds: number;
  port?: number;
}

/** The Prometheus config as a value (JSON is YAML). */
export function prometheusConfig(setup: Pick<PrometheusSetup, 'scrape' | 'scrapeIntervalSeconds'>): object {
  const interval = `${setup.scrapeIntervalSeconds}s`;
  return {
    global: { scrape_interval: interval, evaluation_interval: interval },
    scrape_configs: Object.entries(setup.scrape).map(([job, address]) => ({ job_name: job, static_configs: [{ targets: [address] }] })),
  };
}

export function prometheusArgs(configFile: string, dataDir: string, port: number): string[] {
  return [`--config.file=${configFile}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver'];
}

export interface LocalPrometheus {
  url: string;
  remoteWriteUrl: string;
}

/** Debian's prometheus on loopback, remote-write receiver on (the collector writes the service graph there). */
export async function startPrometheus(supervisor: Supervisor, setup: PrometheusSetup): Promise<LocalPrometheus> {
  const binary = requireBinary('prometheus', `Debian package prometheus; ${SETUP_HINT}`);
  const port = setup.port ?? (await freePort());
  const dataDir = path.join(setup.dir, 'data');
  await mkdir(dataDir, { recursive: true });
  const configFile = path.join(setup.dir, 'prometheus.yml');
  await writeFile(configFile, JSON.stringify(prometheusConfig(setup)));
  const server = supervisor.start({ name: 'prometheus', command: binary, args: prometheusArgs(configFile, dataDir, port) });
  await server.waitForOutput(/Server is ready to receive web requests/, 60_000);
  const url = `http://127.0.0.1:${port}`;
  return { url, remoteWriteUrl: `${url}/api/v1/write` };
}
