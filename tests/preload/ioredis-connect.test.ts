// A tool that opens its Redis connection inside a request (lazily, by the constructor,
// or with connect()) against a real redis-server, with ioredis 6 and ioredis 5: each
// command the app sends is exactly one CLIENT span named by topology, and connection
// setup (connect, HELLO/CLIENT SETINFO/INFO handshake) is no span, so the service graph
// counts each call once. The stock auto-instrumentations register, run the same way,
// shows the double count the preload avoids (upstream opentelemetry-js-contrib#288).
import assert from 'node:assert/strict';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { classifyDestination, profileByName } from '../../topology/index.js';
import type { ReceivedSpan } from '../support/otlp-decode.js';
import { repoRoot } from '../support/preload-bundle.js';
import { fixtureApp, HOSTS, startToolforgeWorld, type RunningTool, type ToolforgeWorld } from '../support/toolforge-world.js';
import { settledSpans } from './settled-spans.js';
import { clientSpans, serverSpans, statementOf } from './span-queries.js';

const ROUTES = ['/lazy', '/eager', '/explicit'] as const;
const redisNode = classifyDestination({ host: HOSTS.redis, dbSystem: 'redis' }, profileByName('toolforge'));

let world: ToolforgeWorld;
/** Where ioredis 5 lives for the apps: a copy named `ioredis`, so it loads (and is hooked) under its real name. */
let ioredis5: string;

before(async () => {
  world = await startToolforgeWorld({ tools: ['redis-lazy'], redis: true });
  ioredis5 = path.join(world.dir.path, 'node_modules', 'ioredis');
  await cp(path.join(repoRoot, 'node_modules', 'ioredis5'), ioredis5, { recursive: true });
});
after(async () => {
  await world?.stop();
});

async function callRoute(tool: RunningTool, route: string): Promise<{ get: string; version: string }> {
  const res = await fetch(`http://127.0.0.1:${tool.port}${route}`);
  const text = await res.text();
  assert.equal(res.status, 200, `${route}: ${text}`);
  return JSON.parse(text) as { get: string; version: string };
}

/** The client spans of the trace whose server span served `route`. */
function spansOfRoute(spans: ReceivedSpan[], service: string, route: string): ReceivedSpan[] {
  const server = serverSpans(spans, service).find((s) => s.attributes['url.path'] === route);
  assert.ok(server, `${service}: a server span for ${route}`);
  return clientSpans(spans, service).filter((s) => s.traceId === server.traceId);
}

function withIoredis(major: 5 | 6) {
  const service = `redis-lazy-v${major}`;
  const ioredisModule = () => (major === 5 ? { IOREDIS_MODULE: ioredis5, NODE_PATH: path.join(repoRoot, 'node_modules') } : {});

  describe(`ioredis ${major}, connection opened inside the request`, () => {
    let tool: RunningTool;
    let spans: ReceivedSpan[];

    before(async () => {
      tool = await world.startTool({ tool: 'redis-lazy', app: fixtureApp('ioredis-lazy/app.cjs'), env: { OTEL_SERVICE_NAME: service, ...ioredisModule() } });
      for (const route of ROUTES) {
        const result = await callRoute(tool, route);
        assert.equal(result.get, 'private-value', `${route}: the app really read what it wrote`);
        assert.equal(result.version.split('.')[0], String(major), `${route}: ran ioredis ${major}`);
      }
      spans = await world.receiver.waitFor(
        (all) => ROUTES.every((r) => serverSpans(all, service).some((s) => s.attributes['url.path'] === r)) && clientSpans(all, service).length >= 2 * ROUTES.length,
        20000,
        `${service}: three server spans and their redis spans`,
      );
      spans = await settledSpans(world.receiver);
      await tool.stop();
    });

    for (const route of ROUTES) {
      it(`${route}: SET and GET are one client span each, named by topology`, () => {
        const client = spansOfRoute(spans, service, route);
        assert.deepEqual(
          client.map((s) => statementOf(s)),
          ['SET', 'GET'],
          `client spans: ${client.map((s) => `${s.name}(${String(statementOf(s))})`).join(', ')}`,
        );
        for (const s of client) {
          assert.equal(s.attributes['peer.service'], redisNode.node);
          assert.equal(s.attributes['toolforge.dependency.kind'], redisNode.kind);
          assert.equal(s.attributes['toolforge.dependency.detail'], redisNode.detail);
        }
      });
    }

    it('records no connect span and no handshake command, in or outside a request', () => {
      const all = clientSpans(spans, service);
      assert.deepEqual(all.filter((s) => s.name === 'connect' || /^(HELLO|CLIENT|INFO|AUTH|SELECT|CONNECT)$/.test(String(statementOf(s)))).map((s) => s.name), []);
      assert.equal(all.length, 2 * ROUTES.length, all.map((s) => s.name).join(', '));
    });
  });
}

withIoredis(6);
withIoredis(5);

describe('the stock auto-instrumentations register, same app (what the preload fixes)', () => {
  it('records the queued SET twice and a connect span', async () => {
    const service = 'redis-lazy-stock';
    const tool = await world.startTool({
      tool: 'redis-lazy',
      app: fixtureApp('ioredis-lazy/app.cjs'),
      preload: false,
      env: {
        OTEL_SERVICE_NAME: service,
        NODE_OPTIONS: '--require @opentelemetry/auto-instrumentations-node/register',
        OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,ioredis',
        // Only non-cloud detectors: nothing leaves loopback.
        OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process',
      },
    });
    try {
      await callRoute(tool, '/lazy');
      const spans = await world.receiver.waitFor(
        (all) => serverSpans(all, service).length > 0 && clientSpans(all, service).filter((s) => s.name === 'get').length > 0,
        20000,
        'the stock spans of /lazy',
      );
      const client = spansOfRoute(spans, service, '/lazy');
      assert.equal(client.filter((s) => s.name === 'set').length, 2, client.map((s) => s.name).join(', '));
      assert.equal(client.filter((s) => s.name === 'connect').length, 1, client.map((s) => s.name).join(', '));
    } finally {
      await tool.stop();
    }
  });
});
