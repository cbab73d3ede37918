// A Toolforge job (a one-off or cron run: no incoming request, so no parent span) is a
// tool whose dependencies count like any other's: each Redis command it sends through
// ioredis or node-redis is one client span named by topology, sent before it exits.
// (instrumentation-ioredis, like -mongodb, records nothing without a parent span unless
// told otherwise, and instrumentation-redis records each connect as a call of its own:
// instrumentations.ts, node-redis-connect.ts.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { nodeBinary, DEFAULT_NODE } from '../support/node-runtimes.js';
import type { ReceivedSpan } from '../support/otlp-decode.js';
import { runToExit } from '../support/processes.js';
import { fixtureApp, startToolforgeWorld, type ToolforgeWorld } from '../support/toolforge-world.js';
import { settledSpans } from './settled-spans.js';
import { clientSpans, ofService, statementOf } from './span-queries.js';

const SERVICE = 'redis-job';
/** Written out, not asked of topology/: a naming regression must fail here. */
const redisNode = { node: 'toolforge:redis', detail: undefined };

describe('a job that uses Redis and exits', () => {
  let world: ToolforgeWorld;
  let spans: ReceivedSpan[];

  before(async () => {
    world = await startToolforgeWorld({ redis: true });
    const env = { ...world.toolEnv(SERVICE), NODE_OPTIONS: `--require ${world.preload}` };
    const run = await runToExit(world.inWorld({ name: SERVICE, command: nodeBinary(DEFAULT_NODE), args: [fixtureApp('redis-job/app.cjs')], env }));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /read done count \d+/, 'the job really ran its commands');
    spans = ofService(await settledSpans(world.receiver), SERVICE);
  });
  after(async () => {
    await world?.stop();
  });

  it('exports each command as one client span, named by topology, though no request is its parent', () => {
    const client = clientSpans(spans, SERVICE);
    assert.deepEqual(
      client.map((s) => String(statementOf(s))).sort(),
      ['GET', 'INCR', 'SET'],
      client.map((s) => `${s.scope}: ${s.name}`).join(', '),
    );
    for (const s of client) {
      assert.equal(s.parentSpanId, undefined);
      assert.equal(s.attributes['peer.service'], redisNode.node);
      assert.equal(s.attributes['toolforge.dependency.detail'], redisNode.detail);
    }
  });
});
