// The preload's own OTLP protobuf encoder (preload/export/otlp-span-encoding.ts, fed by
// preload/export/encoded-span-queue.ts), checked against the real opentelemetry-proto trace
// messages (protobufjs with tests/support/otlp/trace.proto) and against the SDK's own
// serializer on the same spans.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Attributes } from '@opentelemetry/api';
import { TraceState, hrTime } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, BasicTracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { profileByName, type Profile } from '../../topology/index.js';
import { EncodedSpanQueue, type QueueSettings } from '../../preload/export/encoded-span-queue.js';
import { exportedAttributes } from '../../preload/attributes/exported-attributes.js';
import { hrTimeField, nowField, resourceField } from '../../preload/export/otlp-span-encoding.js';
import { ProtobufWriter } from '../../preload/export/protobuf-writer.js';
import { RecordEverySpanSampler, standardSampler } from '../../preload/sdk/sampler.js';
import { ServerSpan, type RequestFacts } from '../../preload/server/server-span.js';
import { PooledIdGenerator } from '../../preload/sdk/span-ids.js';
import { repoRoot } from '../support/preload-bundle.js';

const root = protobuf.parse(readFileSync(path.join(repoRoot, 'tests', 'support', 'otlp', 'trace.proto'), 'utf8'), { keepCase: false }).root;
const Request = root.lookupType('otlp.ExportTraceServiceRequest');
type Obj = Record<string, any>;

/** The span as the SDK's serializer must see it to write what the preload writes: the same span, its attributes scrubbed and named. */
function exportedSpan(span: ReadableSpan, profile: Profile): ReadableSpan {
  const sampled = (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0;
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status: span.status,
    attributes: exportedAttributes(span.kind, span.attributes, sampled, profile),
    links: span.links,
    events: span.events,
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

function decode(body: Uint8Array): Obj {
  return Request.toObject(Request.decode(body), { longs: String, bytes: String, enums: Number, defaults: true, arrays: true }) as Obj;
}

const profile = profileByName('toolforge');
const RESOURCE: Attributes = { 'service.name': 'encoder-tool', 'k8s.namespace.name': 'tool-encoder-tool', 'toolforge.tool': 'encoder-tool' };

/** Spans made by the real SDK, handed to `sink` as they end. */
function tracerProvider(sink: ReadableSpan[]): BasicTracerProvider {
  const collect: SpanProcessor = { onStart() {}, onEnd: (s) => void sink.push(s), forceFlush: async () => {}, shutdown: async () => {} };
  return new BasicTracerProvider({ resource: resourceFromAttributes(RESOURCE), sampler: new AlwaysOnSampler(), spanProcessors: [collect] });
}

function queue(settings: Partial<QueueSettings>, post: (body: Buffer) => Promise<boolean>): EncodedSpanQueue {
  const all: QueueSettings = { maxQueueSize: 1024, maxExportBatchSize: 256, scheduledDelayMillis: 60000, exportTimeoutMillis: 1000, exitFlushMillis: 1000, ...settings };
  return new EncodedSpanQueue(all, profile, resourceField(RESOURCE), (body) => post(Buffer.from(body)), () => assert.fail('no exit in this process'));
}

/** A sampled trace with every kind of field the encoder writes. */
function richSpans(): ReadableSpan[] {
  const ended: ReadableSpan[] = [];
  const provider = tracerProvider(ended);
  const server = provider.getTracer('toolforge-tracing-http-server', '1.2.3');
  const client = provider.getTracer('@opentelemetry/instrumentation-http', '0.9.0');
  const remoteParent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: new TraceState('vendor=opaque,other=1'),
  });
  const s = server.startSpan('GET /notes/:id', { kind: SpanKind.SERVER, startTime: [1764000000, 123456789], attributes: { 'http.request.method': 'GET', 'url.path': '/notes/7', 'server.port': 443 } }, remoteParent);
  s.setAttribute('note', 'ünïcödé ✓ 文字');
  s.setAttribute('long', 'x'.repeat(300));
  s.setAttribute('negative', -42);
  s.setAttribute('big', 2 ** 40 + 1);
  s.setAttribute('ratio', 0.25);
  s.setAttribute('flag', false);
  s.setAttribute('list', ['a', 'b']);
  s.setAttribute('numbers', [1, 2.5]);
  s.addEvent('cache miss', { key: 'k1' }, [1764000000, 200000000]);
  s.addLink({ context: { traceId: '11111111111111111111111111111111', spanId: '2222222222222222', traceFlags: TraceFlags.NONE, isRemote: true }, attributes: { why: 'batch' } });
  const child = client.startSpan('GET', { kind: SpanKind.CLIENT, attributes: { 'server.address': 'en.wikipedia.org', 'server.port': 443, 'url.full': 'https://en.wikipedia.org/w/api.php?action=query&lgpassword=hunter2' } }, trace.setSpan(remoteParent, s));
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom: 500' });
  child.end([1764000000, 300000000]);
  s.end([1764000001, 999999999]);
  return ended;
}

/** The spans of a decoded request, each with its scope's name. */
function spansOf(request: Obj): Obj[] {
  return request.resourceSpans.flatMap((rs: Obj) => rs.scopeSpans.flatMap((ss: Obj) => ss.spans.map((s: Obj) => ({ ...s, scope: `${ss.scope.name}@${ss.scope.version}` }))));
}

describe('OTLP protobuf encoder', () => {
  it('writes what the SDK serializer writes for the same sampled spans, scrubbed and named', async () => {
    const spans = richSpans();
    const bodies: Buffer[] = [];
    const q = queue({}, async (body) => {
      bodies.push(body);
      return true;
    });
    for (const s of spans) q.onEnd(s);
    await q.forceFlush();
    assert.equal(bodies.length, 1);
    const ours = decode(bodies[0]!);

    const reference = decode(ProtobufTraceSerializer.serializeRequest(spans.map((s) => exportedSpan(s, profile)))!);
    assert.deepEqual(ours.resourceSpans[0].resource, reference.resourceSpans[0].resource);
    const mine = spansOf(ours);
    const theirs = spansOf(reference);
    assert.equal(mine.length, 2);
    for (const [i, span] of mine.entries()) {
      // The SDK writes an UNSET status explicitly; ours leaves the default out. Same value on decode.
      assert.deepEqual({ ...span, status: span.status ?? { message: '', code: 0 } }, { ...theirs.find((t) => t.spanId === span.spanId)!, status: theirs.find((t) => t.spanId === span.spanId)!.status }, `span ${i}`);
    }
    const server = mine.find((s) => s.kind === 2)!;
    assert.equal(server.startTimeUnixNano, '1764000000123456789');
    assert.equal(server.endTimeUnixNano, '1764000001999999999');
    assert.equal(server.traceState, 'vendor=opaque,other=1');
    assert.equal(server.flags, 0x301, 'sampled, parent known to be remote');
    assert.equal(server.events[0].name, 'cache miss');
    assert.equal(server.links[0].attributes[0].key, 'why');
    const attrs = Object.fromEntries(server.attributes.map((kv: Obj) => [kv.key, kv.value]));
    assert.equal(attrs.note.stringValue, 'ünïcödé ✓ 文字');
    assert.equal(attrs.long.stringValue, 'x'.repeat(300));
    assert.equal(attrs.negative.intValue, '-42');
    assert.equal(attrs.big.intValue, String(2 ** 40 + 1));
    assert.equal(attrs.ratio.doubleValue, 0.25);
    assert.equal(attrs.flag.boolValue, false);
    const client = mine.find((s) => s.kind === 3)!;
    assert.deepEqual(client.status, { message: 'boom: 500', code: 2 });
    const clientAttrs = Object.fromEntries(client.attributes.map((kv: Obj) => [kv.key, kv.value.stringValue ?? kv.value.intValue ?? kv.value.boolValue]));
    assert.equal(clientAttrs['peer.service'], 'wikimedia:mediawiki');
    assert.match(clientAttrs['url.full'], /lgpassword=REDACTED$/);
  });

  it('writes unsampled spans slim: graph attributes, no events or links, the real trace flags', async () => {
    const ended: ReadableSpan[] = [];
    const provider = tracerProvider(ended);
    const unsampledParent = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.NONE, isRemote: true });
    const span = provider.getTracer('@opentelemetry/instrumentation-http').startSpan('GET', { kind: SpanKind.CLIENT, attributes: { 'server.address': 'tools.db.svc.wikimedia.cloud', 'url.full': 'http://x/?token=1' } }, unsampledParent);
    span.addEvent('ignored');
    span.end();
    const s = ended[0]!;
    // What the preload's sampler makes of an unsampled trace: recorded, but without the sampled flag.
    const unsampled: ReadableSpan = { ...s, spanContext: () => ({ ...s.spanContext(), traceFlags: TraceFlags.NONE }), attributes: s.attributes, events: s.events, links: s.links };
    const bodies: Buffer[] = [];
    const q = queue({}, async (body) => {
      bodies.push(body);
      return true;
    });
    q.onEnd(unsampled);
    await q.forceFlush();
    const decoded = spansOf(decode(bodies[0]!))[0]!;
    assert.deepEqual(decoded.events, []);
    assert.equal(decoded.flags, 0x300, 'not sampled, parent known to be remote');
    const keys = decoded.attributes.map((kv: Obj) => kv.key);
    assert.ok(keys.includes('peer.service') && keys.includes('toolforge.dependency.kind'), keys.join());
    assert.ok(keys.every((k: string) => k.startsWith('toolforge.') || k === 'peer.service'), `only graph attributes: ${keys.join()}`);
    assert.equal(decoded.attributes.find((kv: Obj) => kv.key === 'toolforge.sampled').value.boolValue, false);
  });

  it('groups spans by scope, and keeps a request to the batch size', async () => {
    const ended: ReadableSpan[] = [];
    const provider = tracerProvider(ended);
    for (let i = 0; i < 5; i++) provider.getTracer(i % 2 === 0 ? 'a' : 'b', '1').startSpan(`s${i}`).end();
    const bodies: Buffer[] = [];
    const q = queue({ maxExportBatchSize: 3 }, async (body) => {
      bodies.push(body);
      return true;
    });
    for (const s of ended) q.onEnd(s);
    await q.forceFlush();
    assert.deepEqual(bodies.map((b) => spansOf(decode(b)).map((s) => `${s.scope}:${s.name}`)), [['a@1:s0', 'b@1:s1', 'a@1:s2'], ['b@1:s3', 'a@1:s4']]);
  });

  it('holds at most the queue while a request is in flight, and drops the rest', async () => {
    const ended: ReadableSpan[] = [];
    const provider = tracerProvider(ended);
    for (let i = 0; i < 20; i++) provider.getTracer('t').startSpan(`s${i}`).end();
    const bodies: Buffer[] = [];
    let release: (ok: boolean) => void = () => undefined;
    const q = queue({ maxQueueSize: 4, maxExportBatchSize: 2 }, (body) => {
      bodies.push(body);
      return new Promise((r) => (release = r));
    });
    for (const s of ended) q.onEnd(s); // 2 go out at once, 4 wait, 14 are dropped
    const flushed = q.forceFlush();
    for (let i = 0; i < 5 && bodies.length < 3; i++) {
      release(true);
      await new Promise((r) => setImmediate(r));
    }
    release(true);
    await flushed;
    assert.deepEqual(bodies.map((b) => spansOf(decode(b)).map((s) => s.name)), [['s0', 's1'], ['s2', 's3'], ['s4', 's5']]);
  });

  it('sends spans that never fill a batch after the scheduled delay, and drops only the span that cannot be encoded', async () => {
    const ended: ReadableSpan[] = [];
    const provider = tracerProvider(ended);
    for (let i = 0; i < 3; i++) provider.getTracer('t').startSpan(`s${i}`).end();
    const broken: ReadableSpan = {
      ...ended[1]!,
      spanContext: () => ended[1]!.spanContext(),
      get attributes(): Attributes {
        throw new Error('unreadable');
      },
    };
    const bodies: Buffer[] = [];
    const q = queue({ scheduledDelayMillis: 50 }, async (body) => {
      bodies.push(body);
      return true;
    });
    for (const s of [ended[0]!, broken, ended[2]!]) q.onEnd(s);
    assert.equal(bodies.length, 0);
    const deadline = Date.now() + 5000;
    while (bodies.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(bodies.map((b) => spansOf(decode(b)).map((s) => s.name)), [['s0', 's2']]);
  });

  it('writes a performance.now() reading as the time the SDK clock (core hrTime) gives it', () => {
    const written = (write: (w: ProtobufWriter) => void): string => {
      const w = new ProtobufWriter(16);
      write(w);
      return w.bytes().toString('hex');
    };
    // Readings of a long-running process, and readings whose fraction of a second rounds up to the next one.
    const now = fc.oneof(fc.double({ min: 0, max: 1e10, noNaN: true }), fc.integer({ min: 0, max: 1e7 }).map((s) => s * 1000 - 1e-7));
    fc.assert(
      fc.property(now, (n) => {
        assert.equal(written((w) => nowField(w, 7, n)), written((w) => hrTimeField(w, 7, hrTime(n))));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes the server spans of the preload from their fields, byte for byte as the general path writes them', async () => {
    const facts = fc.record<RequestFacts>({
      method: fc.constantFrom('GET', 'POST', 'PROPFIND'),
      scheme: fc.constantFrom('http', 'https'),
      path: fc.constantFrom('/', '/api/ü', '/x'.repeat(80)),
      protocolVersion: fc.constantFrom('1.0', '1.1'),
      host: fc.option(fc.constantFrom('mytool.toolforge.org', '[::1]'), { nil: undefined }),
      port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    });
    // What the app or instrumentations may set: request attributes, personal ones the policy drops, URLs it scrubs.
    const key = fc.constantFrom('http.route', 'http.response.status_code', 'error.type', 'server.port', 'url.path', 'user_agent.original', 'client.address', 'url.query', 'http.target', 'http.url', 'http.request.header.cookie', 'app.cache', 'toolforge.sampled');
    const value = fc.oneof(fc.constantFrom('/notes/:id', 'https://x.org/?token=1&a=2', 'aborted'), fc.integer({ min: -5, max: 600 }), fc.boolean(), fc.array(fc.string(), { maxLength: 2 }));
    // What the app may pass to end(): an HrTime, epoch milliseconds, a Date.
    const endTime = fc.oneof(fc.tuple(fc.integer({ min: 1.7e9, max: 1.8e9 }), fc.integer({ min: 0, max: 999_999_999 })), fc.integer({ min: 1.7e12, max: 1.8e12 }), fc.date({ noInvalidDate: true }));
    const settled = { sampler: new RecordEverySpanSampler(standardSampler('parentbased_traceidratio', 0.5)), idGenerator: new PooledIdGenerator(), scope: { name: 'toolforge-tracing-http-server', version: '1' }, resource: resourceFromAttributes(RESOURCE), onEnd: () => undefined };
    await fc.assert(
      fc.asyncProperty(facts, fc.array(fc.tuple(key, value), { maxLength: 6 }), fc.boolean(), fc.option(endTime, { nil: undefined }), async (f, set, failed, givenEnd) => {
        const span = new ServerSpan(f.method, f, ROOT_CONTEXT, settled);
        for (const [k, v] of set) span.setAttribute(k, v);
        if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end(givenEnd);
        // The same span, as any other ReadableSpan: the general path (exportedAttributes of span.attributes).
        const general: ReadableSpan = { ...span, spanContext: () => span.spanContext(), attributes: span.attributes, startTime: span.startTime, endTime: span.endTime, duration: span.duration, kind: span.kind };
        const [fast, slow] = await Promise.all(
          [span, general].map(async (s) => {
            let sent: Buffer = Buffer.alloc(0);
            const q = queue({}, async (body) => {
              sent = body;
              return true;
            });
            q.onEnd(s);
            await q.forceFlush();
            return sent;
          }),
        );
        assert.ok(fast!.length > 0);
        assert.ok(fast!.equals(slow!), JSON.stringify({ fast: spansOf(decode(fast!)), general: spansOf(decode(slow!)) }));
      }),
      { numRuns: 300 },
    );
  });
});
