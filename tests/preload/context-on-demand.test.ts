// Context propagation that starts only when something needs it (preload/sdk/context-on-demand.ts):
// the manager itself against real AsyncLocalStorage, then a real plain-http tool with the
// preload on Node 22 (AsyncLocalStorage on async_hooks) and Node 24 (on continuation data).
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { setImmediate as tick } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { ROOT_CONTEXT, createContextKey, type Context } from '@opentelemetry/api';
import { ContextOnDemandManager, PropagateFromFirstSpan } from '../../preload/sdk/context-on-demand.js';
import type { ReceivedSpan } from '../support/otlp-decode.js';
import { fixtureApp, startToolforgeWorld, type RunningTool, type ToolforgeWorld } from '../support/toolforge-world.js';
import { clientSpans, serverSpans, toPeer } from './span-queries.js';

const KEY = createContextKey('test request');
const requestA = ROOT_CONTEXT.setValue(KEY, 'a');
const requestB = ROOT_CONTEXT.setValue(KEY, 'b');
const nameOf = (ctx: Context): unknown => ctx.getValue(KEY) ?? 'root';

/** Runs `fn` in a callback of its own (a fresh async resource), as an incoming request's handler runs. */
const inOwnCallback = <T>(fn: () => T): Promise<T> => new Promise((resolve) => setImmediate(() => resolve(fn())));

describe('ContextOnDemandManager, before propagation starts', () => {
  it('gives synchronous code the context of the with() it runs in, nested calls included', () => {
    const manager = new ContextOnDemandManager();
    const seen = manager.with(requestA, () => [nameOf(manager.active()), manager.with(requestB, () => nameOf(manager.active())), nameOf(manager.active())]);
    assert.deepEqual(seen, ['a', 'b', 'a']);
    assert.equal(manager.active(), ROOT_CONTEXT);
  });

  it('passes this and the arguments, and restores the context when fn throws', () => {
    const manager = new ContextOnDemandManager();
    const target = { n: 2 };
    assert.equal(manager.with(requestA, function (this: typeof target, x: number) { return this.n * x; }, target, 21), 42);
    assert.throws(() => manager.with(requestA, () => { throw new Error('app error'); }), /app error/);
    assert.equal(manager.active(), ROOT_CONTEXT);
  });

  it('does not carry a context across an await (that is what propagation is for)', async () => {
    const manager = new ContextOnDemandManager();
    const later = await manager.with(requestA, async () => {
      await tick();
      return nameOf(manager.active());
    });
    assert.equal(later, 'root');
  });

  it('binds functions and EventEmitters to a context', () => {
    const manager = new ContextOnDemandManager();
    const bound = manager.bind(requestA, () => nameOf(manager.active()));
    const emitter = manager.bind(requestB, new EventEmitter());
    let heard: unknown;
    emitter.on('event', () => (heard = nameOf(manager.active())));
    emitter.emit('event');
    assert.equal(bound(), 'a');
    assert.equal(heard, 'b');
  });
});

describe('ContextOnDemandManager, propagating', () => {
  it('carries contexts across await and timers, each request its own', async () => {
    const manager = new ContextOnDemandManager();
    manager.startPropagating();
    const handler = (ctx: Context) =>
      manager.with(ctx, async () => {
        await tick();
        const afterAwait = nameOf(manager.active());
        const inTimer = await new Promise((resolve) => setTimeout(() => resolve(nameOf(manager.active())), 1));
        return [afterAwait, inTimer];
      });
    assert.deepEqual(await Promise.all([handler(requestA), handler(requestB)]), [
      ['a', 'a'],
      ['b', 'b'],
    ]);
    assert.equal(await inOwnCallback(() => manager.active()), ROOT_CONTEXT);
    manager.disable();
  });

  it('started inside a request, carries that request on to what it starts next, and hands the rest of the callback back its own', async () => {
    const manager = new ContextOnDemandManager();
    const { continued, afterwards } = await inOwnCallback(() => {
      const continued = manager.with(requestA, () => {
        // The first traced call of the app, made in a handler's synchronous code.
        new PropagateFromFirstSpan(manager).onStart();
        return (async () => {
          await tick();
          return nameOf(manager.active());
        })();
      });
      return { continued, afterwards: nameOf(manager.active()) };
    });
    assert.equal(manager.isPropagating, true);
    assert.equal(await continued, 'a');
    assert.equal(afterwards, 'root', 'code after the request in the same callback is not in the request');
    assert.equal(await inOwnCallback(() => nameOf(manager.active())), 'root');
    manager.disable();
  });
});

/**
 * A plain http tool calling another tool: every call counted and named; in its request's
 * trace from the first call made in a handler's synchronous code, or else from the
 * request after the first traced call.
 */
for (const node of [22, 24] as const) {
  describe(`a tool that loads no instrumented package, on Node ${node}`, () => {
    let world: ToolforgeWorld;
    let callee: RunningTool;

    before(async () => {
      world = await startToolforgeWorld({ tools: ['plain-caller', 'callee'] });
      callee = await world.startTool({ tool: 'callee', app: fixtureApp('callee/app.cjs') });
    });
    after(async () => {
      await world?.stop();
    });

    /** Runs the tool, sends `routes` one after the other, and returns each request's server span and its calls to the callee. */
    async function serve(service: string, routes: string[]): Promise<Array<{ server: ReceivedSpan; calls: ReceivedSpan[] }>> {
      const tool = await world.startTool({
        tool: 'plain-caller',
        app: fixtureApp('plain-caller/app.cjs'),
        node,
        env: { OTEL_SERVICE_NAME: service, CALLEE_URL: `http://callee.toolforge.org:${callee.port}` },
      });
      try {
        for (const route of routes) {
          const res = await fetch(`http://127.0.0.1:${tool.port}${route}`);
          assert.equal(await res.text(), 'hello from callee', route);
        }
        const spans = await world.receiver.waitFor(
          (all) => serverSpans(all, service).length === routes.length && toPeer(clientSpans(all, service), 'callee').length === routes.length,
          20000,
          `${service}: ${routes.length} server spans and calls`,
        );
        const calls = toPeer(clientSpans(spans, service), 'callee');
        return routes.map((route) => {
          const server = serverSpans(spans, service).find((s) => s.attributes['url.path'] === route);
          assert.ok(server, `the server span of ${route}`);
          return { server, calls: calls.filter((c) => c.traceId === server.traceId && c.parentSpanId === server.spanId) };
        });
      } finally {
        await tool.stop();
      }
    }

    it('counts every call, and puts a first call made in synchronous code and every later one in its request', async () => {
      const requests = await serve(`plain-sync-${node}`, ['/sync/1', '/after-await/2', '/after-await/3']);
      for (const [i, { calls }] of requests.entries()) assert.equal(calls.length, 1, `request ${i + 1}: one call to the callee, child of its server span`);
    });

    it('counts a first call made after an await, outside its request (its trace is split), and later ones in theirs', async () => {
      const requests = await serve(`plain-await-${node}`, ['/after-await/1', '/after-await/2']);
      assert.equal(requests[0]!.calls.length, 0);
      assert.equal(requests[1]!.calls.length, 1);
    });
  });
}
