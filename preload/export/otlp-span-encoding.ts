import type { Attributes, AttributeValue, HrTime, SpanContext } from '@opentelemetry/api';
import { millisToHrTime, type InstrumentationScope } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { FIXED32, FIXED64, LEN, ProtobufWriter, VARINT } from './protobuf-writer.js';

/**
 * The OTLP trace messages the preload sends (opentelemetry-proto v1, trace.proto and
 * common.proto field numbers), encoded straight from the ended span: no intermediate
 * objects. Pure functions of their input; tests decode the output with the real .proto.
 */

/** Span.flags bits: the W3C trace flags, and whether the parent's remoteness is known / remote. */
const FLAGS_HAS_IS_REMOTE = 0x100;
const FLAGS_IS_REMOTE = 0x200;
const TWO_16 = 0x10000;
const TWO_32 = 0x100000000;
const INT64_MIN = -(2 ** 63);
const INT64_LIMIT = 2 ** 63;

/** Epoch seconds and nanoseconds as fixed64 nanoseconds since the epoch, exactly (no float rounding). */
function epochNanos(w: ProtobufWriter, seconds: number, nanos: number): void {
  // seconds * 1e9 + nanos = high16 * 1e9 * 2^16 + (low16 * 1e9 + nanos), each part < 2^53.
  const upper = Math.floor(seconds / TWO_16) * 1e9;
  const lower = (seconds % TWO_16) * 1e9 + nanos;
  const low = (upper % TWO_16) * TWO_16 + (lower % TWO_32);
  const high = Math.floor(upper / TWO_16) + Math.floor(lower / TWO_32) + Math.floor(low / TWO_32);
  w.fixed64(low % TWO_32, high);
}

/** A fixed64 timestamp field from an HrTime. */
export function hrTimeField(w: ProtobufWriter, field: number, [seconds, nanos]: HrTime): void {
  w.tag(field, FIXED64);
  epochNanos(w, seconds, nanos);
}

const [ORIGIN_SECONDS, ORIGIN_NANOS] = millisToHrTime(performance.timeOrigin);

/**
 * A fixed64 timestamp field from a performance.now() reading: the time core's
 * `hrTime(now)` gives (the SDK's clock), with the same rounding, without its arrays.
 */
export function nowField(w: ProtobufWriter, field: number, now: number): void {
  // Nanoseconds past 1e9 need no carry: epochNanos writes the sum.
  w.tag(field, FIXED64);
  epochNanos(w, ORIGIN_SECONDS + Math.trunc(now / 1000), ORIGIN_NANOS + Math.round((now % 1000) * 1e6));
}

function anyValue(w: ProtobufWriter, value: AttributeValue | null | undefined): void {
  if (typeof value === 'string') {
    w.tag(1, LEN);
    w.string(value);
  } else if (typeof value === 'boolean') {
    w.tag(2, VARINT);
    w.varint32(value ? 1 : 0);
  } else if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= INT64_MIN && value < INT64_LIMIT) {
      w.tag(3, VARINT);
      w.varint64(value);
    } else {
      w.tag(4, FIXED64);
      w.double(value);
    }
  } else if (Array.isArray(value)) {
    w.tag(5, LEN);
    const array = w.start();
    for (const item of value as Array<AttributeValue | null | undefined>) {
      w.tag(1, LEN);
      const at = w.start();
      anyValue(w, item);
      w.finish(at);
    }
    w.finish(array);
  }
  // null/undefined: an empty AnyValue, as the SDK's own serializer writes it.
}

/** One KeyValue under `field`; the key as a string or as its encoded KeyValue.key field (see encodedKey). */
export function keyValue(w: ProtobufWriter, field: number, key: string | Uint8Array, value: AttributeValue): void {
  w.tag(field, LEN);
  const kv = w.start();
  if (typeof key === 'string') {
    w.tag(1, LEN);
    w.string(key);
  } else w.raw(key);
  w.tag(2, LEN);
  const v = w.start();
  anyValue(w, value);
  w.finish(v);
  w.finish(kv);
}

/** Bytes written once and copied into every request that needs them. */
function encodedOnce(write: (w: ProtobufWriter) => void): Buffer {
  const w = new ProtobufWriter(128);
  write(w);
  return Buffer.from(w.bytes());
}

/** KeyValue.key (field 1 with its tag) for a key written often. */
export function encodedKey(key: string): Buffer {
  return encodedOnce((w) => {
    w.tag(1, LEN);
    w.string(key);
  });
}

/** repeated KeyValue under `field`. */
export function attributes(w: ProtobufWriter, field: number, attrs: Attributes): void {
  for (const key in attrs) {
    const value = attrs[key];
    if (value !== undefined) keyValue(w, field, key, value);
  }
}

function flags(context: SpanContext, parentIsRemote: boolean | undefined): number {
  return (context.traceFlags & 0xff) | FLAGS_HAS_IS_REMOTE | (parentIsRemote === true ? FLAGS_IS_REMOTE : 0);
}

/**
 * The fields of one Span message (without its own tag and length) are written in two
 * parts, the caller writing the attributes (field 9) between them: spanHead, then the
 * attributes, then spanTail. Unsampled spans go out slim: the caller writes the cut-down
 * attributes, and events and links are left out.
 */
export function spanHead(w: ProtobufWriter, s: ReadableSpan): void {
  spanIdentity(w, s);
  hrTimeField(w, 7, s.startTime);
  hrTimeField(w, 8, s.endTime);
}

/** The fields of spanHead before the start and end times (7 and 8). */
export function spanIdentity(w: ProtobufWriter, s: ReadableSpan): void {
  const context = s.spanContext();
  w.tag(1, LEN);
  w.hexBytes(context.traceId);
  w.tag(2, LEN);
  w.hexBytes(context.spanId);
  const traceState = context.traceState?.serialize();
  if (traceState) {
    w.tag(3, LEN);
    w.string(traceState);
  }
  const parent = s.parentSpanContext;
  if (parent?.spanId) {
    w.tag(4, LEN);
    w.hexBytes(parent.spanId);
  }
  w.tag(5, LEN);
  w.string(s.name);
  w.tag(6, VARINT);
  w.varint32(s.kind + 1);
}

/** The fields after the attributes; see spanHead. */
export function spanTail(w: ProtobufWriter, s: ReadableSpan, sampled: boolean): void {
  if (s.droppedAttributesCount > 0) {
    w.tag(10, VARINT);
    w.varint32(s.droppedAttributesCount);
  }
  if (sampled) {
    // Indexed loops: most spans share one frozen empty list, which for-of would walk with the generic iterator.
    for (let i = 0; i < s.events.length; i++) {
      const event = s.events[i]!;
      w.tag(11, LEN);
      const at = w.start();
      hrTimeField(w, 1, event.time);
      w.tag(2, LEN);
      w.string(event.name);
      if (event.attributes) attributes(w, 3, event.attributes);
      if (event.droppedAttributesCount) {
        w.tag(4, VARINT);
        w.varint32(event.droppedAttributesCount);
      }
      w.finish(at);
    }
    if (s.droppedEventsCount > 0) {
      w.tag(12, VARINT);
      w.varint32(s.droppedEventsCount);
    }
    for (let i = 0; i < s.links.length; i++) {
      const link = s.links[i]!;
      w.tag(13, LEN);
      const at = w.start();
      w.tag(1, LEN);
      w.hexBytes(link.context.traceId);
      w.tag(2, LEN);
      w.hexBytes(link.context.spanId);
      const linkState = link.context.traceState?.serialize();
      if (linkState) {
        w.tag(3, LEN);
        w.string(linkState);
      }
      if (link.attributes) attributes(w, 4, link.attributes);
      if (link.droppedAttributesCount) {
        w.tag(5, VARINT);
        w.varint32(link.droppedAttributesCount);
      }
      w.tag(6, FIXED32);
      w.fixed32(flags(link.context, link.context.isRemote));
      w.finish(at);
    }
    if (s.droppedLinksCount > 0) {
      w.tag(14, VARINT);
      w.varint32(s.droppedLinksCount);
    }
  }
  if (s.status.code !== 0 || s.status.message) {
    w.tag(15, LEN);
    const at = w.start();
    if (s.status.message) {
      w.tag(2, LEN);
      w.string(s.status.message);
    }
    w.tag(3, VARINT);
    w.varint32(s.status.code);
    w.finish(at);
  }
  w.tag(16, FIXED32);
  w.fixed32(flags(s.spanContext(), s.parentSpanContext?.isRemote));
}

/** ResourceSpans.resource (field 1 with its tag), encoded once per process. */
export function resourceField(attrs: Attributes): Buffer {
  return encodedOnce((w) => {
    w.tag(1, LEN);
    const at = w.start();
    attributes(w, 1, attrs);
    w.finish(at);
  });
}

/** The head of a ScopeSpans message: its scope (field 1) and schema URL (field 3); the spans (field 2) follow. */
export function scopeHead(scope: InstrumentationScope): Buffer {
  return encodedOnce((w) => {
    w.tag(1, LEN);
    const at = w.start();
    w.tag(1, LEN);
    w.string(scope.name);
    if (scope.version) {
      w.tag(2, LEN);
      w.string(scope.version);
    }
    w.finish(at);
    if (scope.schemaUrl) {
      w.tag(3, LEN);
      w.string(scope.schemaUrl);
    }
  });
}
