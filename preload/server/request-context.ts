import { trace, type Context, type Span } from '@opentelemetry/api';
import { setRPCMetadata, type RPCMetadata } from '@opentelemetry/core';

/*
 * The keys the OpenTelemetry API and core store the active span and the RPC metadata
 * under. They are Symbol.for() keys by design (createContextKey), so every copy of the
 * API in the process, the app's own included, uses these same two.
 */
const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');
const RPC_METADATA_KEY = Symbol.for('OpenTelemetry SDK Context Key RPC_METADATA');

/**
 * The context an incoming request's handler runs in: its parent (the extracted remote
 * context) plus the SERVER span and the RPC metadata the express and koa instrumentations
 * write the route into. One small object per request, where `setRPCMetadata(trace.setSpan(...))`
 * copies the parent's map twice; the copy is made only when someone derives a context
 * from this one (an outgoing call does).
 */
export class RequestContext implements Context {
  private derived: Context | undefined;

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
    return this.asBaseContext().setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return this.asBaseContext().deleteValue(key);
  }

  private asBaseContext(): Context {
    return (this.derived ??= setRPCMetadata(trace.setSpan(this.parent, this.span), this.rpc));
  }
}
