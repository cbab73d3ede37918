import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, type Context } from '@opentelemetry/api';
// The package exports only its two concrete managers; the base class is what gives `bind` (functions, EventEmitters).
import { AbstractAsyncHooksContextManager } from '@opentelemetry/context-async-hooks/build/src/AbstractAsyncHooksContextManager.js';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * The preload's context manager: AsyncLocalStorage, started only once something needs a
 * context to cross an async boundary. Until then `with` sets the context for the
 * synchronous call only, which costs nothing per request: a server that never calls
 * out (or only answers from memory) never pays for propagation. Where AsyncLocalStorage
 * is built on async_hooks (Node 18-22), a running one calls a hook for every promise,
 * tick and timer the app creates: ~4-5 us of CPU per request on a hello-world fastify
 * app (Node 22, bench/preload-overhead.ts), more than everything else the preload does.
 * On Node 24 (V8 continuation data) it costs ~0.5 us; the policy is the same on every
 * runtime, so traces look the same on all.
 *
 * Propagation starts (`startPropagating`) when the app loads a package the preload
 * instruments (a database or Redis client, express, koa: sdk.ts), which is usually
 * before its first request, or else at the first outgoing HTTP call (the preload's
 * CLIENT span, client/http-client-spans.ts) or the first span the SDK starts
 * (PropagateFromFirstSpan), i.e. a fetch. From then on
 * every context follows async continuations as with OpenTelemetry's
 * AsyncLocalStorageContextManager. What is left to the second trigger: a first call
 * made in the request's synchronous code (http.get or fetch in the handler) has the
 * right parent, and its synchronous scope is carried on to that request's later calls;
 * a first call made after an `await` has no parent. Every outgoing span is exported
 * and named either way, so the service graph's counts are the same; only that one
 * trace is split.
 */
export class ContextOnDemandManager extends AbstractAsyncHooksContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  /** The context of the synchronous `with` calls in progress; what `active` falls back to. */
  private scope: Context = ROOT_CONTEXT;
  private propagating = false;

  get isPropagating(): boolean {
    return this.propagating;
  }

  active(): Context {
    return this.propagating ? (this.storage.getStore() ?? this.scope) : this.scope;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    if (this.propagating) return this.storage.run(context, thisArg == null ? fn : fn.bind(thisArg), ...args);
    const previous = this.scope;
    this.scope = context;
    try {
      return fn.apply(thisArg, args);
    } finally {
      this.scope = previous;
      // Propagation started inside this call: the rest of the current callback gets back what it had before.
      if (this.propagating) this.storage.enterWith(previous);
    }
  }

  /** From now on contexts follow async continuations; the synchronous scope in progress is carried to what it starts. */
  startPropagating(): void {
    if (this.propagating) return;
    this.propagating = true;
    this.storage.enterWith(this.scope);
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    this.scope = ROOT_CONTEXT;
    return this;
  }
}

/** A span processor that only starts the context manager's propagation at the first span the SDK starts. */
export class PropagateFromFirstSpan implements SpanProcessor {
  constructor(private readonly manager: ContextOnDemandManager) {}

  onStart(): void {
    this.manager.startPropagating();
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
