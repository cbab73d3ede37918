// The preload's own CLIENT span for outgoing http/https calls (preload/client/): against a
// real loopback server in this process, what each call's span says (the attributes
// instrumentation-http's spans had), its status and error, and the traceparent the server
// receives. This file's process has http and https patched as the preload patches them.
// End-to-end (scrubbing, names, the callee's side): destinations.test.ts, url-secrets.test.ts.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { traceOutgoingRequests } from '../../preload/client/http-client-spans.js';
import type { LightSpan } from '../../preload/sdk/light-span.js';
import { ContextOnDemandManager } from '../../preload/sdk/context-on-demand.js';
import { RecordEverySpanSampler, standardSampler } from '../../preload/sdk/sampler.js';
import { PooledIdGenerator } from '../../preload/sdk/span-ids.js';

const ended: LightSpan[] = [];
let calls = 0;
const manager = new ContextOnDemandManager();
context.setGlobalContextManager(manager);
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
traceOutgoingRequests({
  sampler: new RecordEverySpanSampler(standardSampler('parentbased_always_on', 1)),
  idGenerator: new PooledIdGenerator(),
  scope: { name: '@opentelemetry/instrumentation-http', version: '0.223.0' },
  resource: resourceFromAttributes({ 'service.name': 'client-span-test' }),
  onEnd: (span) => void ended.push(span),
  onCall: () => {
    calls++;
    manager.startPropagating();
  },
});

/** What the server saw of each request, by path. */
const seen = new Map<string, { traceparent: string | undefined; expect: string | undefined }>();
let origin: string;
let port: number;
const server = http.createServer((req, res) => {
  seen.set(req.url!, { traceparent: req.headers.traceparent as string | undefined, expect: req.headers.expect as string | undefined });
  res.statusCode = req.url!.startsWith('/fail') ? 503 : 200;
  res.end('ok');
});

/** Makes one request with `make`, reads the answer, and returns the span that ended for it. */
async function call(make: (done: () => void, failed: (err: Error) => void) => void): Promise<LightSpan> {
  const before = ended.length;
  await new Promise<void>((resolve, reject) => make(resolve, reject)).catch(() => undefined);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(ended.length, before + 1, 'one span ended for the call');
  return ended[ended.length - 1]!;
}

const get = (url: string, options: http.RequestOptions = {}) =>
  call((done, failed) => {
    http.get(url, options, (res) => {
      res.resume();
      res.on('end', done);
    }).on('error', failed);
  });

describe('CLIENT spans of outgoing http calls', () => {
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    origin = `http://127.0.0.1:${port}`;
  });
  after(() => {
    server.close();
  });

  it('says what instrumentation-http said: method, address, port, full URL, answer and peer', async () => {
    const span = await get(`${origin}/items/7?format=json`, { headers: { 'user-agent': 'mybot/1.0' } });
    assert.equal(span.name, 'GET');
    assert.equal(span.kind, SpanKind.CLIENT);
    assert.deepEqual(span.instrumentationScope, { name: '@opentelemetry/instrumentation-http', version: '0.223.0' });
    assert.deepEqual(span.attributes, {
      'http.request.method': 'GET',
      'server.address': '127.0.0.1',
      'server.port': port,
      'url.full': `${origin}/items/7?format=json`,
      'user_agent.original': 'mybot/1.0',
      'http.response.status_code': 200,
      'network.peer.address': '127.0.0.1',
      'network.peer.port': port,
      'network.protocol.version': '1.1',
      'toolforge.sampled': true,
    });
    assert.deepEqual(span.status, { code: SpanStatusCode.UNSET });
    assert.equal(span.ended, true);
  });

  it('sends the span as traceparent, a child of the caller’s span, and starts context propagation', async () => {
    const parent = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: true });
    const callsBefore = calls;
    const span = await context.with(trace.setSpan(ROOT_CONTEXT, parent), () => get(`${origin}/child`));
    const { traceId, spanId } = span.spanContext();
    assert.equal(traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(span.parentSpanContext?.spanId, 'b7ad6b7169203331');
    assert.equal(seen.get('/child')?.traceparent, `00-0af7651916cd43dd8448eb211c80319c-${spanId}-01`);
    assert.equal(calls, callsBefore + 1);
    assert.equal(manager.isPropagating, true);
  });

  it('makes the request with the app’s own options: a lower-case method, plain options and http.request', async () => {
    const span = await call((done, failed) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/posted', method: 'post' }, (res) => {
        res.resume();
        res.on('end', done);
      });
      req.on('error', failed);
      req.end('body');
    });
    assert.equal(span.name, 'POST');
    assert.equal(span.attributes['http.request.method'], 'POST');
    assert.equal(span.attributes['url.full'], `${origin}/posted`);
    assert.match(String(seen.get('/posted')?.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('marks a 5xx answer as an error, with its status code', async () => {
    const span = await get(`${origin}/fail`);
    assert.equal(span.attributes['http.response.status_code'], 503);
    assert.deepEqual(span.status, { code: SpanStatusCode.ERROR });
  });

  it('ends a refused connection with its error: type, status message and exception event', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const span = await get(`http://127.0.0.1:${closedPort}/nobody`);
    assert.equal(span.attributes['error.type'], 'Error');
    assert.equal(span.attributes['http.response.status_code'], undefined);
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.match(String(span.status.message), /ECONNREFUSED/);
    assert.equal(span.events[0]!.name, 'exception');
    assert.equal(span.events[0]!.attributes!['exception.type'], 'ECONNREFUSED');
  });

  it('sends a request whose head Node writes at once (Expect) unchanged, without traceparent, and still records it', async () => {
    const span = await get(`${origin}/expect`, { headers: { expect: '100-continue' } });
    assert.deepEqual(seen.get('/expect'), { traceparent: undefined, expect: '100-continue' });
    assert.equal(span.attributes['http.response.status_code'], 200);
  });

  it('lets an app copy its request’s and response’s listeners onto its own emitters, or call them bare: nothing throws, the call’s own span ends once', async () => {
    const { EventEmitter, errorMonitor } = await import('node:events');
    const before = ended.length;
    const copies = new EventEmitter();
    const thrown: unknown[] = [];
    // The preload's listeners are named on<Event> (Node's own here: responseOnEnd; the app's: a bound once-wrapper).
    let copied = 0;
    const ours = (listeners: unknown[]) => (listeners as Array<(...args: unknown[]) => void>).filter((l) => /^on[A-Z]/.test(l.name) && ++copied > 0);
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${origin}/copied`, (res) => {
        for (const event of ['end', errorMonitor] as const) for (const listener of ours(res.listeners(event))) copies.on(event, listener);
        res.resume();
        res.on('end', resolve);
      });
      for (const event of ['response', 'close', errorMonitor] as const) for (const listener of ours(req.listeners(event))) copies.on(event, listener);
      req.on('error', reject);
    });
    for (const event of ['response', 'end', 'close', errorMonitor] as const) {
      try {
        copies.emit(event, new Error('not ours'));
        for (const listener of copies.listeners(event)) (listener as (e: Error) => void)(new Error('bare'));
      } catch (error) {
        thrown.push(error);
      }
    }
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(copied, 5, 'the preload’s five listeners were copied');
    assert.deepEqual(thrown, []);
    assert.equal(ended.length, before + 1, 'only the call’s own span ended');
    assert.equal(ended[ended.length - 1]!.attributes['url.full'], `${origin}/copied`);
  });
});
