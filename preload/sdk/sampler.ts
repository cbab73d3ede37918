import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SAMPLED } from '../../topology/attributes.js';
import type { SamplerName } from '../config/env-config.js';

/** The standard head sampler named by OTEL_TRACES_SAMPLER. */
export function standardSampler(name: SamplerName, ratio: number): Sampler {
  const root =
    name.endsWith('always_on') ? new AlwaysOnSampler()
    : name.endsWith('always_off') ? new AlwaysOffSampler()
    : new TraceIdRatioBasedSampler(ratio);
  return name.startsWith('parentbased_') ? new ParentBasedSampler({ root }) : root;
}

const SAMPLED: Attributes = Object.freeze({ [ATTR_SAMPLED]: true });
const UNSAMPLED: Attributes = Object.freeze({ [ATTR_SAMPLED]: false });

/** Whether `attributes` are just the marker RecordEverySpanSampler adds to a standard sampler's decision. */
export function isSampledMarker(attributes: Attributes): boolean {
  return attributes === SAMPLED || attributes === UNSAMPLED;
}

/**
 * Records every span so the service graph counts 100% of calls, while the W3C
 * sampled flag (what downstream tools see) stays the standard sampler's decision.
 * Each span carries `toolforge.sampled`; the gateway drops `false` ones after the
 * graph is built, so Tempo keeps only the sampled traces.
 */
export class RecordEverySpanSampler implements Sampler {
  constructor(private readonly inner: Sampler) {}

  shouldSample(context: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    const result = this.inner.shouldSample(context, traceId, name, kind, attributes, links);
    const sampled = result.decision === SamplingDecision.RECORD_AND_SAMPLED;
    const marker = sampled ? SAMPLED : UNSAMPLED;
    const decision = sampled ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.RECORD;
    // The standard samplers add no attributes: then the shared marker object will do.
    const marked = result.attributes === undefined ? marker : { ...result.attributes, ...marker };
    // Two literals, not a conditional spread: this runs for every span, and a spread costs microseconds.
    return result.traceState === undefined ? { decision, attributes: marked } : { decision, attributes: marked, traceState: result.traceState };
  }

  toString(): string {
    return `RecordEverySpan{${this.inner.toString()}}`;
  }
}
