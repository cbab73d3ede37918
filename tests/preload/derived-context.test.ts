// The preload's light contexts (preload/sdk/derived-context.ts): whatever is set on, removed
// from or read through them reads as it would in the contexts the API itself builds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT, TraceFlags, createContextKey, trace, type Context } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { DerivedContext, EMPTY_CONTEXT, SPAN_KEY } from '../../preload/sdk/derived-context.js';

const KEYS = [createContextKey('a'), createContextKey('b'), createContextKey('c'), SPAN_KEY];
const getter = { get: (c: Record<string, string>, k: string) => c[k], keys: Object.keys };

describe('DerivedContext', () => {
  it('reads as the API contexts do after any sequence of set and delete, over an API context', () => {
    // Two contexts built by the same operations, one from an API context, one from a DerivedContext over it.
    const base = ROOT_CONTEXT.setValue(KEYS[0]!, 'from the parent').setValue(KEYS[1]!, 'also');
    let api: Context = base;
    let ours: Context = new DerivedContext(base, KEYS[2]!, undefined).deleteValue(KEYS[2]!);
    let seed = 7;
    for (let step = 0; step < 500; step++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const key = KEYS[seed % KEYS.length]!;
      if (seed % 3 === 0) {
        api = api.deleteValue(key);
        ours = ours.deleteValue(key);
      } else {
        api = api.setValue(key, step);
        ours = ours.setValue(key, step);
      }
      for (const k of KEYS) assert.equal(ours.getValue(k), api.getValue(k), `step ${step}`);
    }
  });

  it('leaves the context it was made from unchanged', () => {
    const parent = ROOT_CONTEXT.setValue(KEYS[0]!, 1);
    const derived = new DerivedContext(parent, KEYS[0]!, 2);
    assert.equal(derived.deleteValue(KEYS[0]!).getValue(KEYS[0]!), undefined);
    assert.equal(derived.getValue(KEYS[0]!), 2);
    assert.equal(parent.getValue(KEYS[0]!), 1);
  });

  it('reads a long chain without growing the stack', () => {
    let ctx: Context = EMPTY_CONTEXT;
    for (let i = 0; i < 200_000; i++) ctx = ctx.setValue(KEYS[i % 3]!, i);
    assert.equal(ctx.getValue(SPAN_KEY), undefined);
    assert.equal(ctx.getValue(KEYS[0]!), 199_998);
  });

  it('gives the extracted remote parent the W3C propagator gives from the root context', () => {
    const carrier = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'vendor=x' };
    const propagator = new W3CTraceContextPropagator();
    const ours = propagator.extract(EMPTY_CONTEXT, carrier, getter);
    const api = propagator.extract(ROOT_CONTEXT, carrier, getter);
    assert.ok(ours instanceof DerivedContext);
    assert.deepEqual(trace.getSpanContext(ours), trace.getSpanContext(api));
    assert.equal(trace.getSpanContext(ours)?.traceFlags, TraceFlags.SAMPLED);
    assert.equal(trace.getSpanContext(ours)?.traceState?.serialize(), 'vendor=x');
    assert.equal(trace.getSpanContext(propagator.extract(EMPTY_CONTEXT, {}, getter)), undefined);
  });
});
