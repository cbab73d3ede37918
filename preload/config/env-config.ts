/**
 * The preload's settings, read from the standard OTEL_* variables and ours. Pure:
 * an invalid value never stops anything; it falls back to the default and is named
 * in `warnings`, which the caller prints as ONE line.
 */
import {
  ENDPOINT_ENV,
  EXTRA_RULES_ENV,
  EXTRA_RULES_MAX_BYTES,
  PROFILE_ENV,
  PROPAGATOR_NAMES,
  PROPAGATORS_ENV,
  PROTOCOL_ENV,
  RESOURCE_ATTRIBUTES_ENV,
  SAMPLER_ARG_ENV,
  SAMPLER_ENV,
  SAMPLER_NAMES,
  SERVICE_NAME_ENV,
  type SamplerName,
} from '../../contract/preload-env.js';
import { rulesFromConfig, type ExtraRule } from '../../topology/extra-rules.js';
import { PROFILE_NAMES } from '../../topology/profiles.js';

export type { SamplerName };

export interface PreloadConfig {
  serviceName: string;
  resourceAttributes: Record<string, string>;
  /** Full URL of the traces endpoint (…/v1/traces). */
  tracesUrl: string;
  exportTimeoutMillis: number;
  sampler: SamplerName;
  samplerRatio: number;
  propagators: string[];
  profile: string;
  /** The webhook's topology extra rules, consulted before the profile's. */
  extraRules: ExtraRule[];
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
}

export interface ConfigResult {
  config: PreloadConfig;
  warnings: string[];
}

type Env = Record<string, string | undefined>;

const PROPAGATORS: readonly string[] = PROPAGATOR_NAMES;
const DEFAULT_ENDPOINT = 'http://localhost:4318';
/**
 * Standard variables the preload does not implement. A tool that sets one expects an
 * effect it will not get, so each is named in the warning; never with its value, since
 * headers and keys are credentials.
 */
export const UNSUPPORTED_ENV = [
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
  'OTEL_EXPORTER_OTLP_COMPRESSION',
  'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION',
  'OTEL_EXPORTER_OTLP_CERTIFICATE',
  'OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE',
  'OTEL_EXPORTER_OTLP_CLIENT_KEY',
  'OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY',
  'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE',
  'OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE',
  'OTEL_BSP_EXPORT_TIMEOUT',
] as const;

/** `undefined` for unset or blank, so an empty variable means "default" as the spec says. */
function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number, warnings: string[]): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (Number.isInteger(n) && n >= min && n <= max) return n;
  warnings.push(`${name}=${JSON.stringify(raw)} is not an integer in [${min}, ${max}] (using ${fallback})`);
  return fallback;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T, warnings: string[]): T {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase() as T;
  if (allowed.includes(lower)) return lower;
  warnings.push(`${name}=${JSON.stringify(raw)} is not one of ${allowed.join(', ')} (using ${fallback})`);
  return fallback;
}

function httpUrl(raw: string): URL | undefined {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Signal-specific endpoint is used as is; the generic one gets /v1/traces appended (OTLP spec). */
function tracesUrl(env: Env, warnings: string[]): string {
  const specific = value(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  if (specific !== undefined) {
    if (httpUrl(specific)) return specific;
    warnings.push(`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=${JSON.stringify(specific)} is not an http(s) URL (ignored)`);
  }
  const generic = value(env, ENDPOINT_ENV);
  let base = DEFAULT_ENDPOINT;
  if (generic !== undefined) {
    if (httpUrl(generic)) base = generic;
    else warnings.push(`${ENDPOINT_ENV}=${JSON.stringify(generic)} is not an http(s) URL (using ${DEFAULT_ENDPOINT})`);
  }
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

function ratio(env: Env, sampler: SamplerName, warnings: string[]): number {
  const raw = value(env, SAMPLER_ARG_ENV);
  if (raw === undefined || !sampler.endsWith('traceidratio')) return 1;
  const n = Number(raw);
  if (Number.isFinite(n) && n >= 0 && n <= 1) return n;
  warnings.push(`${SAMPLER_ARG_ENV}=${JSON.stringify(raw)} is not a number in [0, 1] (using 1)`);
  return 1;
}

/** W3C Baggage-style `k=v,k2=v2` with percent-encoded values (OTel resource spec). */
export function parseResourceAttributes(raw: string | undefined, warnings: string[]): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (raw === undefined) return attributes;
  const bad: string[] = [];
  for (const pair of raw.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq).trim() : '';
    let decoded: string | undefined;
    try {
      decoded = eq > 0 ? decodeURIComponent(pair.slice(eq + 1).trim()) : undefined;
    } catch {
      decoded = undefined;
    }
    if (key === '' || decoded === undefined) bad.push(pair.trim());
    else attributes[key] = decoded;
  }
  if (bad.length > 0) {
    warnings.push(`${RESOURCE_ATTRIBUTES_ENV}: ignored malformed entries ${bad.map((b) => JSON.stringify(b)).join(', ')} (expected key=value)`);
  }
  return attributes;
}

/** The signal-specific variable wins over the generic one (OTLP exporter spec). */
function tracesVariable(env: Env, generic: string): string {
  const specific = generic.replace('OTEL_EXPORTER_OTLP_', 'OTEL_EXPORTER_OTLP_TRACES_');
  return value(env, specific) !== undefined ? specific : generic;
}

/** OTLP/HTTP protobuf only: what the webhook sets and the node collector takes; anything else is named and not used. */
function checkProtocol(env: Env, warnings: string[]): void {
  oneOf(env, tracesVariable(env, PROTOCOL_ENV), ['http/protobuf'], 'http/protobuf', warnings);
  oneOf(env, 'OTEL_TRACES_EXPORTER', ['otlp'], 'otlp', warnings);
}

function checkUnsupported(env: Env, warnings: string[]): void {
  for (const name of UNSUPPORTED_ENV) if (value(env, name) !== undefined) warnings.push(`${name} is not supported (ignored)`);
}

function propagators(env: Env, warnings: string[]): string[] {
  const raw = value(env, PROPAGATORS_ENV);
  if (raw === undefined) return ['tracecontext', 'baggage'];
  const names = raw.split(',').map((p) => p.trim().toLowerCase()).filter((p) => p !== '');
  const unknown = names.filter((p) => !PROPAGATORS.includes(p));
  if (unknown.length > 0) {
    warnings.push(`${PROPAGATORS_ENV}: unsupported ${unknown.join(', ')} (supported: ${PROPAGATORS.join(', ')})`);
  }
  const known = names.filter((p) => PROPAGATORS.includes(p));
  return known.length > 0 ? known : ['tracecontext', 'baggage'];
}

/** A JSON list of rules checked as the CLI checks a rules file; a bad value means no extra rules. */
function extraRules(env: Env, warnings: string[]): ExtraRule[] {
  const raw = value(env, EXTRA_RULES_ENV);
  if (raw === undefined) return [];
  if (Buffer.byteLength(raw) > EXTRA_RULES_MAX_BYTES) {
    warnings.push(`${EXTRA_RULES_ENV} is longer than ${EXTRA_RULES_MAX_BYTES} bytes (no extra rules)`);
    return [];
  }
  try {
    return rulesFromConfig(JSON.parse(raw));
  } catch (error) {
    warnings.push(`${EXTRA_RULES_ENV}: ${error instanceof SyntaxError ? 'not JSON' : (error as Error).message} (no extra rules)`);
    return [];
  }
}

/** The one line printed for every value not used as given. */
export function settingsWarning(warnings: string[]): string {
  return `toolforge-tracing: invalid settings, defaults used: ${warnings.join('; ')}`;
}

export function readConfig(env: Env): ConfigResult {
  const warnings: string[] = [];
  const resourceAttributes = parseResourceAttributes(value(env, RESOURCE_ATTRIBUTES_ENV), warnings);
  // An arg set alone says which ratio the tool wants: the default sampler becomes the parent-based ratio one.
  const defaultSampler = value(env, SAMPLER_ARG_ENV) === undefined ? 'parentbased_always_on' : 'parentbased_traceidratio';
  const sampler = oneOf<SamplerName>(env, SAMPLER_ENV, SAMPLER_NAMES, defaultSampler, warnings);
  // Half the SDK's defaults (2048/512): what a slow or absent collector can make a tool
  // hold stays small, and one 256-span request to the node-local collector takes ~ms.
  const maxQueueSize = integer(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 1024, 1, 65536, warnings);
  const config: PreloadConfig = {
    serviceName: value(env, SERVICE_NAME_ENV) ?? resourceAttributes['service.name'] ?? 'unknown_service:node',
    resourceAttributes,
    tracesUrl: tracesUrl(env, warnings),
    exportTimeoutMillis: integer(env, tracesVariable(env, 'OTEL_EXPORTER_OTLP_TIMEOUT'), 10000, 1, 600000, warnings),
    sampler,
    samplerRatio: ratio(env, sampler, warnings),
    propagators: propagators(env, warnings),
    profile: oneOf(env, PROFILE_ENV, PROFILE_NAMES, 'toolforge', warnings),
    extraRules: extraRules(env, warnings),
    maxQueueSize,
    maxExportBatchSize: Math.min(integer(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 256, 1, 65536, warnings), maxQueueSize),
    scheduledDelayMillis: integer(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000, 0, 600000, warnings),
  };
  checkProtocol(env, warnings);
  checkUnsupported(env, warnings);
  return { config, warnings };
}
