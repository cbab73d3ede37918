// One representative scenario per supported runtime (the full one runs on the default
// runtime in destinations.test.ts): an ESM tool, loading its client libraries with
// `import`, calls another preloaded tool, a Wiki Replica, Redis and a MediaWiki API
// with fetch; each call must come out named, and the trace must continue in the callee.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NODE_MATRIX } from '../support/node-runtimes.js';
import { fixtureApp, startToolforgeWorld, type RunningTool, type ToolforgeWorld } from '../support/toolforge-world.js';
import { clientSpans, serverSpans, toPeer } from './span-queries.js';

/** Written out, not asked of topology/: a naming regression must fail here. */
const peers = { replica: 'wmcs:wiki-replicas', redis: 'toolforge:redis', wiki: 'wikimedia:mediawiki' };

describe('Node runtime matrix', () => {
  let world: ToolforgeWorld;
  let callee: RunningTool;
  const tools = NODE_MATRIX.map((major) => `matrix-node${major}`);

  before(async () => {
    world = await startToolforgeWorld({ tools: [...tools, 'callee'], mariadb: true, redis: true, wiki: true });
    callee = await world.startTool({ tool: 'callee', app: fixtureApp('callee/app.cjs') });
  });
  after(async () => {
    await world?.stop();
  });

  for (const major of NODE_MATRIX) {
    it(`Node ${major}: an ESM tool's calls are named and the trace continues in the callee`, async () => {
      const tool = `matrix-node${major}`;
      const app = await world.startTool({
        tool,
        node: major,
        app: fixtureApp('tool-esm/app.mjs'),
        env: { CALLEE_URL: `http://callee.toolforge.org:${callee.port}`, TOOLSDB_HOST: undefined },
      });
      const res = await fetch(`http://127.0.0.1:${app.port}/work`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as Record<string, unknown>;
      for (const [name, value] of Object.entries(body)) assert.doesNotMatch(String(value), /^error/, `${name}: ${String(value)}`);

      const spans = await world.receiver.waitFor(
        (s) =>
          ['callee', peers.replica, peers.redis, peers.wiki].every((p) => toPeer(clientSpans(s, tool), p).length > 0) &&
          toPeer(clientSpans(s, tool), peers.wiki).some((w) => w.scope === '@opentelemetry/instrumentation-undici') &&
          toPeer(clientSpans(s, tool), 'callee').some((c) => serverSpans(s, 'callee').some((srv) => srv.traceId === c.traceId)),
        30000,
        `${tool}'s client spans`,
      );
      const client = clientSpans(spans, tool);
      const fetchSpan = toPeer(client, peers.wiki).find((s) => s.scope === '@opentelemetry/instrumentation-undici');
      assert.ok(fetchSpan, 'fetch is traced');
      const toCallee = toPeer(client, 'callee')[0]!;
      const calleeSide = serverSpans(spans, 'callee').find((s) => s.parentSpanId === toCallee.spanId);
      assert.ok(calleeSide, 'trace context propagated to the callee');
      assert.equal(calleeSide.traceId, toCallee.traceId);
      assert.match(String(toCallee.resource['process.runtime.version']), new RegExp(`^${major}\\.`));
      await app.stop();
    });
  }
});
