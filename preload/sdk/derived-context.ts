import { ROOT_CONTEXT, type Context } from '@opentelemetry/api';

/*
 * The keys the OpenTelemetry API and core store the active span and the RPC metadata
 * under. They are Symbol.for() keys by design (createContextKey), so every copy of the
 * API in the process, the app's own included, uses these same two.
 */
export const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');
export const RPC_METADATA_KEY = Symbol.for('OpenTelemetry SDK Context Key RPC_METADATA');

/**
 * A context that is `parent` with one value set (or, as `undefined`, removed): what the
 * API's own contexts give from `setValue`, without their copy of the parent's Map and
 * three closures per context. Those made per request (the extracted parent of every
 * incoming request, the caller's context with the CLIENT span for traceparent) were the
 * largest part of what outlived a scavenge in the client+server bench: with a BaseContext
 * per request each scavenge promoted ~22 KB more and copied ~45 KB more, with this
 * nothing measurable (bench/preload-overhead.ts --part client-server, Node 20).
 * Lookups walk the chain, which is as long as the number of values set on top of a
 * context the API made.
 */
export class DerivedContext implements Context {
  constructor(
    private readonly parent: Context,
    private readonly key: symbol,
    private readonly value: unknown,
  ) {}

  getValue(key: symbol): unknown {
    if (this.key === key) return this.value;
    let c = this.parent;
    // A loop, not recursion: a chain of any length is read without growing the stack.
    while (c instanceof DerivedContext) {
      if (c.key === key) return c.value;
      c = c.parent;
    }
    return c.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return new DerivedContext(this, key, value);
  }

  deleteValue(key: symbol): Context {
    return new DerivedContext(this, key, undefined);
  }
}

/** An empty context whose derived contexts are DerivedContexts (propagators build the extracted one by setValue on it). */
export const EMPTY_CONTEXT: Context = new DerivedContext(ROOT_CONTEXT, Symbol('toolforge-tracing empty context'), undefined);
