import { SpanKind } from '@opentelemetry/api';
import { ATTR_SAMPLED } from '../../topology/attributes.js';
import type { Profile } from '../../topology/index.js';
import { exportedAttributes, keptWhenUnsampled, passesScrubbingUnchanged } from '../attributes/exported-attributes.js';
import { attributes, encodedKey, hrTimeField, keyValue, nowField, spanIdentity } from './otlp-span-encoding.js';
import type { ProtobufWriter } from './protobuf-writer.js';
import { REQUEST_ATTRIBUTES, type ServerSpan } from '../server/server-span.js';

/**
 * The head and the attributes (Span field 9) of the preload's own SERVER span, written
 * from its fields: what `spanHead` and `attributes(w, 9, exportedAttributes(SERVER,
 * span.attributes, ...))` write, byte for byte (tests/preload/otlp-encoding.test.ts),
 * without building the attributes object, scanning it, and building its scrubbed copy
 * for every request, nor an HrTime array for each time.
 */

// The request attributes are exported as they are: checked once, here, against the policy itself.
for (const key of REQUEST_ATTRIBUTES) {
  if (!passesScrubbingUnchanged(SpanKind.SERVER, key)) throw new Error(`the privacy policy changes ${key}: server-span-encoding.ts must scrub it`);
}
const KEYS = REQUEST_ATTRIBUTES.map(encodedKey);
const KEPT_UNSAMPLED = REQUEST_ATTRIBUTES.map(keptWhenUnsampled);
const SAMPLED_KEY = encodedKey(ATTR_SAMPLED);

/** What spanHead writes, the times from the span's performance.now() readings. */
export function serverSpanHead(w: ProtobufWriter, span: ServerSpan): void {
  spanIdentity(w, span);
  nowField(w, 7, span.startedAt);
  if (span.endedNow) nowField(w, 8, span.endedAt);
  else hrTimeField(w, 8, span.endTime);
}

export function serverSpanAttributes(w: ProtobufWriter, span: ServerSpan, profile: Profile): void {
  const { values, sampled } = span;
  for (let i = 0; i < KEYS.length; i++) {
    const value = values[i];
    if (value !== undefined && (sampled || KEPT_UNSAMPLED[i])) keyValue(w, 9, KEYS[i]!, value);
  }
  if (span.extra === undefined) keyValue(w, 9, SAMPLED_KEY, sampled);
  else attributes(w, 9, exportedAttributes(SpanKind.SERVER, { ...span.extra, [ATTR_SAMPLED]: sampled }, sampled, profile));
}
