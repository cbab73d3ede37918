// The full scenario on the default runtime: a CommonJS (express) and an ESM (koa) tool,
// preloaded as the webhook injects it, call another preloaded tool, the Wiki Replicas
// and ToolsDB (real MariaDB), Redis (real redis-server; ioredis and node-redis) and a
// MediaWiki API over HTTPS (https and fetch), all by their Toolforge names. A real
// OTLP receiver decodes what the preload exports.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { ReceivedSpan } from '../support/otlp-decode.js';
import { fixtureApp, startToolforgeWorld, type RunningTool, type ToolforgeWorld } from '../support/toolforge-world.js';
import { clientSpans, serverSpans, statementOf, toPeer, urlOf } from './span-queries.js';

/** How each destination must be named: written out, not asked of topology/, so a naming regression fails here. */
interface Named {
  node: string;
  kind: 'tool' | 'service' | 'external';
  detail?: string;
}
/** The release the bundle is built from: package.json's version, which the preload gets through contract/version.ts. */
const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const CALLEE: Named = { node: 'callee', kind: 'tool' };
const REPLICA: Named = { node: 'wmcs:wiki-replicas', kind: 'service', detail: 'enwiki' };
const TOOLSDB: Named = { node: 'toolforge:toolsdb', kind: 'service', detail: 's51234__mytool' };
const REDIS: Named = { node: 'toolforge:redis', kind: 'service' };
const MEDIAWIKI: Named = { node: 'wikimedia:mediawiki', kind: 'service', detail: 'en.wikipedia.org' };

/** Values the app handles that must never leave the pod. */
const SECRETS = ['hunter2', 'tool-secret', 'csrf-secret', 'api-secret', 'Secret_Title', 'alice', 'private-value', 'secret-agent', 'cookie-value', '203.0.113.9', 'user-token'];

async function callWork(tool: RunningTool): Promise<Record<string, unknown>> {
  const res = await fetch(`http://127.0.0.1:${tool.port}/work?token=user-token&user=alice`, {
    headers: { 'user-agent': 'secret-agent/1.0', cookie: 'session=cookie-value', authorization: 'Basic aunter2', 'x-forwarded-for': '203.0.113.9' },
  });
  assert.equal(res.status, 200);
  return (await res.json()) as Record<string, unknown>;
}

function assertDestination(spans: ReceivedSpan[], want: Named, what: string): ReceivedSpan[] {
  const matching = toPeer(spans, want.node);
  assert.ok(matching.length > 0, `no client span named ${want.node} for ${what}; got peers ${[...new Set(spans.map((s) => s.attributes['peer.service']))].join(', ')}`);
  for (const s of matching) {
    assert.equal(s.attributes['toolforge.dependency.kind'], want.kind, `${what}: kind`);
    assert.equal(s.attributes['toolforge.dependency.detail'], want.detail, `${what}: detail`);
  }
  return matching;
}

function scenario(name: string, app: string, tool: string) {
  describe(name, () => {
    let world: ToolforgeWorld;
    let caller: RunningTool;
    let callee: RunningTool;
    let result: Record<string, unknown>;
    let spans: ReceivedSpan[];

    before(async () => {
      world = await startToolforgeWorld({ tools: [tool, 'callee'], mariadb: true, redis: true, wiki: true });
      callee = await world.startTool({ tool: 'callee', app: fixtureApp('callee/app.cjs') });
      caller = await world.startTool({ tool, app: fixtureApp(app), env: { CALLEE_URL: `http://callee.toolforge.org:${callee.port}` } });
      result = await callWork(caller);
      const expectedPeers = [CALLEE, REPLICA, TOOLSDB, REDIS, MEDIAWIKI].map((n) => n.node);
      spans = await world.receiver.waitFor(
        (all) =>
          expectedPeers.every((p) => toPeer(clientSpans(all, tool), p).length > 0) &&
          serverSpans(all, 'callee').length > 0 &&
          serverSpans(all, tool).length > 0,
        30000,
        `${tool}'s client spans to ${expectedPeers.join(', ')} and both server spans`,
      );
    });
    after(async () => {
      await world?.stop();
    });

    it('the app really made every call', () => {
      assert.match(String(result.callee), /^200 hello from callee/);
      assert.deepEqual(result.replica, [{ page_title: { type: 'Buffer', data: [...Buffer.from('Secret_Title')] } }]);
      assert.deepEqual(result.toolsdb, [{ note: 'hello' }]);
      assert.equal(result.ioredis, 'private-value');
      assert.match(String(result.wikiHttps), /^200 .*"wiki":"en.wikipedia.org"/);
      assert.match(String(result.wikiFetch), /^200 .*"path":"\/w\/rest.php\/v1\/page\/Main_Page"/);
    });

    it('names another tool by its bare name, and the trace continues in that tool', () => {
      const [client] = assertDestination(clientSpans(spans, tool), CALLEE, 'tool call');
      assert.equal(client!.attributes['peer.service'], 'callee');
      assert.equal(client!.attributes['toolforge.dependency.kind'], 'tool');
      const server = serverSpans(spans, 'callee').find((s) => s.traceId === client!.traceId);
      assert.ok(server, 'callee has a server span in the same trace');
      assert.equal(server.parentSpanId, client!.spanId, "callee's server span is the child of the caller's client span");
      const callerServer = serverSpans(spans, tool).find((s) => s.traceId === client!.traceId);
      assert.ok(callerServer, "the caller's own server span is in the same trace");
    });

    it('names the Wiki Replicas and ToolsDB, with the database as detail and no SQL literals', () => {
      const replica = assertDestination(clientSpans(spans, tool), REPLICA, 'wiki replica');
      const statement = String(statementOf(replica.find((s) => statementOf(s) !== undefined)!));
      assert.match(statement, /^SELECT page_title FROM page WHERE page_title = \? AND page_id = \?$/);
      const toolsdb = assertDestination(clientSpans(spans, tool), TOOLSDB, 'toolsdb');
      assert.ok(toolsdb.every((s) => !String(statementOf(s) ?? '').includes('alice')));
      assert.ok(toolsdb.every((s) => s.attributes['db.system.name'] === 'mysql' || s.attributes['db.system'] === 'mysql'));
    });

    it('names Redis, keeping only the command, and counts commands only (no connect spans)', () => {
      const redis = assertDestination(clientSpans(spans, tool), REDIS, 'redis');
      const statements = redis.map((s) => statementOf(s));
      assert.ok(statements.includes('SET'), `statements: ${statements.join(', ')}`);
      for (const st of statements) assert.match(String(st), /^[A-Z.]+$/);
    });

    it('names the MediaWiki API with the wiki as detail, for https and fetch, with secret parameters redacted', () => {
      const wiki = assertDestination(clientSpans(spans, tool), MEDIAWIKI, 'mediawiki');
      const scopes = new Set(wiki.map((s) => s.scope));
      assert.ok(scopes.has('@opentelemetry/instrumentation-http') && scopes.has('@opentelemetry/instrumentation-undici'), [...scopes].join(', '));
      const urls = wiki.map((s) => String(urlOf(s)));
      assert.ok(urls.some((u) => u.includes('token=REDACTED') && u.includes('action=query')), urls.join(' '));
      assert.ok(urls.some((u) => u.includes('key=REDACTED')), urls.join(' '));
      const calleeUrl = String(urlOf(toPeer(clientSpans(spans, tool), 'callee')[0]!));
      assert.match(calleeUrl, /lgpassword=REDACTED&format=json$/);
    });

    it("exports the tool's resource from the webhook's variables, and nothing a cloud detector would add", () => {
      const resource = serverSpans(spans, tool)[0]!.resource;
      assert.equal(resource['service.name'], tool);
      assert.equal(resource['toolforge.tool'], tool);
      assert.equal(resource['k8s.namespace.name'], `tool-${tool}`);
      assert.equal(resource['k8s.container.name'], 'webservice');
      assert.equal(resource['toolforge.workload.kind'], 'web');
      assert.equal(resource['toolforge.preload.version'], PACKAGE_VERSION);
      for (const key of Object.keys(resource)) assert.doesNotMatch(key, /^(cloud|host|aws|gcp|azure)\./, key);
    });

    it('exports no end-user address, user agent, cookie, authorization, query string or secret', () => {
      const server = serverSpans(spans, tool);
      for (const s of server) {
        for (const key of ['url.query', 'client.address', 'network.peer.address', 'user_agent.original']) assert.equal(s.attributes[key], undefined, key);
        assert.equal(s.attributes['url.path'], '/work');
      }
      const text = JSON.stringify(spans);
      for (const secret of SECRETS) {
        const leaks = spans.filter((s) => JSON.stringify(s).includes(secret)).map((s) => JSON.stringify({ scope: s.scope, name: s.name, attributes: s.attributes }));
        assert.ok(!text.includes(secret), `"${secret}" left the pod in ${leaks.join('\n')}`);
      }
    });

    if (app.endsWith('.cjs')) {
      it('names the express route, and keeps the trace through a body parser', async () => {
        const work = serverSpans(spans, tool).find((s) => s.attributes['url.path'] === '/work');
        assert.equal(work?.attributes['http.route'], '/work');
        assert.equal(work?.name, 'GET /work');
        const res = await fetch(`http://127.0.0.1:${caller.port}/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ note: 'private note of alice' }) });
        assert.equal(res.status, 200);
        const all = await world.receiver.waitFor(
          (s) => serverSpans(s, tool).some((x) => x.attributes['http.route'] === '/notes') && serverSpans(s, 'callee').length >= 2,
          20000,
          'the POST /notes spans',
        );
        const post = serverSpans(all, tool).find((x) => x.attributes['http.route'] === '/notes')!;
        const call = toPeer(clientSpans(all, tool), 'callee').find((c) => c.traceId === post.traceId);
        assert.ok(call, 'the call made after body parsing is in the request’s trace');
        assert.ok(!JSON.stringify(all).includes('private note'), 'no request body leaves the pod');
      });
    }

    it('marks every span of this fully sampled trace toolforge.sampled=true', () => {
      for (const s of spans) assert.equal(s.attributes['toolforge.sampled'], true, `${s.name}`);
    });
  });
}

scenario('preload in a CommonJS tool (express, mysql2, ioredis, node-redis, https, fetch)', 'tool-cjs/app.cjs', 'caller');
scenario('preload in an ESM tool (koa, mysql2, ioredis, https, fetch via import)', 'tool-esm/app.mjs', 'caller-esm');
