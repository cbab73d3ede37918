import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { freePort } from './ports.js';
import { runToExit, startProcess, type ManagedProcess } from './processes.js';
import { repoRoot } from './preload-bundle.js';

/** The collector configs under test, and the binary built from collector-config/builder.yaml. */
export const COLLECTOR_CONFIG_DIR = join(repoRoot, 'collector-config');
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
export async function validateCollectorConfig(configFiles: string[], vars: Record<string, string>): Promise<{ ok: boolean; output: string }> {
  const args = ['validate', ...configFiles.flatMap((f) => ['--config', f])];
  const result = await runToExit({ name: 'otelcol-toolforge validate', command: otelcolBinary(), args, env: collectorEnv(vars) }, 60_000);
  return { ok: result.code === 0, output: result.stdout + result.stderr };
}

/** `otelcol-toolforge components`: what the binary was built with. */
export async function collectorComponents(): Promise<string> {
  const result = await runToExit({ name: 'otelcol-toolforge components', command: otelcolBinary(), args: ['components'] }, 60_000);
  if (result.code !== 0) throw new Error(`otelcol-toolforge components failed: ${result.stderr}`);
  return result.stdout;
}

export interface RunningCollector {
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * Runs the collector on `configs` (files, or `yaml:` overrides, merged in order) with only
 * `vars` in its environment; resolves once it says it is ready.
 */
export async function startCollector(name: string, configs: string[], vars: Record<string, string>): Promise<RunningCollector> {
  const proc = startProcess({ name, command: otelcolBinary(), args: configs.flatMap((c) => ['--config', c]), env: collectorEnv(vars) });
  try {
    await proc.waitForOutput(/Everything is ready/, 30_000);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return {
    process: proc,
    stop: async () => {
      await proc.stop();
    },
  };
}

export interface LocalCollector extends RunningCollector {
  /** OTLP/HTTP base URL tools export to (OTEL_EXPORTER_OTLP_ENDPOINT). */
  readonly otlpEndpoint: string;
}

/**
 * Runs collector-config/local.yaml on loopback: service graph to `remoteWriteUrl`, sampled
 * traces to `tracesEndpoint`, its own metrics on 127.0.0.1:`selfMetricsPort`.
 */
export async function startLocalCollector(options: { remoteWriteUrl: string; tracesEndpoint: string; selfMetricsPort: number }): Promise<LocalCollector> {
  const [otlpPort, healthPort] = [await freePort(), await freePort()];
  const collector = await startCollector('otelcol-toolforge (local.yaml)', [join(COLLECTOR_CONFIG_DIR, 'local.yaml')], {
    TOOLFORGE_TRACING_OTLP_HTTP_ENDPOINT: `127.0.0.1:${otlpPort}`,
    TOOLFORGE_TRACING_PROMETHEUS_REMOTE_WRITE_URL: options.remoteWriteUrl,
    TOOLFORGE_TRACING_TRACES_ENDPOINT: options.tracesEndpoint,
    TOOLFORGE_TRACING_COLLECTOR_METRICS_PORT: String(options.selfMetricsPort),
    TOOLFORGE_TRACING_HEALTH_ENDPOINT: `127.0.0.1:${healthPort}`,
  });
  return { ...collector, otlpEndpoint: `http://127.0.0.1:${otlpPort}` };
}
