/**
 * The environment contract between the webhook, which writes it into tool pods, and the
 * preload, which reads it: every variable name both sides use, and the values each may
 * take, so the webhook can never configure a name or value the preload does not read.
 * (Variables only the preload reads, such as OTEL_BSP_*, are named in preload/config/.)
 */

/** Standard OpenTelemetry variables the webhook sets and the preload reads. */
export const SERVICE_NAME_ENV = 'OTEL_SERVICE_NAME';
export const RESOURCE_ATTRIBUTES_ENV = 'OTEL_RESOURCE_ATTRIBUTES';
export const ENDPOINT_ENV = 'OTEL_EXPORTER_OTLP_ENDPOINT';
export const PROTOCOL_ENV = 'OTEL_EXPORTER_OTLP_PROTOCOL';
export const SAMPLER_ENV = 'OTEL_TRACES_SAMPLER';
export const SAMPLER_ARG_ENV = 'OTEL_TRACES_SAMPLER_ARG';
export const PROPAGATORS_ENV = 'OTEL_PROPAGATORS';

/** OTEL_TRACES_SAMPLER values of the OpenTelemetry SDK specification. */
export const SAMPLER_NAMES = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

/** OTEL_PROPAGATORS values the preload implements (a subset of the specification's). */
export const PROPAGATOR_NAMES = ['tracecontext', 'baggage', 'none'] as const;
export type PropagatorName = (typeof PROPAGATOR_NAMES)[number];

/** Topology profile of the pod's cluster (`toolforge`, `toolsbeta`, `lima-kilo`, `cloudvps`). */
export const PROFILE_ENV = 'TOOLFORGE_TRACING_PROFILE';
/** Tool-owner opt-out (works through `toolforge envvars`): the preload then does nothing. */
export const DISABLED_ENV = 'TOOLFORGE_TRACING_DISABLED';

/**
 * Topology extra rules (docs/topology.md) for the preload: a JSON list of rules, checked by
 * topology/'s rulesFromConfig on both sides. The webhook sets it from its `extraRules`.
 */
export const EXTRA_RULES_ENV = 'TOOLFORGE_TRACING_EXTRA_RULES';
/** Its largest value: every injected container carries a copy, and a pod is at most ~1.5 MiB in etcd. */
export const EXTRA_RULES_MAX_BYTES = 16 * 1024;

/** Every name above, the variables both sides use (tests/webhook/env-contract.test.ts). */
export const PRELOAD_ENV_NAMES = [
  SERVICE_NAME_ENV,
  RESOURCE_ATTRIBUTES_ENV,
  ENDPOINT_ENV,
  PROTOCOL_ENV,
  SAMPLER_ENV,
  SAMPLER_ARG_ENV,
  PROPAGATORS_ENV,
  PROFILE_ENV,
  DISABLED_ENV,
  EXTRA_RULES_ENV,
] as const;
