/**
 * The webhook's configuration file (YAML, `toolforge-tracing webhook --config FILE`).
 * This schema is the single source of truth for every key and default: the Helm chart
 * renders its ConfigMap from these names, and docs/operators/webhook.md lists them.
 * Every key is optional; an absent file means all defaults.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { version } from '../contract/version.js';
import { PROFILE_NAMES, rulesFromConfig, TopologyConfigError } from '../topology/index.js';
import { EXTRA_RULES_ENV, EXTRA_RULES_MAX_BYTES, PROPAGATOR_NAMES, SAMPLER_NAMES } from '../contract/preload-env.js';

/** Kubernetes resource quantity, e.g. `10m`, `0.5`, `32Mi`, `1G`. */
const quantity = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/, 'must be a Kubernetes quantity such as "10m", "32Mi" or "1"');

/** Namespace name or a prefix pattern ending in `*` (e.g. `kube-*`). */
const namespacePattern = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$|^[a-z0-9][-a-z0-9]*\*$/, 'must be a namespace name, or a prefix ending in "*"');

/** An image reference, or a prefix pattern ending in `*`. */
const imagePattern = z.string().regex(/^[^\s*]+\*?$/, 'must be an image reference, or a prefix ending in "*"');

const labelValue = z.string().regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/, 'must be a Kubernetes label value');


const resourceList = z.strictObject({ cpu: quantity, memory: quantity });

/** Topology extra rules, checked as the CLI and the preload check them (topology/extra-rules.ts). */
const extraRules = z
  .array(z.unknown())
  .default([])
  .superRefine((rules, ctx) => {
    try {
      rulesFromConfig(rules);
    } catch (error) {
      if (!(error instanceof TopologyConfigError)) throw error;
      for (const problem of error.problems) ctx.addIssue({ code: 'custom', message: problem });
      return;
    }
    const bytes = Buffer.byteLength(JSON.stringify(rules));
    if (bytes > EXTRA_RULES_MAX_BYTES) ctx.addIssue({ code: 'custom', message: `${bytes} bytes as JSON; ${EXTRA_RULES_ENV} holds at most ${EXTRA_RULES_MAX_BYTES}` });
  });

export const configSchema = z.strictObject({
  /** Topology profile: how a namespace names a tool; also passed to the preload as TOOLFORGE_TRACING_PROFILE. */
  profile: z.enum(PROFILE_NAMES).default('toolforge'),
  /**
   * Topology extra rules (docs/topology.md, the list under `rules:`), consulted before the
   * built-in rules: passed to the preload of every injected container as TOOLFORGE_TRACING_EXTRA_RULES.
   */
  extraRules,

  namespaces: z
    .strictObject({
      /**
       * Labels a namespace must carry to be a tool namespace. Checked only when the
       * namespace is in the watch cache; the name rule of the profile (`tool-<name>`)
       * always applies.
       */
      toolLabels: z.record(z.string().min(1), labelValue).default({ tenancy: 'tool' }),
      /** Never injected, whatever their labels. `kube-*` style prefixes allowed. */
      excluded: z.array(namespacePattern).default(['kube-*']),
      /** The webhook's own namespace: never injected. */
      webhook: z.string().min(1).default('toolforge-tracing'),
    })
    .prefault({}),

  injection: z
    .strictObject({
      /** Image of the init container that copies the preload; must be in a registry Toolforge admits. */
      image: z.string().min(1).default(`docker-registry.svc.toolforge.org/toolforge-tracing-preload:${version}`),
      imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
      resources: z
        .strictObject({
          requests: resourceList.default({ cpu: '10m', memory: '16Mi' }),
          limits: resourceList.default({ cpu: '100m', memory: '64Mi' }),
        })
        .prefault({}),
      /** sizeLimit of the emptyDir that holds the preload copy. */
      volumeSizeLimit: quantity.default('64Mi'),
      /**
       * User of the init container when the pod names none (or root): it must never run
       * as root. Tool pods always set their own uid, which the init container inherits.
       */
      fallbackRunAsUser: z.int().min(1).max(2147483647).default(65534),
      /**
       * Images known to run Node.js 20 or later: their containers load the preload through
       * `--import=data:...` (webhook/preload-entry.ts), which Node 20's permission model cannot
       * stop; any other image gets `--require` (Node 12 and 16 refuse `--import`). Toolforge's
       * node20 images (trixie), named as toollabs-images' build.py tags them, under both registry names.
       */
      importImages: z
        .array(imagePattern)
        .default(['docker-registry.svc.toolforge.org/toolforge-node20-sssd-*', 'docker-registry.tools.wmflabs.org/toolforge-node20-sssd-*']),
    })
    .prefault({}),

  otel: z
    .strictObject({
      /** Port of the node-local collector's OTLP/HTTP receiver on the node's host IP. */
      collectorPort: z.int().min(1).max(65535).default(4318),
      sampler: z.enum(SAMPLER_NAMES).default('parentbased_traceidratio'),
      /** Ratio for the *traceidratio samplers (OTEL_TRACES_SAMPLER_ARG); ignored by the others. */
      samplerRatio: z.number().min(0).max(1).default(0.1),
      propagators: z.array(z.enum(PROPAGATOR_NAMES)).min(1).default(['tracecontext', 'baggage']),
    })
    .prefault({}),

  kubernetes: z
    .strictObject({
      /** Watch namespaces for opt-out annotations and tool labels. Off = decide from the name only. */
      watchNamespaces: z.boolean().default(true),
      /** Kubeconfig file for the watch; absent = in-cluster service account. */
      kubeconfig: z.string().min(1).optional(),
    })
    .prefault({}),

  server: z
    .strictObject({
      /**
       * Largest AdmissionReview body accepted, in bytes. The API server refuses a request
       * body over 3 MiB, so no pod it admits was sent as more; 64 KiB more covers the
       * review's envelope and what defaulting and earlier webhooks add.
       */
      maxBodyBytes: z.int().min(1024).max(64 * 1024 * 1024).default(3 * 1024 * 1024 + 64 * 1024),
      logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),
});

export type WebhookConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where =
    issue.path.length > 0
      ? issue.path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('')
      : '(top level)';
  return `${where}: ${issue.message}`;
}

/** Validates an already-parsed config object; `source` names it in errors. */
export function parseConfig(raw: unknown, source = 'config'): WebhookConfig {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    throw new ConfigError(`${source}: ${result.error.issues.map(describeIssue).join('; ')}`);
  }
  return result.data;
}

/** Parses YAML text into a config; YAML syntax errors carry their line and column. */
export function parseConfigYaml(text: string, source = 'config'): WebhookConfig {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(`${source}: invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
  }
  return parseConfig(doc.toJS(), source);
}

/** Reads the config file, or returns the defaults when no file is given. */
export async function loadConfig(path: string | undefined): Promise<WebhookConfig> {
  if (path === undefined) return parseConfig({}, 'defaults');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`config file ${path}: cannot read: ${(err as Error).message}`);
  }
  return parseConfigYaml(text, `config file ${path}`);
}
