// A preloaded tool on the old `mysql` package reading a Wiki Replica (real MariaDB,
// `enwiki.analytics.db.svc.wikimedia.cloud` resolved to loopback in a private hosts
// namespace): every query is one CLIENT span named `wmcs:wiki-replicas` with the wiki
// as detail, its SQL literals scrubbed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { classifyDestination, profileByName } from '../../topology/index.js';
import type { ReceivedSpan } from '../support/otlp-decode.js';
import { fixtureApp, HOSTS, MYSQL_PASSWORD, startToolforgeWorld, type RunningTool, type ToolforgeWorld } from '../support/toolforge-world.js';
import { settledSpans } from './settled-spans.js';
import { clientSpans, serverSpans, statementOf } from './span-queries.js';

const TOOL = 'old-mysql';

describe('preload with the old mysql package against a real MariaDB (Wiki Replica)', () => {
  let world: ToolforgeWorld;
  let tool: RunningTool;
  let result: Record<string, unknown>;
  let spans: ReceivedSpan[];
  const expected = classifyDestination({ host: HOSTS.replica, port: 3306, dbSystem: 'mysql', dbName: 'enwiki_p' }, profileByName('toolforge'));

  before(async () => {
    world = await startToolforgeWorld({ tools: [TOOL], mariadb: true });
    tool = await world.startTool({ tool: TOOL, app: fixtureApp('mysql-legacy/app.cjs') });
    const res = await fetch(`http://127.0.0.1:${tool.port}/work`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    result = JSON.parse(text) as Record<string, unknown>;
    await world.receiver.waitFor((all) => serverSpans(all, TOOL).length > 0 && clientSpans(all, TOOL).length >= 3, 20000, 'the mysql spans');
    spans = await settledSpans(world.receiver);
    await tool.stop();
  });
  after(async () => {
    await world?.stop();
  });

  it('the app really ran its queries', () => {
    assert.deepEqual(result, { literal: ['Secret_Title'], bound: [42], pooled: [1] });
  });

  it('names the Wiki Replicas with the wiki as detail', () => {
    assert.deepEqual(expected, { node: 'wmcs:wiki-replicas', kind: 'service', detail: 'enwiki' });
  });

  it('records each query, pooled ones included, as one CLIENT span named by topology, literals scrubbed', () => {
    const client = clientSpans(spans, TOOL);
    assert.deepEqual(
      client.map((s) => statementOf(s)),
      ['SELECT page_title FROM page WHERE page_title = ? AND page_id = ?', 'SELECT page_id FROM page WHERE page_title = ?', 'SELECT COUNT(*) AS n FROM page WHERE page_title <> ?'],
      client.map((s) => s.name).join(', '),
    );
    for (const s of client) {
      assert.equal(s.attributes['peer.service'], expected.node, s.name);
      assert.equal(s.attributes['toolforge.dependency.kind'], expected.kind, s.name);
      assert.equal(s.attributes['toolforge.dependency.detail'], expected.detail, s.name);
      assert.equal(s.attributes['db.namespace'], 'enwiki_p');
    }
  });

  it('exports no literal, parameter value or password', () => {
    const exported = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, resource: s.resource })));
    for (const secret of ['Secret_Title', 'Other_Secret', MYSQL_PASSWORD]) assert.ok(!exported.includes(secret), `"${secret}" left the pod: ${exported}`);
  });
});
