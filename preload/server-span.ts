import {
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  SamplingDecision,
  trace,
  type Attributes,
  type AttributeValue,
  type Context,
  type Exception,
  type HrTime,
  type Link,
  type Span,
  type SpanContext,
  type SpanStatus,
  type TimeInput,
} from '@opentelemetry/api';
import { hrTime, isAttributeValue, isTimeInput, timeInputToHrTime, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { RandomIdGenerator, type ReadableSpan, type Sampler, type TimedEvent } from '@opentelemetry/sdk-trace-base';

/** The SDK's default span limits, which the app may reach through trace.getActiveSpan(). */
const MAX_ATTRIBUTES = 128;
const MAX_EVENTS = 128;
const MAX_LINKS = 128;
const ids = new RandomIdGenerator();
const NONE = Object.freeze([]) as unknown as never[];
const UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });

export interface ServerSpanSettings {
  sampler: Sampler;
  scope: InstrumentationScope;
  resource: Resource;
  onEnd: (span: ReadableSpan) => void;
}

/**
 * The SERVER span of an incoming HTTP request, made without the SDK's tracer: the preload
 * starts one per request, and the SDK's generic span (limits objects, attribute
 * sanitizing on every call, self-metrics) was most of its per-request cost. Same
 * sampling (the configured sampler decides), same ids, same API for the app and the
 * instrumentations that find it in the context.
 */
export class ServerSpan implements Span, ReadableSpan {
  readonly kind = SpanKind.SERVER;
  // Shared empty lists until the app adds to them: most server spans never get any.
  links: Link[] = NONE;
  events: TimedEvent[] = NONE;
  readonly startTime: HrTime = hrTime();
  endTime: HrTime = [0, 0];
  ended = false;
  status: SpanStatus = UNSET;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  droppedLinksCount = 0;
  readonly parentSpanContext: SpanContext | undefined;
  readonly instrumentationScope: InstrumentationScope;
  readonly resource: Resource;
  private readonly context: SpanContext;
  private attributeCount: number;

  constructor(
    public name: string,
    public readonly attributes: Attributes,
    parent: Context,
    private readonly settings: ServerSpanSettings,
  ) {
    const parentContext = trace.getSpanContext(parent);
    const valid = parentContext !== undefined && trace.isSpanContextValid(parentContext);
    this.parentSpanContext = valid ? parentContext : undefined;
    const traceId = valid ? parentContext.traceId : ids.generateTraceId();
    const result = settings.sampler.shouldSample(parent, traceId, name, SpanKind.SERVER, attributes, []);
    if (result.attributes !== undefined) Object.assign(attributes, result.attributes);
    this.attributeCount = Object.keys(attributes).length;
    const traceState = result.traceState ?? (valid ? parentContext.traceState : undefined);
    this.context = {
      traceId,
      spanId: ids.generateSpanId(),
      traceFlags: result.decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE,
      ...(traceState !== undefined ? { traceState } : {}),
    };
    this.instrumentationScope = settings.scope;
    this.resource = settings.resource;
  }

  get duration(): HrTime {
    const ns = (this.endTime[0] - this.startTime[0]) * 1e9 + this.endTime[1] - this.startTime[1];
    return [Math.floor(ns / 1e9), ns % 1e9];
  }

  spanContext(): SpanContext {
    return this.context;
  }

  isRecording(): boolean {
    return !this.ended;
  }

  setAttribute(key: string, value?: AttributeValue): this {
    if (this.ended || key === '' || value === undefined || !isAttributeValue(value)) return this;
    if (!(key in this.attributes)) {
      if (this.attributeCount >= MAX_ATTRIBUTES) {
        this.droppedAttributesCount++;
        return this;
      }
      this.attributeCount++;
    }
    this.attributes[key] = value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) this.setAttribute(key, attributes[key]);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    if (this.events.length >= MAX_EVENTS) {
      this.droppedEventsCount++;
      return this;
    }
    const attributes = isTimeInput(attributesOrTime) ? undefined : attributesOrTime;
    const at = isTimeInput(attributesOrTime) ? attributesOrTime : time;
    if (this.events === NONE) this.events = [];
    this.events.push({ name, attributes: attributes ?? {}, time: at === undefined ? hrTime() : timeInputToHrTime(at), droppedAttributesCount: 0 });
    return this;
  }

  addLink(link: Link): this {
    if (this.ended) return this;
    if (this.links.length >= MAX_LINKS) this.droppedLinksCount++;
    else {
      if (this.links === NONE) this.links = [];
      this.links.push(link);
    }
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.ended || status.code === SpanStatusCode.UNSET) return this;
    this.status = { ...status };
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') attributes['exception.message'] = exception;
    else {
      if (exception.name !== undefined) attributes['exception.type'] = exception.name;
      if (exception.message !== undefined) attributes['exception.message'] = exception.message;
      if (exception.stack !== undefined) attributes['exception.stacktrace'] = exception.stack;
    }
    this.addEvent('exception', attributes, time);
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.endTime = endTime === undefined ? hrTime() : timeInputToHrTime(endTime);
    this.ended = true;
    this.settings.onEnd(this);
  }
}
