import { requireBinary } from '../binaries.js';
import { freePort } from '../ports.js';
import { repoPath } from '../repo-paths.js';
import type { Supervisor } from '../supervisor.js';

export interface LocalCollector {
  /** OTLP/HTTP base URL tools export to (OTEL_EXPORTER_OTLP_ENDPOINT). */
  otlpEndpoint: string;
  /** host:port of the collector's own metrics, for Prometheus. */
  selfMetrics: string;
}

/**
 * The real collector (built by scripts/setup from collector-config/builder.yaml) running
 * collector-config/local.yaml: the gateway's service graph and sampling, on loopback.
 */
export async function startLocalCollector(supervisor: Supervisor, options: { remoteWriteUrl: string; tracesEndpoint: string }): Promise<LocalCollector> {
  const binary = requireBinary('otelcol-toolforge', 'the OpenTelemetry Collector is built by scripts/setup --local (or scripts/start) into ~/.cache/toolforge-tracing');
  const [otlpPort, healthPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const collector = supervisor.start({
    name: 'collector',
    command: binary,
    args: ['--config', repoPath('collector-config', 'local.yaml')],
    // Only what the config reads: the caller's OTEL_* variables must not reach it.
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      TOOLFORGE_TRACING_OTLP_HTTP_ENDPOINT: `127.0.0.1:${otlpPort}`,
      TOOLFORGE_TRACING_PROMETHEUS_REMOTE_WRITE_URL: options.remoteWriteUrl,
      TOOLFORGE_TRACING_TRACES_ENDPOINT: options.tracesEndpoint,
      TOOLFORGE_TRACING_COLLECTOR_METRICS_PORT: String(metricsPort),
      TOOLFORGE_TRACING_HEALTH_ENDPOINT: `127.0.0.1:${healthPort}`,
    },
  });
  await collector.waitForOutput(/Everything is ready/, 60_000);
  return { otlpEndpoint: `http://127.0.0.1:${otlpPort}`, selfMetrics: `127.0.0.1:${metricsPort}` };
}
