import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeLoopbackPort, startProcess, waitFor, type ManagedProcess } from './managed-process.js';

/** The collector configs under test, and the binary built from collector-config/builder.yaml. */
export const COLLECTOR_CONFIG_DIR = fileURLToPath(new URL('../../collector-config/', import.meta.url));
const BINARY = 'otelcol-toolforge';

/** The collector binary: from TOOLFORGE_TRACING_TOOLS_BIN (set by scripts/test) or PATH. Missing = a failure naming it. */
export function otelcolBinary(): string {
  const dirs = [process.env.TOOLFORGE_TRACING_TOOLS_BIN, ...(process.env.PATH ?? '').split(delimiter)].filter((d): d is string => !!d);
  for (const dir of dirs) {
    const candidate = join(dir, BINARY);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`${BINARY} not found on PATH or in TOOLFORGE_TRACING_TOOLS_BIN: build it with scripts/setup --test (ensure_otelcol in scripts/lib/common.sh)`);
}

/** Only what the collector needs: a test's own OTEL_* variables must not leak into it. */
function collectorEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...vars };
}

/** `otelcol-toolforge validate` over one or more config files merged in order. */
export function validateCollectorConfig(configFiles: string[], vars: Record<string, string>): { ok: boolean; output: string } {
  const args = ['validate', ...configFiles.flatMap((f) => ['--config', f])];
  const result = spawnSync(otelcolBinary(), args, { env: collectorEnv(vars), encoding: 'utf8', timeout: 60_000 });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

export interface LocalCollector {
  /** OTLP/HTTP base URL tools export to (OTEL_EXPORTER_OTLP_ENDPOINT). */
  readonly otlpEndpoint: string;
  /** host:port of the collector's own Prometheus metrics. */
  readonly selfMetricsTarget: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * Runs collector-config/local.yaml on free loopback ports: service graph to `remoteWriteUrl`,
 * sampled traces to `tracesEndpoint`. Resolves once the health check answers.
 */
export async function startLocalCollector(options: { workDir: string; remoteWriteUrl: string; tracesEndpoint: string }): Promise<LocalCollector> {
  const [otlpPort, metricsPort, healthPort] = [await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort()];
  const env = collectorEnv({
    TOOLFORGE_TRACING_OTLP_HTTP_ENDPOINT: `127.0.0.1:${otlpPort}`,
    TOOLFORGE_TRACING_PROMETHEUS_REMOTE_WRITE_URL: options.remoteWriteUrl,
    TOOLFORGE_TRACING_TRACES_ENDPOINT: options.tracesEndpoint,
    TOOLFORGE_TRACING_COLLECTOR_METRICS_PORT: String(metricsPort),
    TOOLFORGE_TRACING_HEALTH_ENDPOINT: `127.0.0.1:${healthPort}`,
  });
  const proc = startProcess(otelcolBinary(), ['--config', join(COLLECTOR_CONFIG_DIR, 'local.yaml')], {
    env,
    logPath: join(options.workDir, 'collector.log'),
  });
  try {
    await waitFor(
      'the collector health check',
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`collector exited with ${proc.child.exitCode}: ${proc.log().slice(-2000)}`);
        const response = await fetch(`http://127.0.0.1:${healthPort}/`);
        return response.ok ? true : undefined;
      },
      30_000,
    );
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return {
    otlpEndpoint: `http://127.0.0.1:${otlpPort}`,
    selfMetricsTarget: `127.0.0.1:${metricsPort}`,
    process: proc,
    stop: () => proc.stop(),
  };
}
