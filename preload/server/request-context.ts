import type { Context, Span } from '@opentelemetry/api';
import type { RPCMetadata } from '@opentelemetry/core';
import { DerivedContext, RPC_METADATA_KEY, SPAN_KEY } from '../sdk/derived-context.js';

/**
 * The context an incoming request's handler runs in: its parent (the extracted remote
 * context) plus the SERVER span and the RPC metadata the express and koa instrumentations
 * write the route into. One small object per request, where `setRPCMetadata(trace.setSpan(...))`
 * copies the parent's map twice; a context derived from this one is a DerivedContext.
 */
export class RequestContext implements Context {
  constructor(
    private readonly parent: Context,
    private readonly span: Span,
    private readonly rpc: RPCMetadata,
  ) {}

  getValue(key: symbol): unknown {
    if (key === SPAN_KEY) return this.span;
    if (key === RPC_METADATA_KEY) return this.rpc;
    return this.parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return new DerivedContext(this, key, value);
  }

  deleteValue(key: symbol): Context {
    return new DerivedContext(this, key, undefined);
  }
}
