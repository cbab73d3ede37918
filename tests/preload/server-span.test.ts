// The preload's own SERVER span (preload/server/server-span.ts): what the app and the
// instrumentations can do with it through the OpenTelemetry API, and the sampling it
// shares with the SDK's spans. End-to-end behaviour: destinations.test.ts, sampling.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SamplingDecision, type ReadableSpan, type Sampler } from '@opentelemetry/sdk-trace-base';
import { RecordEverySpanSampler, standardSampler } from '../../preload/sdk/sampler.js';
import { ServerSpan, type RequestFacts, type ServerSpanSettings } from '../../preload/server/server-span.js';
import { PooledIdGenerator } from '../../preload/sdk/span-ids.js';

function settings(ended: ReadableSpan[], sampler = standardSampler('parentbased_traceidratio', 0)): ServerSpanSettings {
  return {
    sampler: new RecordEverySpanSampler(sampler),
    idGenerator: new PooledIdGenerator(),
    scope: { name: 'toolforge-tracing-http-server', version: '1' },
    resource: resourceFromAttributes({ 'service.name': 't' }),
    onEnd: (s) => void ended.push(s),
  };
}

const GET: RequestFacts = { method: 'GET', scheme: 'https', path: '/x', protocolVersion: '1.1', host: 'mytool.toolforge.org', port: undefined };

describe('ServerSpan', () => {
  it('continues a sampled remote parent and follows its decision', () => {
    const ended: ReadableSpan[] = [];
    const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: true });
    const span = new ServerSpan('GET', GET, parent, settings(ended));
    assert.equal(span.spanContext().traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.match(span.spanContext().spanId, /^[0-9a-f]{16}$/);
    assert.equal(span.spanContext().traceFlags, TraceFlags.SAMPLED);
    assert.equal(span.parentSpanContext?.spanId, 'b7ad6b7169203331');
    assert.deepEqual(span.attributes, {
      'http.request.method': 'GET',
      'url.scheme': 'https',
      'url.path': '/x',
      'network.protocol.version': '1.1',
      'server.address': 'mytool.toolforge.org',
      'toolforge.sampled': true,
    });
  });

  it('records a root the ratio sampler drops, unsampled, with a new trace id', () => {
    const span = new ServerSpan('GET', GET, ROOT_CONTEXT, settings([]));
    assert.match(span.spanContext().traceId, /^[0-9a-f]{32}$/);
    assert.equal(span.spanContext().traceFlags, TraceFlags.NONE);
    assert.equal(span.parentSpanContext, undefined);
    assert.equal(span.isRecording(), true);
    assert.equal(span.attributes['toolforge.sampled'], false);
  });

  it('takes what the app sets until it ends, within the SDK default limits, and is handed over once', () => {
    const ended: ReadableSpan[] = [];
    const span = new ServerSpan('GET', GET, ROOT_CONTEXT, settings(ended));
    for (let i = 0; i < 200; i++) span.setAttribute(`k${i}`, i);
    span.setAttribute('bad', { nested: true } as never);
    span.recordException(new TypeError('nope'));
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'nope' });
    span.updateName('GET /x');
    span.end();
    span.end();
    span.setAttribute('late', 1);
    span.updateName('late');
    assert.equal(ended.length, 1);
    // The request's five attributes and the sampled marker count towards the 128.
    assert.equal(Object.keys(span.attributes).length, 128);
    assert.equal(span.droppedAttributesCount, 200 + 6 - 128);
    assert.equal(span.attributes.bad, undefined);
    assert.equal(span.attributes.late, undefined);
    assert.equal(span.name, 'GET /x');
    assert.deepEqual(span.status, { code: SpanStatusCode.ERROR, message: 'nope' });
    assert.equal(span.events[0]!.name, 'exception');
    assert.equal(span.events[0]!.attributes!['exception.type'], 'TypeError');
    assert.equal(span.isRecording(), false);
    assert.ok(span.endTime[0] >= span.startTime[0]);
  });

  it('keeps request attributes in their fields whoever sets them, and the sampled marker to the sampler', () => {
    const span = new ServerSpan('GET', GET, ROOT_CONTEXT, settings([]));
    span.setAttribute('http.route', '/notes/:id');
    span.setAttribute('http.response.status_code', 404);
    span.setAttribute('server.port', 8443);
    span.setAttribute('toolforge.sampled', true);
    span.setAttribute('app.cache', 'miss');
    assert.deepEqual(span.values, ['GET', 'https', '/x', '1.1', 'mytool.toolforge.org', 8443, '/notes/:id', 404, undefined]);
    assert.deepEqual(span.extra, { 'app.cache': 'miss' });
    assert.equal(span.attributes['toolforge.sampled'], false);
  });

  it('asks the sampler once, when its context is first needed, and keeps what a sampler adds even after the end', () => {
    const calls: string[] = [];
    const sampler: Sampler = {
      shouldSample: (_context, traceId) => {
        calls.push(traceId);
        return { decision: SamplingDecision.RECORD_AND_SAMPLED, attributes: { 'sampler.rule': 'keep' } };
      },
      toString: () => 'counting',
    };
    const span = new ServerSpan('GET', GET, ROOT_CONTEXT, { ...settings([]), sampler });
    span.end();
    assert.equal(calls.length, 0);
    const first = span.spanContext();
    assert.equal(span.spanContext(), first);
    assert.deepEqual(calls, [first.traceId]);
    assert.equal(span.sampled, true);
    assert.equal(span.attributes['sampler.rule'], 'keep');
  });
});
