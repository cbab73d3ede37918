/**
 * The agent's settings: a YAML file (`--config`), every key also a command-line option
 * (the option wins). This schema is the one list of keys and defaults; a bad value is
 * reported with its key.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { PROFILE_NAMES, type ProfileName } from '../topology/index.js';
import { SAFE_LITERAL } from './program.js';

/** The shared volumes whose opens are counted, per profile (Toolforge's NFS; Cloud VPS' own NFS and the dumps). */
export const DEFAULT_NFS_PREFIXES: Record<ProfileName, readonly string[]> = {
  toolforge: ['/data/project/', '/data/scratch/', '/home/', '/public/dumps/', '/mnt/nfs/dumps-'],
  toolsbeta: ['/data/project/', '/data/scratch/', '/home/', '/public/dumps/', '/mnt/nfs/dumps-'],
  'lima-kilo': ['/data/project/', '/data/scratch/', '/home/', '/public/dumps/', '/mnt/nfs/dumps-'],
  cloudvps: ['/data/project/', '/data/scratch/', '/home/', '/public/dumps/', '/mnt/nfs/dumps-'],
};

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$/, 'must be HOST:PORT, e.g. 127.0.0.1:9464 or [::]:9464');
const prefix = z
  .string()
  .regex(/^\//, 'must be an absolute path prefix such as /data/project/')
  .max(60, 'must be at most 60 characters (it is matched in the kernel)')
  .regex(SAFE_LITERAL, `may only contain ${SAFE_LITERAL.source}`);

export const configSchema = z.strictObject({
  profile: z.enum(PROFILE_NAMES).default('toolforge'),
  /** Prometheus exposition at http://HOST:PORT/metrics; off when unset. */
  metricsListen: hostPort.optional(),
  /** OTLP/HTTP base URL of a collector (metrics go to <url>/v1/metrics); off when unset. */
  otlpEndpoint: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  /** Fallback uid -> account (or bare tool name) file, YAML `uid: name` lines. */
  uidMap: z.string().min(1).optional(),
  /** Seconds between map reads (and OTLP exports). */
  interval: z.int().min(1).max(300).default(5),
  bpftrace: z.string().min(1).default('bpftrace'),
  /** Shared-volume prefixes whose successful opens are counted; default per profile. */
  nfsPrefixes: z.array(prefix).max(16).optional(),
  /** Topology extra rules file (topology/extra-rules.ts), consulted before the built-in rules. */
  extraRules: z.string().min(1).optional(),
  /** uids below this (root, system accounts) are ignored in the kernel. */
  minUid: z.int().min(0).max(4294967295).default(1000),
  /**
   * The end of the preload file's path (the webhook's mount): a process started before the
   * agent whose NODE_OPTIONS names it and which holds a file open whose path ends with it
   * runs our preload (contract/preload-runs.ts; later ones tell the kernel themselves).
   */
  preloadMarker: z
    .string()
    .min(8)
    .max(200)
    .regex(/^[^\0\n]+$/, "must be the end of the preload file's path, e.g. /toolforge-tracing/preload.cjs")
    .default('/toolforge-tracing/preload.cjs'),
  /** Cloud VPS: the VM's fully qualified name (default: the host name). */
  fqdn: z.string().min(1).optional(),
  /** Keys per kernel map (BPFTRACE_MAP_KEYS_MAX); a full map counts what it refuses. */
  mapEntries: z.int().min(256).max(1_048_576).default(16384),
  /** A new series is exported at 0 this long before its count (at least one scrape interval). */
  holdNewSeriesSeconds: z.number().min(0).max(3600).default(60),
  /** How often processes are scanned for new libc/libssl files. */
  libraryScanSeconds: z.int().min(1).max(3600).default(30),
  /** Library files per kind (libc, libssl) with uprobes at most. */
  maxLibraries: z.int().min(1).max(128).default(16),
});

export type AgentConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('') : '(top level)';
  return `${where}: ${issue.message}`;
}

/** Validates file values overlaid with command-line values; `source` names where they came from. */
export function parseConfig(fromFile: unknown, fromCli: Record<string, unknown>, source: string): AgentConfig {
  if (fromFile !== undefined && fromFile !== null && (typeof fromFile !== 'object' || Array.isArray(fromFile))) {
    throw new ConfigError(`${source}: expected a mapping of keys (${Object.keys(configSchema.shape).join(', ')})`);
  }
  const cli = Object.fromEntries(Object.entries(fromCli).filter(([, v]) => v !== undefined));
  const result = configSchema.safeParse({ ...((fromFile as object | null) ?? {}), ...cli });
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path[0];
      const from = typeof key === 'string' && key in cli ? 'command line' : source;
      return `${from}: ${describeIssue(issue)}`;
    });
    throw new ConfigError(problems.join('; '));
  }
  return result.data;
}

export async function loadConfig(path: string | undefined, fromCli: Record<string, unknown>): Promise<AgentConfig> {
  if (path === undefined) return parseConfig(undefined, fromCli, 'defaults');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`config file ${path}: cannot read: ${(error as Error).message}`);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) throw new ConfigError(`config file ${path}: invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
  return parseConfig(doc.toJS(), fromCli, `config file ${path}`);
}

/** The uid map file: `51234: tools.mytool` per line (YAML); a bad entry names its uid. */
export async function loadUidMap(path: string): Promise<Map<number, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`uid map ${path}: cannot read: ${(error as Error).message}`);
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new ConfigError(`uid map ${path}: invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
  const data = doc.toJS() as unknown;
  if (data === null || data === undefined) return new Map();
  if (typeof data !== 'object' || Array.isArray(data)) throw new ConfigError(`uid map ${path}: expected a mapping of uid: account`);
  const map = new Map<number, string>();
  for (const [uid, name] of Object.entries(data)) {
    if (!/^[0-9]{1,10}$/.test(uid)) throw new ConfigError(`uid map ${path}: key ${JSON.stringify(uid)}: must be a numeric uid`);
    if (typeof name !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new ConfigError(`uid map ${path}: ${uid}: must be an account name such as tools.mytool`);
    map.set(Number(uid), name);
  }
  return map;
}
