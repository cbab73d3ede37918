// The context a traced request's handler runs in (preload/server/request-context.ts): the API,
// core and instrumentations must find the same span, RPC metadata and parent values in
// it as in the contexts the API itself builds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT, TraceFlags, createContextKey, propagation, trace } from '@opentelemetry/api';
import { RPCType, W3CBaggagePropagator, getRPCMetadata, type RPCMetadata } from '@opentelemetry/core';
import { RequestContext } from '../../preload/server/request-context.js';

const remote = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: true };
const server = trace.wrapSpanContext({ traceId: remote.traceId, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED });
const OTHER = createContextKey('test other key');

function requestContext(): { ctx: RequestContext; rpc: RPCMetadata } {
  const withBaggage = new W3CBaggagePropagator().extract(trace.setSpanContext(ROOT_CONTEXT, remote), { baggage: 'tool=alpha' }, { get: (c, k) => c[k], keys: Object.keys });
  const rpc: RPCMetadata = { type: RPCType.HTTP, span: server };
  return { ctx: new RequestContext(withBaggage.setValue(OTHER, 'kept'), server, rpc), rpc };
}

describe('RequestContext', () => {
  it('holds the span and the RPC metadata under the keys the API and core read, over its parent', () => {
    const { ctx, rpc } = requestContext();
    assert.equal(trace.getSpan(ctx), server);
    assert.equal(getRPCMetadata(ctx), rpc);
    assert.equal(ctx.getValue(OTHER), 'kept');
    assert.equal(propagation.getBaggage(ctx)?.getEntry('tool')?.value, 'alpha');
  });

  it('derives contexts that keep all of it, and can drop the span', () => {
    const { ctx, rpc } = requestContext();
    const child = trace.wrapSpanContext({ traceId: remote.traceId, spanId: '1111111111111111', traceFlags: TraceFlags.SAMPLED });
    const derived = trace.setSpan(ctx, child);
    assert.equal(trace.getSpan(derived), child);
    assert.equal(getRPCMetadata(derived), rpc);
    assert.equal(derived.getValue(OTHER), 'kept');
    assert.equal(trace.getSpan(ctx), server, 'the request context itself is unchanged');
    const dropped = trace.deleteSpan(ctx);
    assert.equal(trace.getSpan(dropped), undefined);
    assert.equal(getRPCMetadata(dropped), rpc);
  });

  it('puts what the route instrumentations write where the server span reads it', () => {
    const { ctx } = requestContext();
    const metadata = getRPCMetadata(trace.setSpan(ctx, server));
    assert.equal(metadata?.type, RPCType.HTTP);
    if (metadata?.type === RPCType.HTTP) metadata.route = '/notes/:id';
    assert.equal((getRPCMetadata(ctx) as { route?: string }).route, '/notes/:id');
  });
});
