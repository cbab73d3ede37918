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
import type { IdGenerator, ReadableSpan, Sampler, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { ATTR_SAMPLED } from '../../topology/attributes.js';
import { isSampledMarker } from '../sdk/sampler.js';

/** The SDK's default span limits, which the app may reach through trace.getActiveSpan(). */
const MAX_ATTRIBUTES = 128;
const MAX_EVENTS = 128;
const MAX_LINKS = 128;
const NONE = Object.freeze([]) as unknown as never[];
const UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });
/** Standard samplers read no attributes; the span's own are not built for them. */
const NO_ATTRIBUTES: Attributes = Object.freeze({});

/**
 * What every request's span says, in this order, kept in an array of values rather
 * than an attributes object: the export path writes them without building or scanning
 * an object per span (server-span-encoding.ts). Anything else set on the span goes
 * into `extra`.
 */
export const REQUEST_ATTRIBUTES = [
  'http.request.method',
  'url.scheme',
  'url.path',
  'network.protocol.version',
  'server.address',
  'server.port',
  'http.route',
  'http.response.status_code',
  'error.type',
] as const;
const REQUEST_ATTRIBUTE_INDEX = new Map<string, number>(REQUEST_ATTRIBUTES.map((key, i) => [key, i]));

/** What is known of a request when its span starts. */
export interface RequestFacts {
  method: string;
  scheme: string;
  path: string;
  protocolVersion: string;
  host: string | undefined;
  port: number | undefined;
}

export interface ServerSpanSettings {
  sampler: Sampler;
  idGenerator: IdGenerator;
  scope: InstrumentationScope;
  resource: Resource;
  onEnd: (span: ServerSpan) => void;
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
  /** Values of REQUEST_ATTRIBUTES, by position; undefined when not set. */
  readonly values: Array<AttributeValue | undefined>;
  /** Attributes other than REQUEST_ATTRIBUTES and `toolforge.sampled`: set by the app, rarely. */
  extra: Attributes | undefined = undefined;
  /**
   * Ids and the sampling decision, made the first time anyone asks (an outgoing call,
   * the app) or else when the span is exported: most requests never ask, and then this
   * work runs in the export path's runs of spans, where it is cheaper than between two
   * of the app's requests (encoded-span-queue.ts). Nothing can tell the difference: the
   * standard samplers decide from the parent and the trace id alone.
   */
  private context: SpanContext | undefined = undefined;
  private sampledFlag = false;
  private attributeCount: number;

  constructor(
    public name: string,
    facts: RequestFacts,
    private readonly parent: Context,
    private readonly settings: ServerSpanSettings,
  ) {
    this.values = [facts.method, facts.scheme, facts.path, facts.protocolVersion, facts.host, facts.port, undefined, undefined, undefined];
    const parentContext = trace.getSpanContext(parent);
    this.parentSpanContext = parentContext !== undefined && trace.isSpanContextValid(parentContext) ? parentContext : undefined;
    let count = 1;
    for (const value of this.values) if (value !== undefined) count++;
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
    const result = sampler.shouldSample(this.parent, traceId, this.name, SpanKind.SERVER, NO_ATTRIBUTES, []);
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

  /** The span's attributes as one object (the JSON export path and the app read it; the protobuf path reads `values` and `extra`). */
  get attributes(): Attributes {
    const all: Attributes = {};
    for (let i = 0; i < REQUEST_ATTRIBUTES.length; i++) {
      const value = this.values[i];
      if (value !== undefined) all[REQUEST_ATTRIBUTES[i]!] = value;
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
    const i = REQUEST_ATTRIBUTE_INDEX.get(key);
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
    if (endTime === undefined) this.endedAt = performance.now();
    else this.givenEndTime = timeInputToHrTime(endTime);
    this.ended = true;
    this.settings.onEnd(this);
  }
}
