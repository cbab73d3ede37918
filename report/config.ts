/**
 * Where the reports find Prometheus: `--prometheus URL`, else TOOLFORGE_TRACING_PROMETHEUS_URL,
 * else `prometheus.url` in the report config file (YAML; `--config FILE`, default
 * `$XDG_CONFIG_HOME/toolforge-tracing/report.yaml`, used only when it exists).
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { ReportError } from './errors.js';

export const PROMETHEUS_URL_ENV = 'TOOLFORGE_TRACING_PROMETHEUS_URL';

const ConfigSchema = z
  .object({
    prometheus: z
      .object({
        url: z.string().optional(),
        /** Sent with every query, e.g. Mimir's X-Scope-OrgID. */
        headers: z.record(z.string(), z.string()).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type ReportConfig = z.infer<typeof ConfigSchema>;

export function defaultConfigPath(env = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'toolforge-tracing', 'report.yaml');
}

export function loadReportConfig(file: string | undefined, env = process.env): { config: ReportConfig; path: string } {
  const path = file ?? defaultConfigPath(env);
  if (file === undefined && !existsSync(path)) return { config: {}, path };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ReportError(`cannot read the report config ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let value: unknown;
  try {
    value = parse(text) ?? {};
  } catch (error) {
    throw new ReportError(`${path} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = ConfigSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ');
    throw new ReportError(`${path}: ${problems}`);
  }
  return { config: parsed.data, path };
}

export function prometheusUrl(flag: string | undefined, config: ReportConfig, configPath: string, env = process.env): string {
  const url = flag ?? env[PROMETHEUS_URL_ENV] ?? config.prometheus?.url;
  if (url === undefined || url === '') {
    throw new ReportError(`no Prometheus to read from: give --prometheus URL, set ${PROMETHEUS_URL_ENV}, or set prometheus.url in ${configPath}`);
  }
  return url;
}
