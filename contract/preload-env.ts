/**
 * The environment contract between the webhook, which writes it into tool pods, and the
 * preload, which reads it. One list each, so the webhook can never configure a value the
 * preload does not implement.
 */

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
