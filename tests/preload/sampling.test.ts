// Sampling as the contracts decide it: at OTEL_TRACES_SAMPLER_ARG=0.1 every client and
// server span still leaves the pod (the service graph counts 100%), about 10% carry
// toolforge.sampled=true, the rest are slim, and two preloaded tools agree on every
// trace's decision because the W3C sampled flag they propagate is the standard one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReceivedSpan } from '../support/otlp-decode.js';
import { fixtureApp, startToolforgeWorld, type ToolforgeWorld } from '../support/toolforge-world.js';
import { clientSpans, serverSpans, toPeer } from './span-queries.js';

const REQUESTS = 300;
const SAMPLING = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' };

describe('parent-based 10% sampling across two preloaded tools', () => {
  let world: ToolforgeWorld;
  let callerServer: ReceivedSpan[];
  let callerClient: ReceivedSpan[];
  let calleeServer: ReceivedSpan[];

  before(async () => {
    world = await startToolforgeWorld({ tools: ['caller', 'callee'] });
    const callee = await world.startTool({ tool: 'callee', app: fixtureApp('callee/app.cjs'), env: SAMPLING });
    const caller = await world.startTool({
      tool: 'caller',
      app: fixtureApp('tool-cjs/app.cjs'),
      env: { ...SAMPLING, CALLEE_URL: `http://callee.toolforge.org:${callee.port}` },
    });
    let sent = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (sent < REQUESTS) {
          sent++;
          const res = await fetch(`http://127.0.0.1:${caller.port}/work`);
          assert.equal(res.status, 200);
          await res.text();
        }
      }),
    );
    const spans = await world.receiver.waitFor(
      (s) => serverSpans(s, 'caller').length >= REQUESTS && toPeer(clientSpans(s, 'caller'), 'callee').length >= REQUESTS && serverSpans(s, 'callee').length >= REQUESTS,
      30000,
      `${REQUESTS} caller server, caller->callee client and callee server spans`,
    );
    callerServer = serverSpans(spans, 'caller');
    callerClient = toPeer(clientSpans(spans, 'caller'), 'callee');
    calleeServer = serverSpans(spans, 'callee');
  });
  after(async () => {
    await world?.stop();
  });

  it('exports every client and server span, exactly once', () => {
    assert.equal(callerServer.length, REQUESTS);
    assert.equal(callerClient.length, REQUESTS);
    assert.equal(calleeServer.length, REQUESTS);
  });

  it('marks about 10% of traces toolforge.sampled=true', () => {
    const sampled = callerServer.filter((s) => s.attributes['toolforge.sampled'] === true).length;
    // Binomial(300, 0.1): mean 30, sd 5.2; [10, 60] fails by chance about once in 10^5 runs.
    assert.ok(sampled >= 10 && sampled <= 60, `${sampled} of ${REQUESTS} sampled`);
    assert.ok(callerServer.every((s) => typeof s.attributes['toolforge.sampled'] === 'boolean'));
  });

  it("agrees across tools: the callee's server span follows the caller's decision", () => {
    const clientBySpanId = new Map(callerClient.map((s) => [s.spanId, s]));
    for (const server of calleeServer) {
      const parent = clientBySpanId.get(server.parentSpanId ?? '');
      assert.ok(parent, 'every callee server span has the caller client span as parent');
      assert.equal(server.traceId, parent.traceId);
      assert.equal(server.attributes['toolforge.sampled'], parent.attributes['toolforge.sampled']);
    }
    const rootDecision = new Map(callerServer.map((s) => [s.traceId, s.attributes['toolforge.sampled']]));
    for (const client of callerClient) assert.equal(client.attributes['toolforge.sampled'], rootDecision.get(client.traceId));
  });

  it('exports unsampled spans slim: the graph attributes only, no events', () => {
    const unsampled = callerClient.filter((s) => s.attributes['toolforge.sampled'] === false);
    assert.ok(unsampled.length > 0);
    for (const s of unsampled) {
      assert.equal(s.attributes['peer.service'], 'callee');
      assert.equal(s.attributes['toolforge.dependency.kind'], 'tool');
      assert.equal(s.events, 0);
      for (const key of ['url.full', 'server.address', 'http.request.method', 'network.peer.address']) assert.equal(s.attributes[key], undefined, key);
    }
    const sampled = callerClient.find((s) => s.attributes['toolforge.sampled'] === true);
    assert.ok(sampled && sampled.attributes['url.full'] !== undefined, 'sampled spans keep their full attributes');
  });
});
