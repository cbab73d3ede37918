import {
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
  type SpanKind,
  type SpanStatus,
  type TimeInput,
} from '@opentelemetry/api';
import { hrTime, isAttributeValue, isTimeInput, timeInputToHrTime, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { IdGenerator, ReadableSpan, Sampler, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { ATTR_SAMPLED } from '../../topology/attributes.js';
import { isSampledMarker } from './sampler.js';

/** The SDK's default span limits, which the app may reach through trace.getActiveSpan(). */
const MAX_ATTRIBUTES = 128;
const MAX_EVENTS = 128;
const MAX_LINKS = 128;
const NONE = Object.freeze([]) as unknown as never[];
const UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });
/** Standard samplers read no attributes; the span's own are not built for them. */
const NO_ATTRIBUTES: Attributes = Object.freeze({});

/**
 * The attributes every span of one kind says, in a fixed order: kept in an array of
 * values rather than an attributes object, so a span is one small object and an array
 * until it is encoded. Anything else set on the span goes into `extra`.
 */
export class AttributeSlots {
  private readonly index: Map<string, number>;

  constructor(readonly keys: readonly string[]) {
    this.index = new Map(keys.map((key, i) => [key, i]));
  }

  slotOf(key: string): number | undefined {
    return this.index.get(key);
  }
}

export interface LightSpanSettings {
  sampler: Sampler;
  idGenerator: IdGenerator;
  scope: InstrumentationScope;
  resource: Resource;
  onEnd: (span: LightSpan) => void;
}

/**
 * A span made without the SDK's tracer: the preload starts one per request served and
 * per HTTP call made, and the SDK's generic span (limits objects, attribute sanitizing
 * on every call, an attributes object, HrTime arrays, self-metrics) was most of its
 * per-request cost in CPU and in bytes that outlive a scavenge. Same sampling (the
 * configured sampler decides), same ids, same API for the app and the instrumentations
 * that find it in the context. Subclasses say which attributes have slots.
 */
export class LightSpan implements Span, ReadableSpan {
  // Shared empty lists until the app adds to them: most spans never get any.
  links: Link[] = NONE;
  events: TimedEvent[] = NONE;
  /**
   * performance.now() at the start and at the end: the HrTimes the API speaks are made
   * only when someone reads them; the export path writes these numbers
   * (server-span-encoding.ts), saving three arrays per reading.
   */
  readonly startedAt: number = performance.now();
  endedAt = 0;
  /** An end time the app gave (`end(time)`), as an HrTime. */
  private givenEndTime: HrTime | undefined = undefined;
  ended = false;
  status: SpanStatus = UNSET;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  droppedLinksCount = 0;
  readonly parentSpanContext: SpanContext | undefined;
  readonly instrumentationScope: InstrumentationScope;
  readonly resource: Resource;
  /** Attributes other than the slots' and `toolforge.sampled`: set by the app, rarely. */
  extra: Attributes | undefined = undefined;
  /**
   * Ids and the sampling decision, made the first time anyone asks (an outgoing call's
   * traceparent, the app) or else when the span is exported: most server spans never
   * ask, and then this work runs in the export path's runs of spans, where it is cheaper
   * than between two of the app's requests (encoded-span-queue.ts). Nothing can tell the
   * difference: the standard samplers decide from the parent and the trace id alone.
   */
  private context: SpanContext | undefined = undefined;
  /** What the sampler is asked with; let go once it has decided. */
  private parent: Context | undefined;
  private sampledFlag = false;
  private attributeCount: number;

  constructor(
    public name: string,
    readonly kind: SpanKind,
    private readonly slots: AttributeSlots,
    /** Values of the slots' keys, by position; undefined when not set. */
    readonly values: Array<AttributeValue | undefined>,
    parent: Context,
    private readonly settings: LightSpanSettings,
  ) {
    this.parent = parent;
    const parentContext = trace.getSpanContext(parent);
    this.parentSpanContext = parentContext !== undefined && trace.isSpanContextValid(parentContext) ? parentContext : undefined;
    let count = 1;
    for (const value of values) if (value !== undefined) count++;
    this.attributeCount = count;
    this.instrumentationScope = settings.scope;
    this.resource = settings.resource;
  }

  /** The trace's sampled flag, as `toolforge.sampled` says it. */
  get sampled(): boolean {
    if (this.context === undefined) this.decide();
    return this.sampledFlag;
  }

  spanContext(): SpanContext {
    return this.context ?? this.decide();
  }

  private decide(): SpanContext {
    const { sampler, idGenerator } = this.settings;
    const parent = this.parentSpanContext;
    const traceId = parent !== undefined ? parent.traceId : idGenerator.generateTraceId();
    const result = sampler.shouldSample(this.parent!, traceId, this.name, this.kind, NO_ATTRIBUTES, []);
    this.parent = undefined;
    this.sampledFlag = result.decision === SamplingDecision.RECORD_AND_SAMPLED;
    // The sampler's marker attribute is what `sampled` says; anything else a sampler adds is kept, even after the end.
    if (result.attributes !== undefined && !isSampledMarker(result.attributes)) {
      for (const key in result.attributes) this.store(key, result.attributes[key]);
    }
    const traceState = result.traceState ?? parent?.traceState;
    const spanId = idGenerator.generateSpanId();
    const traceFlags = this.sampledFlag ? TraceFlags.SAMPLED : TraceFlags.NONE;
    // Two literals, not a conditional spread: a spread costs microseconds on this path.
    return (this.context = traceState === undefined ? { traceId, spanId, traceFlags } : { traceId, spanId, traceFlags, traceState });
  }

  /** The span's attributes as one object (the general export path and the app read it; the server span's fast path reads `values` and `extra`). */
  get attributes(): Attributes {
    const all: Attributes = {};
    const keys = this.slots.keys;
    for (let i = 0; i < keys.length; i++) {
      const value = this.values[i];
      if (value !== undefined) all[keys[i]!] = value;
    }
    if (this.extra !== undefined) Object.assign(all, this.extra);
    all[ATTR_SAMPLED] = this.sampled;
    return all;
  }

  get startTime(): HrTime {
    return hrTime(this.startedAt);
  }

  get endTime(): HrTime {
    return this.givenEndTime ?? (this.ended ? hrTime(this.endedAt) : [0, 0]);
  }

  /** Whether the end time is `endedAt` (not one the app gave). */
  get endedNow(): boolean {
    return this.givenEndTime === undefined;
  }

  get duration(): HrTime {
    const [start, end] = [this.startTime, this.endTime];
    const ns = (end[0] - start[0]) * 1e9 + end[1] - start[1];
    return [Math.floor(ns / 1e9), ns % 1e9];
  }

  isRecording(): boolean {
    return !this.ended;
  }

  setAttribute(key: string, value?: AttributeValue): this {
    if (!this.ended) this.store(key, value);
    return this;
  }

  private store(key: string, value: AttributeValue | undefined): void {
    if (key === '' || value === undefined || !isAttributeValue(value)) return;
    const i = this.slots.slotOf(key);
    if (i !== undefined) {
      if (this.values[i] === undefined && !this.countNew()) return;
      this.values[i] = value;
      return;
    }
    // The sampled flag is the sampler's decision, not an attribute the app can change.
    if (key === ATTR_SAMPLED) return;
    if ((this.extra === undefined || !(key in this.extra)) && !this.countNew()) return;
    (this.extra ??= {})[key] = value;
  }

  /** Whether one more attribute fits the limit (then counted), or is dropped (then counted as dropped). */
  private countNew(): boolean {
    if (this.attributeCount >= MAX_ATTRIBUTES) {
      this.droppedAttributesCount++;
      return false;
    }
    this.attributeCount++;
    return true;
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

  /** As the SDK's span records one: the error's `code` (ECONNREFUSED) before its name as the type. */
  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') attributes['exception.message'] = exception;
    else if (exception) {
      if (exception.code) attributes['exception.type'] = exception.code.toString();
      else if (exception.name) attributes['exception.type'] = exception.name;
      if (exception.message) attributes['exception.message'] = exception.message;
      if (exception.stack) attributes['exception.stacktrace'] = exception.stack;
    }
    if (attributes['exception.type'] !== undefined || attributes['exception.message'] !== undefined) this.addEvent('exception', attributes, time);
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    if (endTime === undefined) this.endedAt = performance.now();
    else this.givenEndTime = timeInputToHrTime(endTime);
    this.ended = true;
    this.settings.onEnd(this);
  }
}
