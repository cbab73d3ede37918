/**
 * Runs the real Helm binary on the chart and parses what it renders. Helm comes from
 * PATH or the cache `scripts/setup --test` builds it into (ensure_helm); if it is in
 * neither, every caller fails with a message saying how to get it.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

export const chartDir = fileURLToPath(new URL('../../charts/toolforge-tracing/', import.meta.url));
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Toolforge's deployment environments (toolforge-deploy's helmfile environments). */
export const environments = ['local', 'toolsbeta', 'tools'] as const;
export type Environment = (typeof environments)[number];

export const releaseName = 'toolforge-tracing';
export const releaseNamespace = 'toolforge-tracing';

export function helmBinary(env: NodeJS.ProcessEnv = process.env): string {
  const dirs = [env.TOOLFORGE_TRACING_TOOLS_BIN, ...(env.PATH ?? '').split(':')];
  for (const dir of dirs) {
    if (dir === undefined || dir === '') continue;
    const candidate = path.join(dir, 'helm');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(
    'helm is not installed: run scripts/setup --test (ensure_helm builds it from the Go module proxy into ~/.cache/toolforge-tracing/bin), or put helm on PATH',
  );
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

const run = promisify(execFile);

/** Runs helm; never throws on a non-zero exit (callers assert on it). */
export async function helm(args: string[]): Promise<HelmResult> {
  try {
    const { stdout, stderr } = await run(helmBinary(), args, { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export const valuesFile = (env: Environment) => path.join(chartDir, `values-${env}.yaml`);

/** `helm template` arguments for one environment plus extra `--set`/`-f` arguments. */
export const templateArgs = (env: Environment, extra: string[] = [], chart = chartDir) => [
  'template',
  releaseName,
  chart,
  '--namespace',
  releaseNamespace,
  '-f',
  valuesFile(env),
  ...extra,
];

/** A rendered Kubernetes object (as YAML gave it). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** Parses `helm template` output; a YAML error is a failure naming the document. */
export function parseManifests(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    objects.push(value as K8sObject);
  }
  return objects;
}

/** Renders the chart for an environment; a failing render throws with Helm's message. */
export async function render(env: Environment, extra: string[] = []): Promise<K8sObject[]> {
  const result = await helm(templateArgs(env, extra));
  if (result.code !== 0) throw new Error(`helm template (${env}) failed:\n${result.stderr}`);
  return parseManifests(result.stdout);
}

export const describe = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;

export function find(objects: K8sObject[], kind: string, nameSuffix: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name.endsWith(nameSuffix));
  if (found.length !== 1) {
    throw new Error(`expected one ${kind} named *${nameSuffix}, found ${found.length}: ${objects.map(describe).join(', ')}`);
  }
  return found[0]!;
}
