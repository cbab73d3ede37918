// The preload's pure policy: which runtimes start, how OTEL_* is read, what a URL or a
// SQL statement may show, which attributes an exported span keeps, how sampling records.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { classifyDestination, profileByName } from '../../topology/index.js';
import { entryIsEsm } from '../../preload/instrumentation/entry-format.js';
import { readConfig } from '../../preload/config/env-config.js';
import { exportedAttributes } from '../../preload/attributes/exported-attributes.js';
import { gate, isSupportedNode } from '../../preload/gate/gate.js';
import { packageOf } from '../../preload/instrumentation/package-name.js';
import { RecordEverySpanSampler, standardSampler } from '../../preload/sdk/sampler.js';
import { withoutSqlLiterals } from '../../preload/attributes/sql-literals.js';
import { incomingUrl, outgoingUrl, redactQuery } from '../../preload/attributes/url-privacy.js';

const profile = profileByName('toolforge');

describe('gate', () => {
  it('starts on 18.19+, 20.6+ and 21+, not before', () => {
    for (const v of ['v18.19.0', 'v18.20.8', 'v20.6.0', 'v20.19.5', 'v22.0.0', 'v24.21.0', 'v25.1.0']) assert.equal(isSupportedNode(v), true, v);
    for (const v of ['v12.22.12', 'v16.20.2', 'v18.18.2', 'v19.9.0', 'v20.5.1', 'garbage', '']) assert.equal(isSupportedNode(v), false, v);
  });
  it('stays silent for opt-outs and in worker threads, and says one thing on old runtimes', () => {
    assert.deepEqual(gate({ TOOLFORGE_TRACING_DISABLED: 'true' }, 'v22.1.0', true), { start: false });
    assert.deepEqual(gate({ OTEL_SDK_DISABLED: ' TRUE ' }, 'v16.20.2', true), { start: false });
    assert.deepEqual(gate({}, 'v22.1.0', false), { start: false });
    assert.deepEqual(gate({ TOOLFORGE_TRACING_DISABLED: 'false' }, 'v22.1.0', true), { start: true });
    assert.deepEqual(gate({}, 'v22.1.0', true, { readsPreload: true, dir: '/toolforge-tracing' }), { start: true });
    assert.deepEqual(gate({}, 'v22.1.0', true, { readsPreload: false, dir: '/toolforge-tracing' }), {
      start: false,
      message: 'toolforge-tracing: the permission model does not allow reading /toolforge-tracing; tracing is off, the app runs normally (--allow-fs-read=/toolforge-tracing/* turns it on)',
    });
    const old = gate({}, 'v16.20.2', true);
    assert.equal(old.start, false);
    assert.match((old as { message: string }).message, /^toolforge-tracing: Node\.js v16\.20\.2 is not supported/);
  });
});

describe('readConfig', () => {
  it('reads what the webhook sets', () => {
    const { config, warnings } = readConfig({
      OTEL_SERVICE_NAME: 'mytool',
      OTEL_RESOURCE_ATTRIBUTES: 'toolforge.tool=mytool,k8s.namespace.name=tool-mytool,note=a%2Cb',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://10.0.0.5:4318/',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
      TOOLFORGE_TRACING_PROFILE: 'cloudvps',
    });
    assert.deepEqual(warnings, []);
    assert.equal(config.serviceName, 'mytool');
    assert.deepEqual(config.resourceAttributes, { 'toolforge.tool': 'mytool', 'k8s.namespace.name': 'tool-mytool', note: 'a,b' });
    assert.equal(config.tracesUrl, 'http://10.0.0.5:4318/v1/traces');
    assert.equal(config.sampler, 'parentbased_traceidratio');
    assert.equal(config.samplerRatio, 0.1);
    assert.equal(config.profile, 'cloudvps');
  });
  it('applies an OTEL_TRACES_SAMPLER_ARG set alone to the parent-based ratio sampler, and ignores it for samplers without a ratio', () => {
    assert.deepEqual([readConfig({ OTEL_TRACES_SAMPLER_ARG: '0.25' }).config.sampler, readConfig({ OTEL_TRACES_SAMPLER_ARG: '0.25' }).config.samplerRatio], ['parentbased_traceidratio', 0.25]);
    assert.deepEqual([readConfig({}).config.sampler, readConfig({}).config.samplerRatio], ['parentbased_always_on', 1]);
    assert.deepEqual([readConfig({ OTEL_TRACES_SAMPLER: 'always_on', OTEL_TRACES_SAMPLER_ARG: '0.25' }).config.samplerRatio], [1]);
  });
  it('uses a signal-specific endpoint as is', () => {
    assert.equal(readConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom' }).config.tracesUrl, 'http://c:4318/custom');
  });
  it('defaults everything, warning once per bad value and naming it', () => {
    const { config, warnings } = readConfig({
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '10%',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_BSP_MAX_QUEUE_SIZE: '0',
      OTEL_PROPAGATORS: 'b3,tracecontext',
      TOOLFORGE_TRACING_PROFILE: 'mars',
    });
    assert.equal(config.samplerRatio, 1);
    assert.equal(config.tracesUrl, 'http://localhost:4318/v1/traces');
    assert.equal(config.maxQueueSize, 1024);
    assert.deepEqual(config.propagators, ['tracecontext']);
    assert.equal(config.profile, 'toolforge');
    assert.equal(warnings.length, 6, warnings.join('\n'));
    for (const name of ['OTEL_TRACES_SAMPLER_ARG', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_BSP_MAX_QUEUE_SIZE', 'OTEL_PROPAGATORS', 'TOOLFORGE_TRACING_PROFILE']) {
      assert.ok(warnings.some((w) => w.startsWith(name)), name);
    }
  });
});

describe('URLs', () => {
  it('redacts secret-bearing parameters of outgoing requests, keeps the rest', () => {
    assert.equal(
      outgoingUrl('https://u:pw@en.wikipedia.org/w/api.php?action=login&lgname=Bot&lgpassword=hunter2&lgtoken=abc%2B%5C&format=json#x'),
      'https://en.wikipedia.org/w/api.php?action=login&lgname=Bot&lgpassword=REDACTED&lgtoken=REDACTED&format=json',
    );
    assert.equal(redactQuery('?api_key=1&apikey=2&access_token=3&client_secret=4&sig=5&q=ok'), '?api_key=REDACTED&apikey=REDACTED&access_token=REDACTED&client_secret=REDACTED&sig=REDACTED&q=ok');
    assert.equal(redactQuery('%E0%A4%A=1&key=2'), '%E0%A4%A=1&key=REDACTED');
  });
  it('drops the query string of incoming requests', () => {
    assert.equal(incomingUrl('http://mytool.toolforge.org/search?user=alice&q=x'), 'http://mytool.toolforge.org/search');
    assert.equal(incomingUrl('/search?user=alice'), '/search');
  });
});

describe('SQL', () => {
  it('replaces literals, keeps structure and identifiers', () => {
    assert.equal(
      withoutSqlLiterals("SELECT `page_title` FROM page WHERE page_title = 'O''Brien' AND page_id IN (1, -2.5e3) AND x = 0xFF /* user alice */ -- tail"),
      'SELECT `page_title` FROM page WHERE page_title = ? AND page_id IN (?, ?) AND x = ?',
    );
    assert.equal(withoutSqlLiterals('SELECT * FROM s51234__mytool.t2 WHERE a = "x\\"y" AND b = $1'), 'SELECT * FROM s51234__mytool.t2 WHERE a = ? AND b = $1');
  });
});

describe('packageOf', () => {
  it('finds the npm package of a require request or a node_modules path', () => {
    assert.equal(packageOf('mysql2'), 'mysql2');
    assert.equal(packageOf('mysql2/promise'), 'mysql2');
    assert.equal(packageOf('@redis/client/dist/lib/client'), '@redis/client');
    assert.equal(packageOf('/srv/app/node_modules/koa/node_modules/debug/src/index.js'), 'debug');
    assert.equal(packageOf('/srv/app/node_modules/@redis/client/dist/index.js'), '@redis/client');
    for (const r of ['./lib/x', '../y', '/srv/app/server.js', 'node:http', 'file:///srv/app/a.mjs']) assert.equal(packageOf(r), undefined, r);
  });
});

describe('exportedAttributes', () => {
  it('names a client span and keeps its useful attributes when sampled', () => {
    const a = exportedAttributes(
      SpanKind.CLIENT,
      { 'db.system.name': 'mysql', 'db.namespace': 'enwiki_p', 'server.address': 'enwiki.analytics.db.svc.wikimedia.cloud', 'server.port': 3306, 'db.query.text': "SELECT 1 FROM t WHERE a = 'x'" },
      true,
      profile,
    );
    const want = classifyDestination({ host: 'enwiki.analytics.db.svc.wikimedia.cloud', port: 3306, dbSystem: 'mysql', dbName: 'enwiki_p' }, profile);
    assert.equal(a['peer.service'], want.node);
    assert.equal(a['toolforge.dependency.detail'], want.detail);
    assert.equal(a['toolforge.dependency.kind'], 'service');
    assert.equal(a['db.query.text'], 'SELECT ? FROM t WHERE a = ?');
    assert.equal(a['toolforge.sampled'], true);
    assert.equal(a['server.port'], 3306);
  });
  it('takes the host from the URL when no server.address is set', () => {
    const a = exportedAttributes(SpanKind.CLIENT, { 'http.url': 'https://othertool.toolforge.org/api?token=x' }, true, profile);
    assert.equal(a['peer.service'], 'othertool');
    assert.equal(a['http.url'], 'https://othertool.toolforge.org/api?token=REDACTED');
  });
  it('strips the end user from server spans and never names them', () => {
    const a = exportedAttributes(
      SpanKind.SERVER,
      {
        'client.address': '203.0.113.9',
        'network.peer.address': '10.1.2.3',
        'user_agent.original': 'Mozilla',
        'url.query': 'user=alice',
        'http.target': '/x?user=alice',
        'http.request.header.cookie': ['a=b'],
        'url.path': '/x',
        'server.address': 'mytool.toolforge.org',
      },
      true,
      profile,
    );
    assert.deepEqual(a, { 'http.target': '/x', 'url.path': '/x', 'server.address': 'mytool.toolforge.org', 'toolforge.sampled': true });
  });
  it('keeps only the graph attributes when not sampled', () => {
    const a = exportedAttributes(
      SpanKind.CLIENT,
      { 'server.address': 'redis.svc.tools.eqiad1.wikimedia.cloud', 'server.port': 6379, 'db.system.name': 'redis', 'db.query.text': 'SET k v' },
      false,
      profile,
    );
    assert.deepEqual(Object.keys(a).sort(), ['db.system.name', 'peer.service', 'toolforge.dependency.kind', 'toolforge.sampled']);
    assert.equal(a['toolforge.sampled'], false);
  });
  it('keeps only the command of a Redis statement', () => {
    const a = exportedAttributes(SpanKind.CLIENT, { 'db.system': 'redis', 'db.statement': 'set session:alice secret' }, true, profile);
    assert.equal(a['db.statement'], 'SET');
  });
});

describe('RecordEverySpanSampler', () => {
  const unsampledParent = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.NONE, isRemote: true });
  const sampledParent = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED, isRemote: true });
  const sampler = new RecordEverySpanSampler(standardSampler('parentbased_traceidratio', 0));

  it('records what the standard sampler drops, with toolforge.sampled=false', () => {
    for (const ctx of [ROOT_CONTEXT, unsampledParent]) {
      const r = sampler.shouldSample(ctx, 'a'.repeat(32), 'GET', SpanKind.SERVER, {}, []);
      assert.equal(r.decision, SamplingDecision.RECORD);
      assert.equal(r.attributes?.['toolforge.sampled'], false);
    }
  });
  it('follows a sampled parent', () => {
    const r = sampler.shouldSample(sampledParent, 'a'.repeat(32), 'GET', SpanKind.SERVER, {}, []);
    assert.equal(r.decision, SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(r.attributes?.['toolforge.sampled'], true);
  });
});

describe('entryIsEsm', () => {
  const types: Record<string, string | undefined | null> = { '/srv/esm': 'module', '/srv/cjs': 'commonjs', '/srv/plain': undefined };
  const readType = (dir: string) => (dir in types ? types[dir] : null);
  it("follows Node's rule: extension first, then the nearest package.json", () => {
    assert.equal(entryIsEsm('/srv/cjs/app.mjs', readType), true);
    assert.equal(entryIsEsm('/srv/esm/app.cjs', readType), false);
    assert.equal(entryIsEsm('/srv/esm/src/app.js', readType), true);
    assert.equal(entryIsEsm('/srv/esm/bin/server', readType), true);
    assert.equal(entryIsEsm('/srv/cjs/app.js', readType), false);
    assert.equal(entryIsEsm('/srv/plain/app.js', readType), false);
    assert.equal(entryIsEsm('/elsewhere/app.js', readType), false);
    assert.equal(entryIsEsm(undefined, readType), false);
  });
});
