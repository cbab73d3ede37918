import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** One span as a test wants to see it, whichever OTLP encoding carried it. */
export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };
export type SpanKindName = 'UNSPECIFIED' | 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: SpanKindName;
  flags: number;
  attributes: Record<string, AttributeValue>;
  resource: Record<string, AttributeValue>;
  scope: string;
  events: number;
  statusCode: number;
}

const KINDS: SpanKindName[] = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const protoFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'otlp', 'trace.proto');
const root = protobuf.parse(readFileSync(protoFile, 'utf8'), { keepCase: false }).root;
const ExportTraceServiceRequest = root.lookupType('otlp.ExportTraceServiceRequest');

type Obj = Record<string, unknown>;

function hex(v: unknown): string {
  if (v === undefined || v === null || v === '') return '';
  if (typeof v === 'string') return /^[0-9a-f]*$/i.test(v) && v.length % 2 === 0 ? v.toLowerCase() : Buffer.from(v, 'base64').toString('hex');
  return Buffer.from(v as Uint8Array).toString('hex');
}

function anyValue(v: Obj | undefined): AttributeValue {
  if (v === undefined || v === null) return null;
  if ('stringValue' in v) return v.stringValue as string;
  if ('boolValue' in v) return v.boolValue as boolean;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('arrayValue' in v) return (((v.arrayValue as Obj).values as Obj[] | undefined) ?? []).map(anyValue);
  if ('kvlistValue' in v) return attributes((v.kvlistValue as Obj).values as Obj[] | undefined);
  if ('bytesValue' in v) return hex(v.bytesValue);
  return null;
}

function attributes(list: Obj[] | undefined): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const kv of list ?? []) out[kv.key as string] = anyValue(kv.value as Obj | undefined);
  return out;
}

/** Both encodings normalised to camelCase objects: protobuf via protobufjs, JSON as OTLP/JSON specifies. */
function spansOf(request: Obj): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of (request.resourceSpans as Obj[] | undefined) ?? []) {
    const resource = attributes(((rs.resource as Obj | undefined)?.attributes as Obj[] | undefined) ?? []);
    for (const ss of (rs.scopeSpans as Obj[] | undefined) ?? []) {
      const scope = ((ss.scope as Obj | undefined)?.name as string | undefined) ?? '';
      for (const s of (ss.spans as Obj[] | undefined) ?? []) {
        const parent = hex(s.parentSpanId);
        const kind = typeof s.kind === 'number' ? s.kind : KINDS.indexOf(String(s.kind).replace('SPAN_KIND_', '') as SpanKindName);
        out.push({
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: parent === '' ? undefined : parent,
          name: s.name as string,
          kind: KINDS[kind] ?? 'UNSPECIFIED',
          flags: Number(s.flags ?? 0),
          attributes: attributes(s.attributes as Obj[] | undefined),
          resource,
          scope,
          events: ((s.events as Obj[] | undefined) ?? []).length,
          statusCode: Number((s.status as Obj | undefined)?.code ?? 0),
        });
      }
    }
  }
  return out;
}

export function decodeProtobuf(body: Uint8Array): ReceivedSpan[] {
  const message = ExportTraceServiceRequest.decode(body);
  const request = ExportTraceServiceRequest.toObject(message, { longs: String, bytes: String, enums: Number, defaults: false }) as Obj;
  return spansOf(request);
}

export function decodeJson(body: string): ReceivedSpan[] {
  return spansOf(JSON.parse(body) as Obj);
}
