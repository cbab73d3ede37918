import { TraceFlags, type Context, type SpanContext } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Profile } from '../topology/index.js';
import { exportedAttributes } from './exported-attributes.js';

/**
 * Hands every ended span to the bounded batch processor in the form it may leave
 * the pod (see exported-attributes.ts). The live span is never changed.
 *
 * The batch processor only queues spans whose context has the sampled flag, so the
 * exported copy of an unsampled span carries it; `toolforge.sampled=false` is what
 * says the trace was not sampled, and what the gateway filters on. The flag the app
 * propagates downstream is untouched.
 */
export class ExportProcessor implements SpanProcessor {
  constructor(
    private readonly batch: SpanProcessor,
    private readonly profile: Profile,
  ) {}

  onStart(span: Span, parentContext: Context): void {
    this.batch.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    try {
      this.batch.onEnd(exportedSpan(span, this.profile));
    } catch {
      // A span that cannot be described is dropped; the app never sees an error.
    }
  }

  forceFlush(): Promise<void> {
    return this.batch.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.batch.shutdown();
  }
}

export function exportedSpan(span: ReadableSpan, profile: Profile): ReadableSpan {
  const context = span.spanContext();
  const sampled = (context.traceFlags & TraceFlags.SAMPLED) !== 0;
  const exportedContext: SpanContext = sampled ? context : { ...context, traceFlags: context.traceFlags | TraceFlags.SAMPLED };
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => exportedContext,
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status: span.status,
    attributes: exportedAttributes(span.kind, span.attributes, sampled, profile),
    links: sampled ? span.links : [],
    events: sampled ? span.events : [],
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: sampled ? span.droppedEventsCount : 0,
    droppedLinksCount: sampled ? span.droppedLinksCount : 0,
  };
}
